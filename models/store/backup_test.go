package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// TestBackupDuringWritesAndRestore backs up while writers keep adding
// comments, restores the backup and checks that it is sound and holds
// every comment committed before the backup started.
func TestBackupDuringWritesAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := storetest.Open(t, filepath.Join(dir, "live.db"))
	post := bootstrapped(t, s)

	var (
		mu      sync.Mutex
		acked   []uint // comments whose CreateComment returned
		stop    atomic.Bool
		wg      sync.WaitGroup
		written atomic.Int64
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000 && !stop.Load(); i++ {
				c := models.Comment{ThreadID: post.ThreadID, Author: "W", Body: "b", HTML: "<p>b</p>", Status: models.StatusApproved}
				if err := s.CreateComment(ctx, &c, 5); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, c.ID)
				mu.Unlock()
				written.Add(1)
			}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); written.Load() < 200 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := append([]uint(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(dir, "backup.db")
	err := s.Backup(ctx, backup, false)
	afterBackup := written.Load()
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 200 {
		t.Fatalf("only %d comments written before the backup", len(before))
	}
	t.Logf("%d comments acknowledged before the backup, %d when it ended, %d in all", len(before), afterBackup, written.Load())

	if err := s.Backup(ctx, backup, false); !errors.Is(err, store.ErrBackupExists) {
		t.Errorf("backup over an existing file: %v", err)
	}
	if err := s.Backup(ctx, backup, true); err != nil {
		t.Errorf("backup with overwrite: %v", err)
	}

	if v, err := store.CheckBackup(ctx, backup); err != nil || v != store.LatestSchema() {
		t.Fatalf("check: %d, %v", v, err)
	}
	target := filepath.Join(dir, "restored", "parley.db")
	if _, err := store.Restore(ctx, backup, target); err != nil {
		t.Fatal(err)
	}
	r := storetest.Open(t, target)
	if err := r.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range before {
		if _, err := r.Comment(ctx, id); err != nil {
			t.Fatalf("comment %d, acknowledged before the backup started, is missing: %v", id, err)
		}
	}
	checkCounts(t, r)
}

func TestRestoreChecksBeforeReplacing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "parley.db")
	s := storetest.Open(t, dbPath)
	post := bootstrapped(t, s)
	addComment(t, s, post.ThreadID, nil, models.StatusApproved)
	good := filepath.Join(dir, "good.db")
	if err := s.Backup(ctx, good, false); err != nil {
		t.Fatal(err)
	}

	// While Parley has the database open, nothing is replaced.
	if _, err := store.Restore(ctx, good, dbPath); !errors.Is(err, store.ErrDatabaseInUse) {
		t.Fatalf("restore over an open database: %v", err)
	}
	addComment(t, s, post.ThreadID, nil, models.StatusApproved) // only in the live database
	s.Close()

	// Broken backups are refused and the database stays as it was.
	damaged := filepath.Join(dir, "damaged.db")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096; i < len(b) && i < 4096*3; i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}
	notSQLite := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notSQLite, []byte("these are not the tables you are looking for"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.db")
	o := storetest.Open(t, other)
	if err := store.ForceSchemaVersion(o, store.LatestSchema()+1); err != nil {
		t.Fatal(err)
	}
	o.Close()
	for name, src := range map[string]string{"damaged": damaged, "not sqlite": notSQLite, "newer schema": other,
		"missing": filepath.Join(dir, "nope.db")} {
		if _, err := store.CheckBackup(ctx, src); err == nil {
			t.Errorf("%s: check passed", name)
		}
		if _, err := store.Restore(ctx, src, dbPath); err == nil {
			t.Errorf("%s: restored", name)
		}
	}
	if _, err := store.CheckBackup(ctx, other); !errors.Is(err, models.ErrSchemaTooNew) {
		t.Errorf("newer schema: %v", err)
	}
	live := storetest.Open(t, dbPath)
	if n := len(parseDump(t, exportString(t, live, "")).Comments); n != 2 {
		t.Fatalf("the refused restores changed the database: %d comments", n)
	}
	live.Close()

	// A stale -wal or -shm of the old database must not be replayed.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.WriteFile(dbPath+suffix, []byte("stale"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Restore(ctx, good, dbPath); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(dbPath + suffix); err == nil {
			t.Errorf("%s left in place", suffix)
		}
	}
	restored := storetest.Open(t, dbPath)
	if n := len(parseDump(t, exportString(t, restored, "")).Comments); n != 1 {
		t.Errorf("restored database has %d comments, the backup 1", n)
	}
	if _, err := store.Restore(ctx, dbPath, dbPath); err == nil {
		t.Error("restored a database over itself")
	}
}

func TestBackupOfPostgresPointsToPgDump(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip("needs PARLEY_TEST_POSTGRES")
	}
	s := storetest.Open(t, dsn)
	err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"), false)
	if !errors.Is(err, store.ErrPostgresBackup) {
		t.Errorf("backup of PostgreSQL: %v", err)
	}
	if _, err := store.Restore(context.Background(), "x.db", dsn); !errors.Is(err, store.ErrPostgresBackup) {
		t.Errorf("restore to PostgreSQL: %v", err)
	}
}
