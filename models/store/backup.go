package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-sqlite3"

	"parley/models"
)

// Errors of backups and restores; callers test them with errors.Is.
var (
	// ErrPostgresBackup: PostgreSQL has its own tools for this.
	ErrPostgresBackup = errors.New("PostgreSQL databases are backed up with pg_dump " +
		`(pg_dump --format=custom --file=parley.dump "$PARLEY_DB") and restored with pg_restore ` +
		`(pg_restore --clean --if-exists --no-owner --dbname="$PARLEY_DB" parley.dump)`)
	// ErrBackupExists: the destination is there and may not be replaced.
	ErrBackupExists = errors.New("the destination exists")
	// ErrDatabaseInUse: a running Parley (or another program) has the database open.
	ErrDatabaseInUse = errors.New("the database is in use: stop Parley before restoring")
)

// Backup writes a consistent copy of the SQLite database to dest while
// Parley keeps serving: VACUUM INTO on a separate read-only connection,
// which sees one snapshot and does not hold up writers. The copy is made
// under a temporary name next to dest, checked, synced and then renamed,
// so dest is either the old file or a complete backup. An existing dest is
// ErrBackupExists unless overwrite is set.
func (s *Store) Backup(ctx context.Context, dest string, overwrite bool) error {
	if s.postgres {
		return fmt.Errorf("store: backup: %w", ErrPostgresBackup)
	}
	if err := copyDatabase(ctx, s.path, dest, overwrite, "quick_check"); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	return nil
}

// CheckBackup checks a SQLite file without changing it: SQLite's full
// integrity check, then that it is a Parley database whose schema this
// version knows. It returns the file's schema version.
func CheckBackup(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", sqliteURI(path, "mode=ro&_busy_timeout=10000"))
	if err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	defer db.Close()
	if err := checkIntegrity(ctx, db, "integrity_check"); err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	var v int
	err = db.QueryRowContext(ctx, "SELECT version FROM schema_version WHERE id = 1").Scan(&v)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("store: check %s: not a Parley database (no schema version)", path)
	}
	if v > LatestSchema() {
		return v, fmt.Errorf("store: check %s: schema %d, this Parley knows %d: %w", path, v, LatestSchema(), models.ErrSchemaTooNew)
	}
	return v, nil
}

// Restore replaces the SQLite database at dbPath with the backup at src
// and returns the backup's schema version. It checks src first (CheckBackup) and refuses while anything has dbPath
// open (ErrDatabaseInUse); then it copies src next to dbPath, checks the
// copy, removes the old database's -wal and -shm files and renames the copy
// into place, so that a crash leaves either database whole.
func Restore(ctx context.Context, src, dbPath string) (int, error) {
	if IsPostgres(dbPath) {
		return 0, fmt.Errorf("store: restore: %w", ErrPostgresBackup)
	}
	v, err := CheckBackup(ctx, src)
	if err != nil {
		return v, fmt.Errorf("store: restore: backup is not usable, nothing was changed: %w", err)
	}
	if same, err := sameFile(src, dbPath); err != nil || same {
		if err == nil {
			err = errors.New("the backup is the database itself")
		}
		return v, fmt.Errorf("store: restore: %w", err)
	}
	if err := ensureUnused(ctx, dbPath); err != nil {
		return v, fmt.Errorf("store: restore: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o750); err != nil {
		return v, fmt.Errorf("store: restore: %w", err)
	}
	if err := copyDatabase(ctx, src, dbPath, true, "integrity_check"); err != nil {
		return v, fmt.Errorf("store: restore: %w", err)
	}
	return v, nil
}

// copyDatabase copies the SQLite database src to dest with VACUUM INTO
// through a temporary file in dest's folder, runs check on the copy, syncs
// it and renames it to dest. Before the rename it removes dest's -wal and
// -shm files, which belong to the database being replaced.
func copyDatabase(ctx context.Context, src, dest string, overwrite bool, check string) error {
	if !overwrite {
		if _, err := os.Lstat(dest); err == nil {
			return ErrBackupExists
		}
	}
	dir := filepath.Dir(dest)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	db, err := sql.Open("sqlite3", sqliteURI(src, "mode=ro&_busy_timeout=10000"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmpName); err != nil {
		return fmt.Errorf("vacuum into: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return err
	}
	cp, err := sql.Open("sqlite3", sqliteURI(tmpName, "mode=ro"))
	if err != nil {
		return err
	}
	err = checkIntegrity(ctx, cp, check)
	cp.Close()
	if err != nil {
		return fmt.Errorf("the copy failed its check: %w", err)
	}
	if overwrite {
		for _, suffix := range []string{"-wal", "-shm"} {
			if err := os.Remove(dest + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		err = os.Rename(tmpName, dest)
	} else {
		err = os.Link(tmpName, dest) // fails if dest appeared meanwhile
		if errors.Is(err, os.ErrExist) {
			err = ErrBackupExists
		}
	}
	if err != nil {
		return err
	}
	done = true
	if !overwrite {
		os.Remove(tmpName) // dest is the other link
	}
	return syncDir(dir)
}

// ensureUnused fails with ErrDatabaseInUse when another connection (in
// this process or another) has the database open: an exclusive lock is
// not granted then. A missing or unreadable file is not in use.
func ensureUnused(ctx context.Context, path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := sql.Open("sqlite3", sqliteURI(path, "_busy_timeout=500"))
	if err != nil {
		return nil
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA locking_mode=EXCLUSIVE"); err != nil {
		return lockError(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		return lockError(err)
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	return lockError(err)
}

// lockError turns SQLite's busy and locked errors into ErrDatabaseInUse
// and ignores the rest: a damaged database may well be restored over.
func lockError(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return ErrDatabaseInUse
	}
	return nil
}

// checkIntegrity runs PRAGMA integrity_check or quick_check and wants "ok".
func checkIntegrity(ctx context.Context, db *sql.DB, pragma string) error {
	rows, err := db.QueryContext(ctx, "PRAGMA "+pragma)
	if err != nil {
		return fmt.Errorf("%s: %w", pragma, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("%s: %w", pragma, err)
		}
		if line != "ok" && len(problems) < 5 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", pragma, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", pragma, strings.Join(problems, "; "))
	}
	return nil
}

func sqliteURI(path, params string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
