// Command parley-load is Parley's benchmark kit: it seeds databases with
// realistic threads, starts (or targets) a Parley, drives it over loopback
// with concurrent clients, and reports req/s, latency, errors and memory
// next to the machine's ceilings. See BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const usage = `parley-load — Parley's benchmark kit.

Usage:
  parley-load seed -db FILE [-threads 50 -comments 100 -pending 100000 …]
  parley-load run  -db FILE [-million-db FILE] [-scenarios a,b] [-clients 32 -write-clients 8 -duration 10s …] [-process-ceiling]
  parley-load run  -db FILE -url http://127.0.0.1:PORT [-pid PID]   (a Parley already running on FILE)

Scenarios: thread-json, post-html, embed, counts, queue, post-comment, million.
Run "parley-load seed -h" or "parley-load run -h" for every flag.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program; main only exits with its status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "seed":
		err = runSeed(ctx, args[1:], stdout, stderr)
	case "run":
		err = runRun(ctx, args[1:], getenv, stdout, stderr)
	case "serve-bytes": // the process ceiling, started by "run -process-ceiling"
		err = runServeBytes(ctx, args[1:], os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = fmt.Errorf("unknown command %q; run \"parley-load help\"", args[0])
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "parley-load: %v\n", err)
		return 1
	}
	return 0
}

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg seedConfig
	fs.StringVar(&cfg.DB, "db", "", "new SQLite file to create (required); the manifest goes to FILE.load.json")
	fs.IntVar(&cfg.Threads, "threads", 50, "posts, each with a thread")
	fs.IntVar(&cfg.Comments, "comments", 100, "approved comments per post thread")
	fs.IntVar(&cfg.Pending, "pending", 100_000, "pending comments for the moderation queue")
	fs.IntVar(&cfg.PendingThreads, "pending-threads", 100, "archive pages that hold the pending comments")
	fs.IntVar(&cfg.Bodies, "bodies", 4096, "distinct comment bodies, rendered through models/markup")
	fs.IntVar(&cfg.Batch, "batch", 50_000, "comments per transaction")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed; the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DB == "" || fs.NArg() > 0 {
		return errors.New("seed: -db FILE is required and no other arguments are taken")
	}
	m, err := seed(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s: %d posts × %d comments + %d pending = %d comments in %.1fs\n",
		cfg.DB, m.Threads, m.CommentsPerThread, m.Pending, m.TotalComments, m.SeedSeconds)
	return nil
}

func runRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg runConfig
	var scenarios, jsonPath string
	var markdown bool
	fs.StringVar(&cfg.DB, "db", "", "seeded database (required; a copy is served, the file is never changed)")
	fs.StringVar(&cfg.MillionDB, "million-db", "", "seeded database of a million comments, for the million scenario")
	fs.StringVar(&cfg.URL, "url", "", "target a running Parley at http://127.0.0.1:PORT instead of starting one")
	fs.IntVar(&cfg.PID, "pid", 0, "with -url: the server's process id, to report its RSS")
	fs.StringVar(&cfg.Parley, "parley", "", "Parley binary to start (default: build ./cmd/parley)")
	fs.StringVar(&scenarios, "scenarios", "", "comma-separated scenarios (default: all; million only with -million-db)")
	fs.IntVar(&cfg.ReadClients, "clients", 32, "concurrent clients for reads")
	fs.IntVar(&cfg.WriteClients, "write-clients", 8, "concurrent clients for writes")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.DurationVar(&cfg.CeilingTime, "ceiling-duration", 0, "how long each ceiling runs (default: -duration)")
	fs.Uint64Var(&cfg.MaxRequests, "max-requests", 5_000_000, "at most this many requests per scenario")
	fs.IntVar(&cfg.StartupRuns, "startup-runs", 5, "start-ups to time on each database")
	fs.BoolVar(&cfg.Gzip, "gzip", false, "send Accept-Encoding: gzip (bytes are counted as sent)")
	fs.BoolVar(&cfg.ProcessCeiling, "process-ceiling", false, "also run each read ceiling as a process of its own, as Parley runs")
	fs.StringVar(&cfg.Email, "admin-email", envOr(getenv, "PARLEY_ADMIN_EMAIL", "load@example.com"), "moderator for the queue scenario")
	fs.StringVar(&cfg.Password, "admin-password", envOr(getenv, "PARLEY_ADMIN_PASSWORD", "parley-load password"), "that moderator's password")
	fs.Func("server-env", "a KEY=VALUE setting for the started Parley, e.g. PARLEY_CACHE_MB=0 or GOGC=50 (repeatable)", func(kv string) error {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "PARLEY_") && !strings.HasPrefix(k, "GO") {
			return fmt.Errorf("want PARLEY_NAME=value or a Go runtime setting (GOGC, GOMEMLIMIT, GODEBUG), got %q", kv)
		}
		cfg.ServerEnv = append(cfg.ServerEnv, kv)
		return nil
	})
	fs.BoolVar(&markdown, "markdown", false, "print the table as markdown")
	fs.StringVar(&jsonPath, "json", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DB == "" || fs.NArg() > 0 {
		return errors.New("run: -db FILE is required and no other arguments are taken")
	}
	if cfg.ReadClients < 1 || cfg.WriteClients < 1 || cfg.Duration <= 0 || cfg.Duration > time.Hour {
		return errors.New("run: clients must be positive and the duration between 0 and 1h")
	}
	if cfg.CeilingTime <= 0 {
		cfg.CeilingTime = cfg.Duration
	}
	cfg.Scenarios = defaultScenarios(scenarios, cfg.MillionDB != "")
	rep, err := runLoad(ctx, cfg, stderr)
	rep.LoadAfter = loadAvg()
	if len(rep.Results) > 0 {
		rep.print(stdout, markdown)
	}
	if err != nil {
		return err
	}
	if jsonPath != "" {
		return rep.writeJSON(jsonPath)
	}
	return nil
}

// defaultScenarios parses -scenarios; empty means all (million only when
// its database is given).
func defaultScenarios(list string, million bool) []string {
	if strings.TrimSpace(list) == "" {
		var out []string
		for _, s := range allScenarios {
			if s != scMillion || million {
				out = append(out, s)
			}
		}
		return out
	}
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func envOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}
