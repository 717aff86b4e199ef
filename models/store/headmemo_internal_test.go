package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"parley/models"
)

// TestHeadMemoIsBounded asks for more pages than the memo keeps (pages
// without threads, as a crawler would): the memo stops growing at its
// bound, and the pages past it are still answered.
func TestHeadMemoIsBounded(t *testing.T) {
	ctx := context.Background()
	s := memoStore(t)
	for i := range maxMemoEntries + 10 {
		if _, err := s.ThreadHead(ctx, "blog", fmt.Sprintf("/page-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	s.memo.mu.Lock()
	n := len(s.memo.threads)
	s.memo.mu.Unlock()
	if n != maxMemoEntries {
		t.Fatalf("memo holds %d threads, want its bound %d", n, maxMemoEntries)
	}
}

// TestHeadMemoTurnsOffWhenItsConnectionFails: after the memo's connection
// is gone, heads are read from the database and stay correct.
func TestHeadMemoTurnsOffWhenItsConnectionFails(t *testing.T) {
	ctx := context.Background()
	s := memoStore(t)
	if _, err := s.ThreadHead(ctx, "blog", "/p"); err != nil {
		t.Fatal(err)
	}
	s.memo.mu.Lock()
	s.memo.conn.Close() // as a broken connection would be
	s.memo.mu.Unlock()
	th, err := s.EnsureThread(ctx, "blog", "/p", "P", "https://example.com/p")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if head, err := s.ThreadHead(ctx, "blog", "/p"); err != nil || head.Thread.ID != th.ID {
			t.Fatalf("after the memo's connection failed: %+v, %v", head.Thread, err)
		}
	}
	s.memo.mu.Lock()
	off := s.memo.conn == nil
	s.memo.mu.Unlock()
	if !off {
		t.Fatal("the memo is still on after its connection failed")
	}
}

// memoStore opens a store on a new SQLite file with a site "blog".
func memoStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "memo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.CreateSite(ctx, &models.Site{ID: "blog", Name: "Blog", Settings: models.DefaultSiteSettings()}); err != nil {
		t.Fatal(err)
	}
	return s
}
