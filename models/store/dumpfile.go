package store

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ExportFile writes a gzipped dump to dest, for scheduled backups of a
// PostgreSQL database, where a file copy of the database is not Parley's
// to make. As with Backup, the dump is written under a temporary name next
// to dest, synced and linked into place, so dest is absent or complete,
// and an existing dest is ErrBackupExists. The file is readable by its
// owner only: it holds every commenter's address and, with
// opts.WithKeys, the signing keys.
func (s *Store) ExportFile(ctx context.Context, dest string, opts ExportOptions) error {
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("store: export to %s: %w", dest, ErrBackupExists)
	}
	dir := filepath.Dir(dest)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return fmt.Errorf("store: export to %s: %w", dest, err)
	}
	defer os.Remove(tmp.Name()) // dest is the other link once all went well
	zw := gzip.NewWriter(tmp)
	// Compressing takes as long as reading and encoding the dump; with the
	// gzip stream on a goroutine of its own the two share the wall time.
	aw := newAsyncWriter(zw)
	err = s.Export(ctx, aw, opts)
	if cerr := aw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), dest) // fails if dest appeared meanwhile
		if errors.Is(err, os.ErrExist) {
			err = ErrBackupExists
		}
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("store: export to %s: %w", dest, err)
	}
	return nil
}
