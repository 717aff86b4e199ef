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

// runExport writes a lossless JSON dump of one site or of everything to
// standard output (or --output FILE); "parley import json" reads it back.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("export", getenv, stderr)
	site := fs.String("site", "", "export only this site (default: every site and the moderators)")
	output := fs.String("output", "", "write to this file instead of standard output")
	withKeys := fs.Bool("with-keys", false, "add the keys that sign readers' links and cookies, for a move readers should not notice (keep such a dump secret)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if len(pos) > 0 {
		return errors.New("export: no arguments expected; the dump goes to standard output (or --output FILE)")
	}
	st, err := openStore(ctx, cfg, markup.New())
	if err != nil {
		return err
	}
	defer st.Close()
	opts := store.ExportOptions{SiteID: *site, WithKeys: *withKeys}
	if *output == "" {
		return st.Export(ctx, stdout, opts)
	}
	f, err := os.OpenFile(*output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := st.Export(ctx, f, opts); err != nil {
		f.Close()
		os.Remove(*output)
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stderr, "Wrote %s.\n", *output)
	return nil
}
