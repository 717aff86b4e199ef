package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"parley/models/store"
)

// backupConfig is the schedule of the backups "parley serve" makes.
type backupConfig struct {
	Dir   string        // where backups go; "" turns scheduled backups off
	Every time.Duration // time between two backups
	Keep  int           // how many backups to keep; older ones are removed
}

// declare adds the backup flags to fs and returns the function that checks
// them after parsing.
func (b *backupConfig) declare(fs *flag.FlagSet, env func(key, def string) string) func() error {
	var every, keep string
	fs.StringVar(&b.Dir, "backup-dir", env("PARLEY_BACKUP_DIR", ""), "folder for scheduled backups (copies of a SQLite database, gzipped exports of a PostgreSQL one); empty turns them off (PARLEY_BACKUP_DIR)")
	fs.StringVar(&every, "backup-every", env("PARLEY_BACKUP_EVERY", "24h"), "time between scheduled backups, e.g. 6h (PARLEY_BACKUP_EVERY)")
	fs.StringVar(&keep, "backup-keep", env("PARLEY_BACKUP_KEEP", "7"), "how many scheduled backups to keep (PARLEY_BACKUP_KEEP)")
	return func() error {
		d, err := time.ParseDuration(every)
		if err != nil || d <= 0 {
			return fmt.Errorf("--backup-every / PARLEY_BACKUP_EVERY: want a positive Go duration such as 6h, got %q", every)
		}
		n, err := strconv.Atoi(keep)
		if err != nil || n < 1 {
			return fmt.Errorf("--backup-keep / PARLEY_BACKUP_KEEP: want a whole number ≥ 1, got %q", keep)
		}
		b.Every, b.Keep = d, n
		return nil
	}
}

// Scheduled backups are named by the time they were taken, so that their
// names sort by age: copies of a SQLite database end in .db, gzipped
// exports of a PostgreSQL one (with the signing keys, so that a restore
// is complete) in .json.gz.
const (
	backupPrefix     = "parley-"
	backupSuffix     = ".db"
	exportSuffix     = ".json.gz"
	backupTimeLayout = "2006-01-02T15-04-05.000Z"
)

// backupLoop makes a backup every so often and keeps the newest few.
type backupLoop struct {
	st       *store.Store
	cfg      backupConfig
	postgres bool // write exports instead of database copies
	log      *slog.Logger
	now      func() time.Time
	done     func(path string, err error) // called after each backup; tests watch it
}

// startBackups starts the backup loop when a backup folder is configured
// and returns the function that stops it (waiting for a backup in
// progress to end).
func startBackups(ctx context.Context, cfg *config, st *store.Store, log *slog.Logger) (func(), error) {
	if cfg.Backups.Dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(cfg.Backups.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("--backup-dir / PARLEY_BACKUP_DIR: %w", err)
	}
	loop := &backupLoop{st: st, cfg: cfg.Backups, postgres: store.IsPostgres(cfg.DB), log: log, now: time.Now}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		loop.run(ctx)
	}()
	kind := "database copies"
	if loop.postgres {
		kind = "gzipped exports"
	}
	log.Info("scheduled backups on", "dir", cfg.Backups.Dir, "every", cfg.Backups.Every.String(), "keep", cfg.Backups.Keep, "kind", kind)
	return func() { cancel(); wg.Wait() }, nil
}

// run makes backups until ctx ends. The first one is due one interval after
// the newest backup already in the folder (at once when there is none), so
// restarts neither skip backups nor pile them up.
func (l *backupLoop) run(ctx context.Context) {
	next := l.now()
	if names, err := l.backups(); err == nil && len(names) > 0 {
		if t, ok := backupTime(names[len(names)-1]); ok {
			next = t.Add(l.cfg.Every)
		}
	}
	timer := time.NewTimer(max(next.Sub(l.now()), 0))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		path, err := l.once(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			l.log.Error("scheduled backup failed", "err", err)
		default:
			l.log.Info("scheduled backup written", "path", path)
		}
		if l.done != nil {
			l.done(path, err)
		}
		timer.Reset(l.cfg.Every)
	}
}

// once makes one backup and removes the oldest beyond the number to keep.
func (l *backupLoop) once(ctx context.Context) (string, error) {
	name := backupPrefix + l.now().UTC().Format(backupTimeLayout)
	var path string
	var err error
	if l.postgres {
		path = filepath.Join(l.cfg.Dir, name+exportSuffix)
		err = l.st.ExportFile(ctx, path, store.ExportOptions{WithKeys: true})
	} else {
		path = filepath.Join(l.cfg.Dir, name+backupSuffix)
		err = l.st.Backup(ctx, path, false)
	}
	if err != nil {
		return "", err
	}
	names, err := l.backups()
	if err != nil {
		return path, err
	}
	var errs []error
	for len(names) > l.cfg.Keep {
		if err := os.Remove(filepath.Join(l.cfg.Dir, names[0])); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		names = names[1:]
	}
	return path, errors.Join(errs...)
}

// backups lists the scheduled backups in the folder, oldest first.
func (l *backupLoop) backups() ([]string, error) {
	entries, err := os.ReadDir(l.cfg.Dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, ok := backupTime(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// backupTime reads the time out of a scheduled backup's name, of either
// kind.
func backupTime(name string) (time.Time, bool) {
	stamp, ok := strings.CutPrefix(name, backupPrefix)
	if !ok {
		return time.Time{}, false
	}
	if s, ok := strings.CutSuffix(stamp, backupSuffix); ok {
		stamp = s
	} else if s, ok := strings.CutSuffix(stamp, exportSuffix); ok {
		stamp = s
	} else {
		return time.Time{}, false
	}
	t, err := time.Parse(backupTimeLayout, stamp)
	return t, err == nil
}
