package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"parley/models/markup"
	"parley/models/store"
)

// runBackup writes a consistent copy of the running database to DEST.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("backup", getenv, stderr)
	force := fs.Bool("force", false, "replace DEST if it exists")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("backup: want DEST, the file to write")
	}
	dest := pos[0]
	if store.IsPostgres(cfg.DB) {
		return fmt.Errorf("backup: %w", store.ErrPostgresBackup)
	}
	if _, err := os.Stat(cfg.DB); err != nil {
		return fmt.Errorf("backup: no database at %s", cfg.DB)
	}
	st, err := openStore(ctx, cfg, markup.New())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, dest, *force); err != nil {
		if errors.Is(err, store.ErrBackupExists) {
			return fmt.Errorf("backup: %s exists; pass --force to replace it", dest)
		}
		return err
	}
	fmt.Fprintf(stdout, "Backed up %s to %s.\n", cfg.DB, dest)
	return nil
}

// runRestore replaces the database with a backup after checking it. Parley
// must be stopped: the restore refuses while the database is open.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("restore", getenv, stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("restore: want SRC, the backup to restore")
	}
	src := pos[0]
	v, err := store.Restore(ctx, src, cfg.DB)
	if errors.Is(err, store.ErrDatabaseInUse) {
		return fmt.Errorf("restore: %s is in use: stop Parley first; nothing was changed", cfg.DB)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored %s into %s (schema %d). Start Parley again.\n", src, cfg.DB, v)
	return nil
}
