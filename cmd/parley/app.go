package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"parley/models/markup"
	"parley/models/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Parley — a self-hosted comment and moderation server.

Usage:
  parley [serve] [flags]             run the server (the default)
  parley admin create --email E --password P [--role admin|moderator]
  parley admin passwd --email E --password P
  parley site add S --name N --origin O [--origin O2 …] [--moderation pre|post|smart]
                 [--max-links N] [--hold-words "w1,w2*"] [--block-words "w3"] [--flag-threshold N]
  parley site set S [the same flags]
  parley site list
  parley import blogger|disqus|wordpress|json FILE [--site S] [--map old=new …]
  parley export [--site S] [--output FILE]     (to standard output by default)
  parley backup DEST [--force]                 a consistent copy while Parley runs (SQLite)
  parley restore SRC                           check a backup and put it in place (Parley stopped)
  parley version

Run "parley serve -h" for the flags; each has a PARLEY_* environment variable.
`

// run is the whole program; main only exits with its status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, args, getenv, stdout, stderr)
	case "admin":
		err = runAdmin(ctx, args, getenv, stdout, stderr)
	case "site":
		err = runSite(ctx, args, getenv, stdout, stderr)
	case "import":
		err = runImport(ctx, args, getenv, stdout, stderr)
	case "export":
		err = runExport(ctx, args, getenv, stdout, stderr)
	case "backup":
		err = runBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		err = runRestore(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "parley %s (schema %d)\n", version, store.LatestSchema())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = fmt.Errorf("unknown command %q; run \"parley help\"", cmd)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 1
	}
	return 0
}

// openStore opens the configured database and prepares an empty one the
// same way for every subcommand: migrations, the default site and the
// welcome post.
func openStore(ctx context.Context, cfg *config, md *markup.Renderer) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	w, err := welcomePost(cfg.BaseURL, md)
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := st.Bootstrap(ctx, w); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func randomPassword() (string, error) {
	buf := make([]byte, 15)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}
