package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"parley/handlers"
	"parley/models"
	"parley/models/markup"
	"parley/models/store"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("serve", getenv, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	// Everything the server writes to stderr goes through one buffer, so
	// that lines keep their order.
	logs := newLogBuffer(stderr)
	defer logs.close()
	stderr = logs
	log := slog.New(bufferedHandler{newLogger(cfg, logs).Handler(), logs})
	limitMemory(getenv)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if addr := getenv("PARLEY_PPROF_ADDR"); addr != "" {
		if err := startPprof(ctx, addr, log); err != nil {
			return err
		}
	}

	st, err := openStore(ctx, cfg, markup.New())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.MemoProblem(); err != nil {
		log.Warn("the head memo is off: every read asks the database for its thread, which is correct but slower", "err", err)
	}
	if err := ensureAdmin(ctx, st, cfg, stderr); err != nil {
		return err
	}
	srv, err := handlers.New(ctx, handlers.Config{
		BaseURL:          cfg.BaseURL,
		SecureCookies:    cfg.secureCookies(),
		CommentRate:      cfg.CommentRate,
		FormMinTime:      cfg.formMinTime(),
		TrustedProxies:   cfg.TrustedProxies,
		Version:          version,
		AkismetKey:       cfg.AkismetKey,
		SMTPURL:          cfg.SMTPURL,
		MailFrom:         cfg.MailFrom,
		RedisURL:         cfg.RedisURL,
		MetricsToken:     cfg.MetricsToken,
		BackupDir:        cfg.Backups.Dir,
		RenderCacheBytes: cfg.renderCacheBytes(),
	}, st, log)
	if err != nil {
		return err
	}
	stopMail, err := startMail(ctx, cfg, st, srv, log)
	if err != nil {
		return err
	}
	defer stopMail()
	stopBackups, err := startBackups(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	defer stopBackups()
	defer startRetention(ctx, st, log)()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpServer := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(stdout, "Parley is listening on http://%s (public URL %s)\n", ln.Addr(), cfg.BaseURL)
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	// Start-up leaves garbage behind (parsed and cloned templates,
	// compressed assets, a first admin's password hash); hand its pages back
	// to the OS now instead of when the scavenger gets to them.
	go debug.FreeOSMemory()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// ensureAdmin creates the first admin on an empty database: from
// PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD, or with a generated
// password printed once.
func ensureAdmin(ctx context.Context, st *store.Store, cfg *config, stderr io.Writer) error {
	n, err := st.CountModerators(ctx)
	if err != nil || n > 0 {
		return err
	}
	email, password := cfg.AdminEmail, cfg.AdminPassword
	if email == "" {
		email = "admin@localhost"
	}
	generated := password == ""
	if generated {
		if password, err = randomPassword(); err != nil {
			return fmt.Errorf("generate admin password: %w", err)
		}
	}
	hash, err := handlers.HashPassword(password)
	if err != nil {
		return err
	}
	m := models.Moderator{Email: email, Name: "Admin", PasswordHash: hash, Role: models.RoleAdmin}
	if err := st.CreateModerator(ctx, &m); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stderr, "\nCreated the first admin account. Sign in at /admin/login with\n  email:    %s\n  password: %s\nThis password is shown only once; change it under Settings.\n\n", m.Email, password)
	} else {
		fmt.Fprintf(stderr, "Created the first admin account %s.\n", m.Email)
	}
	return nil
}

// defaultMemoryLimit is the soft limit on the Go heap and runtime memory
// (not the binary's mapped code) when GOMEMLIMIT is not set. With about
// 5 MB live after start-up, the collector then works harder only under
// load. Measured with 8 writers (BENCHMARKS.md): 32 MiB kept the peak RSS
// at 65 MB but cost 1.54 ms of CPU per comment, 40 MiB 72 MB and 1.28 ms,
// no limit 78 MB and 1.22 ms.
const defaultMemoryLimit = 40 << 20

// limitMemory sets defaultMemoryLimit unless the environment sets
// GOMEMLIMIT, which the runtime has read already. The collector's target
// stays Go's default (GOGC=100): collecting at half that growth, tried
// until 2026-11-27, kept the peaks 2-5 MB lower but cost 5-10% of the
// read and write throughput in interleaved runs (BENCHMARKS.md).
func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
