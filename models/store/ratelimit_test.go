package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"parley/models/store"
	"parley/models/store/storetest"
)

func TestCountHitCountsPerKeyAndWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w1 := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
		w2 := w1.Add(time.Minute)
		for i := 1; i <= 3; i++ {
			n, err := s.CountHit(ctx, "ip:192.0.2.1", w1)
			if err != nil {
				t.Fatal(err)
			}
			if n != i {
				t.Fatalf("hit %d in window 1: count %d", i, n)
			}
		}
		if n, err := s.CountHit(ctx, "ip:192.0.2.2", w1); err != nil || n != 1 {
			t.Fatalf("other key: count %d, err %v; want 1", n, err)
		}
		if n, err := s.CountHit(ctx, "ip:192.0.2.1", w2); err != nil || n != 1 {
			t.Fatalf("next window: count %d, err %v; want 1", n, err)
		}
	})
}

func TestCountHitIsAtomicUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
		const workers, each = 8, 10
		seen := make(chan int, workers*each)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					n, err := s.CountHit(ctx, "email:a@example.com", start)
					if err != nil {
						t.Error(err)
						return
					}
					seen <- n
				}
			})
		}
		wg.Wait()
		close(seen)
		got := map[int]bool{}
		for n := range seen {
			if got[n] {
				t.Fatalf("count %d returned twice: an increment was lost", n)
			}
			got[n] = true
		}
		for i := 1; i <= workers*each; i++ {
			if !got[i] {
				t.Fatalf("count %d never returned; got %d distinct counts", i, len(got))
			}
		}
	})
}

func TestSweepHitsRemovesOnlyOldWindows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		old := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
		current := old.Add(10 * time.Minute)
		for _, k := range []string{"a", "b"} {
			if _, err := s.CountHit(ctx, k, old); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CountHit(ctx, "a", current); err != nil {
			t.Fatal(err)
		}
		removed, err := s.SweepHits(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		if removed != 2 {
			t.Fatalf("swept %d rows, want 2", removed)
		}
		if n, err := s.CountHit(ctx, "a", current); err != nil || n != 2 {
			t.Fatalf("current window after sweep: count %d, err %v; want 2", n, err)
		}
		if n, err := s.CountHit(ctx, "a", old); err != nil || n != 1 {
			t.Fatalf("old window after sweep: count %d, err %v; want 1 (started over)", n, err)
		}
	})
}
