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

	"parley/models"
	"parley/models/importer"
	"parley/models/store"
	"parley/models/store/storetest"
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

// TestScheduledBackupsOfPostgres: on PostgreSQL each scheduled backup is a
// gzipped export with the signing keys, readable by its owner only, which
// "parley import json" restores into an empty database as it was.
func TestScheduledBackupsOfPostgres(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip("needs PostgreSQL: set PARLEY_TEST_POSTGRES")
	}
	ctx := context.Background()
	st := openTestStore(t, dsn)
	if err := st.Bootstrap(ctx, store.Welcome{Title: "W", Slug: "w", Body: "b", BodyHTML: "<p>b</p>"}); err != nil {
		t.Fatal(err)
	}
	post, err := st.PostBySlug(ctx, models.DefaultSiteID, "w")
	if err != nil {
		t.Fatal(err)
	}
	c := models.Comment{ThreadID: post.ThreadID, Author: "Ann", Body: "kept", HTML: "<p>kept</p>", Status: models.StatusApproved}
	if err := st.CreateComment(ctx, &c, 5); err != nil {
		t.Fatal(err)
	}
	keys, err := st.Secrets(ctx, "tokens", 32)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	cfg := &config{DB: dsn, Backups: backupConfig{Dir: dir, Every: time.Hour, Keep: 2}}
	stop, err := startBackups(ctx, cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	loop := &backupLoop{st: st, cfg: cfg.Backups, postgres: true, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		now: func() time.Time { now = now.Add(time.Hour); return now }}
	var path string
	for range 3 {
		if path, err = loop.once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	names, err := loop.backups()
	if err != nil || len(names) != 2 || !strings.HasSuffix(path, ".json.gz") || filepath.Base(path) != names[1] {
		t.Fatalf("kept %v (%v), newest written %s", names, err, path)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode: %v, %v", info, err)
	}

	// Restored into an empty SQLite database, as "parley import json" does.
	restored := openTestStore(t, filepath.Join(t.TempDir(), "restored.db"))
	if err := restored.Bootstrap(ctx, store.Welcome{Title: "W", Slug: "w", Body: "b", BodyHTML: "<p>b</p>"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := importer.Gunzipped(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := restored.ImportDump(ctx, src, store.DumpImportOptions{WelcomeSlug: "w", RestoreKeys: true})
	if err != nil || res.Comments != 1 || res.Keys == 0 || res.Skipped != 0 {
		t.Fatalf("restore: %+v, %v", res, err)
	}
	got, err := restored.Secrets(ctx, "tokens", 32)
	if err != nil || len(got) != len(keys) || string(got[0]) != string(keys[0]) {
		t.Errorf("the restored database signs with other keys (%v)", err)
	}
}
