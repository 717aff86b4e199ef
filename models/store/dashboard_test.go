package store_test

import (
	"context"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

func TestCommentsPerDayBucketsByUTCDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := bootstrapped(t, s)
		now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
		at := []time.Time{
			now.Add(-time.Hour),                    // today
			now.Add(-9*time.Hour - 31*time.Minute), // yesterday 23:59 UTC
			now.Add(-9*time.Hour - 30*time.Minute).In(time.FixedZone("X", 5*3600)), // today 00:00 UTC, stored from another zone
			now.AddDate(0, 0, -13), // first day of the window
			now.AddDate(0, 0, -14), // just outside
			now.AddDate(0, 0, 1),   // future, outside
		}
		for i, ts := range at {
			c := models.Comment{ThreadID: p.ThreadID, Author: "A", Body: "b", HTML: "<p>b</p>", Status: models.StatusApproved, CreatedAt: ts}
			if err := s.CreateComment(ctx, &c, 5); err != nil {
				t.Fatalf("comment %d: %v", i, err)
			}
		}
		days, err := s.CommentsPerDay(ctx, now, 14)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 14 {
			t.Fatalf("got %d days, want 14", len(days))
		}
		want := map[string]int{"2026-03-14": 2, "2026-03-13": 1, "2026-03-01": 1}
		total := 0
		for i, d := range days {
			if i > 0 && !d.Day.Equal(days[i-1].Day.AddDate(0, 0, 1)) {
				t.Errorf("day %d is %v, not the day after %v", i, d.Day, days[i-1].Day)
			}
			if got := d.N; got != want[d.Day.Format("2006-01-02")] {
				t.Errorf("%s: %d comments, want %d", d.Day.Format("2006-01-02"), got, want[d.Day.Format("2006-01-02")])
			}
			total += d.N
		}
		if days[0].Day.Format("2006-01-02") != "2026-03-01" || total != 4 {
			t.Errorf("window starts %v with %d comments; want 2026-03-01 and 4", days[0].Day, total)
		}
	})
}

func TestDatabaseSizeAndPoolStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bootstrapped(t, s)
		n, err := s.DatabaseSize(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n < 4096 {
			t.Errorf("database size %d bytes, want at least a page", n)
		}
		stats, err := s.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if len(stats) == 0 {
			t.Fatal("no pools")
		}
		for name, st := range stats {
			if st.MaxOpenConnections < 1 {
				t.Errorf("pool %s: max open %d, want a bound", name, st.MaxOpenConnections)
			}
		}
	})
}
