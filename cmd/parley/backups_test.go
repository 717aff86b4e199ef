package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/models/store"
)

func TestBackupConfig(t *testing.T) {
	env := map[string]string{"PARLEY_BACKUP_DIR": "/var/backups/parley", "PARLEY_BACKUP_EVERY": "6h", "PARLEY_BACKUP_KEEP": "3"}
	fs, cfg, finish := newFlagSet("serve", func(k string) string { return env[k] }, io.Discard)
	if err := fs.Parse([]string{"--backup-keep", "5"}); err != nil {
		t.Fatal(err)
	}
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	if want := (backupConfig{Dir: "/var/backups/parley", Every: 6 * time.Hour, Keep: 5}); cfg.Backups != want {
		t.Errorf("backups = %+v, want %+v", cfg.Backups, want)
	}
	for _, bad := range []map[string]string{{"PARLEY_BACKUP_EVERY": "daily"}, {"PARLEY_BACKUP_EVERY": "-1h"}, {"PARLEY_BACKUP_KEEP": "0"}} {
		fs, _, finish := newFlagSet("serve", func(k string) string { return bad[k] }, io.Discard)
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		if err := finish(); err == nil || !strings.Contains(err.Error(), "PARLEY_BACKUP_") {
			t.Errorf("%v: err = %v", bad, err)
		}
	}
}

// TestScheduledBackups runs the backup loop with a short interval and
// checks that it keeps only the newest backups, each a sound database.
func TestScheduledBackups(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, filepath.Join(dir, "parley.db"))
	if err := st.Bootstrap(context.Background(), store.Welcome{Title: "W", Slug: "w", Body: "b", BodyHTML: "<p>b</p>"}); err != nil {
		t.Fatal(err)
	}
	backups := filepath.Join(dir, "backups")
	if err := os.Mkdir(backups, 0o750); err != nil {
		t.Fatal(err)
	}
	// Files that are not scheduled backups stay untouched.
	if err := os.WriteFile(filepath.Join(backups, "manual.db"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	made := make(chan error, 100)
	loop := &backupLoop{st: st, cfg: backupConfig{Dir: backups, Every: 30 * time.Millisecond, Keep: 2},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now,
		done: func(_ string, err error) { made <- err }}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { loop.run(ctx); close(stopped) }()
	timeout := time.After(20 * time.Second)
	for n := 0; n < 5; n++ {
		select {
		case err := <-made:
			if err != nil {
				t.Fatalf("backup %d: %v", n+1, err)
			}
		case <-timeout:
			t.Fatalf("only %d backups within 20s", n)
		}
	}
	cancel()
	<-stopped

	names, err := loop.backups()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Fatalf("kept %v, want the 2 newest", names)
	}
	for _, n := range names {
		if _, err := store.CheckBackup(context.Background(), filepath.Join(backups, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(backups, "manual.db")); err != nil {
		t.Errorf("a file that is not a scheduled backup was removed: %v", err)
	}
}

// TestBackupScheduleResumes: after a restart the next backup is due one
// interval after the newest one on disk, not at once.
func TestBackupScheduleResumes(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, filepath.Join(dir, "parley.db"))
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	recent := filepath.Join(dir, backupPrefix+now.Add(-time.Hour).Format(backupTimeLayout)+backupSuffix)
	if err := os.WriteFile(recent, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	made := make(chan struct{}, 1)
	loop := &backupLoop{st: st, cfg: backupConfig{Dir: dir, Every: 24 * time.Hour, Keep: 3},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: func() time.Time { return now },
		done: func(string, error) { made <- struct{}{} }}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { loop.run(ctx); close(stopped) }()
	select {
	case <-made:
		t.Error("a backup was made at once although one is only an hour old")
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	<-stopped
	if tm, ok := backupTime(filepath.Base(recent)); !ok || !tm.Equal(now.Add(-time.Hour)) {
		t.Errorf("backupTime(%s) = %v, %v", filepath.Base(recent), tm, ok)
	}
}

func TestScheduledBackupsRefusePostgres(t *testing.T) {
	cfg := &config{DB: "postgres://x@127.0.0.1/db", Backups: backupConfig{Dir: t.TempDir(), Every: time.Hour, Keep: 1}}
	if _, err := startBackups(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("err = %v", err)
	}
	cfg.Backups.Dir = ""
	stop, err := startBackups(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop()
}
