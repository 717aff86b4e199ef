// Package store is the only package that talks to the database. It runs on
// SQLite (the embedded default) and PostgreSQL with the same queries.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"parley/models"
)

// Store reads and writes Parley's data. Writes go through w; reads through
// r, which on SQLite is a separate small pool of read-only connections so
// readers never wait behind the single writer.
type Store struct {
	w, r     *gorm.DB
	postgres bool
	path     string
	// gc batches new comments into shared transactions; nil until Open
	// has migrated the database.
	gc *groupCommitter
	// heads are the statements of the hot paths (a read's heads, a new
	// comment's checks), prepared once.
	heads headStatements
	// memo remembers their answers while nothing is committed (SQLite);
	// memoProblem is why it could not start, if it could not.
	memo        headMemo
	memoProblem error
	// writes are a new comment's statements on the writer, prepared once.
	writes *writerStatements
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database named by dsn (a SQLite file path or a
// postgres:// URL) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := open(dsn)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.ensureDerived(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if !s.postgres {
		// The memo only saves work: without it every read asks the
		// database for its head, correctly. See MemoProblem.
		s.memoProblem = s.startMemo(ctx)
	}
	if err := s.writes.prepare(ctx, s.w); err != nil {
		s.Close()
		return nil, err
	}
	s.gc = newGroupCommitter(s.w, s.writes, defaultMaxBatch, defaultLinger)
	return s, nil
}

// MemoProblem reports why the head memo is off on a SQLite database; nil
// when it is on, and on PostgreSQL, where there is none. Reads are correct
// either way; without the memo each asks the database for its head.
func (s *Store) MemoProblem() error { return s.memoProblem }

// startMemo gives the head memo its connection from the read pool.
func (s *Store) startMemo(ctx context.Context) error {
	db, err := s.r.DB()
	if err != nil {
		return fmt.Errorf("store: head memo: %w", err)
	}
	return s.memo.start(ctx, db, s.path)
}

func open(dsn string) (*Store, error) {
	cfg := &gorm.Config{
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return time.Now().UTC() },
		TranslateError: true,
		PrepareStmt:    false,
	}
	if IsPostgres(dsn) {
		db, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		return withWriterStatements(&Store{w: db, r: db, postgres: true}), nil
	}
	return openSQLite(dsn, cfg)
}

func openSQLite(path string, cfg *gorm.Config) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create database folder: %w", err)
		}
	}
	common := "_busy_timeout=10000&_foreign_keys=on&_journal_mode=WAL&_synchronous=FULL"
	uri := "file:" + (&url.URL{Path: path}).EscapedPath()
	// Each gorm.DB gets its own copy of the config: gorm.Open keeps the
	// pointer and stores its connection pool in it, so a shared one would
	// point the writer's prepared statements at the read-only pool.
	wcfg, rcfg := *cfg, *cfg
	w, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteWriterDriver, DSN: uri + "?" + common + "&_txlock=immediate"}), &wcfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// One writer: SQLite allows one at a time, and queuing in Go is cheaper
	// and fairer than spinning on the busy timeout.
	wdb.SetMaxOpenConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.Ping(); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: uri + "?" + common + "&_query_only=1"}), &rcfg)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	// Four for queries and one the head memo keeps (headmemo.go).
	rdb.SetMaxOpenConns(5)
	rdb.SetMaxIdleConns(5)
	rdb.SetConnMaxLifetime(0)
	return withWriterStatements(&Store{w: w, r: r, path: path}), nil
}

// Close stops the group committer after the batch in flight and releases
// every connection.
func (s *Store) Close() error {
	if s.gc != nil {
		s.gc.stop()
	}
	errs := []error{s.memo.close(), s.heads.close(), s.writes.close()}
	for _, db := range []*gorm.DB{s.w, s.r} {
		sqlDB, err := db.DB()
		if err == nil {
			errs = append(errs, sqlDB.Close())
		}
		if s.r == s.w {
			break
		}
	}
	// Only now that no connection is left: closing the memo's descriptor
	// of the wal-index drops the process's locks on it (see shmFile).
	errs = append(errs, s.memo.release())
	return errors.Join(errs...)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.r.DB()
	if err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check; on PostgreSQL it only pings.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.postgres {
		return s.Ping(ctx)
	}
	var result string
	if err := s.r.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&result).Error; err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("store: integrity check: %s", result)
	}
	return nil
}

// notFound turns GORM's record-not-found into models.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}
