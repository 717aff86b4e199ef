package store

import (
	"context"
	"errors"
	"fmt"
	"os"
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

// TestHeadMemoIsOnForAFile: a store on a SQLite file reads its wal-index;
// without it every head would be read from the database, correctly but
// without the memo this store is measured with.
func TestHeadMemoIsOnForAFile(t *testing.T) {
	s := memoStore(t)
	s.memo.mu.Lock()
	on := s.memo.wal != nil
	s.memo.mu.Unlock()
	if !on {
		t.Fatal("the head memo is off on a SQLite file")
	}
	if at := s.memo.now(); !at.ok || at.version == (walHeader{}) {
		t.Fatalf("the memo reads the header as %+v", at)
	}
	if err := s.MemoProblem(); err != nil {
		t.Fatalf("MemoProblem: %v", err)
	}
}

// TestHeadMemoThatCannotStartStaysOff: a memo whose wal-index cannot be
// opened says why, stays off and holds nothing (Open then keeps the
// store, with MemoProblem set).
func TestHeadMemoThatCannotStartStaysOff(t *testing.T) {
	ctx := context.Background()
	s := memoStore(t)
	db, err := s.r.DB()
	if err != nil {
		t.Fatal(err)
	}
	var m headMemo
	if err := m.start(ctx, db, filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Fatal("a memo started without a wal-index")
	}
	if at := m.now(); at.ok {
		t.Fatalf("the memo that could not start answers %+v", at)
	}
	if m.conn != nil || m.shm != nil {
		t.Fatal("the memo that could not start holds a connection or a file")
	}
	if err := errors.Join(m.close(), m.release()); err != nil {
		t.Fatal(err)
	}
	// Its connection went back to the pool: the store still reads.
	if _, err := s.ThreadHead(ctx, "blog", "/p"); err != nil {
		t.Fatal(err)
	}
}

// TestHeadMemoTurnsOffWhenItsWALIndexFaults: after the memo's mapping
// faults (its file cut short under it), heads are read from the database
// and stay correct.
func TestHeadMemoTurnsOffWhenItsWALIndexFaults(t *testing.T) {
	ctx := context.Background()
	s := memoStore(t)
	if _, err := s.ThreadHead(ctx, "blog", "/p"); err != nil {
		t.Fatal(err)
	}
	// A mapping of a file of the test's own stands in for the wal-index:
	// cutting the real one short would fault SQLite too.
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake.db")
	if err := os.WriteFile(fake, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fake+"-shm", make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	shm, err := openShmFile(fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shm.release() })
	wal, err := mapWALIndex(shm)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(fake+"-shm", 0); err != nil {
		t.Fatal(err)
	}
	s.memo.mu.Lock()
	s.memo.wal.unmap()
	s.memo.wal = wal // the store's own file stays open until it closes
	s.memo.mu.Unlock()

	th, err := s.EnsureThread(ctx, "blog", "/p", "P", "https://example.com/p")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if head, err := s.ThreadHead(ctx, "blog", "/p"); err != nil || head.Thread.ID != th.ID {
			t.Fatalf("after the memo's mapping faulted: %+v, %v", head.Thread, err)
		}
	}
	s.memo.mu.Lock()
	off := s.memo.wal == nil
	s.memo.mu.Unlock()
	if !off {
		t.Fatal("the memo is still on after its mapping faulted")
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
