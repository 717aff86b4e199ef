package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// runConfig is what a load run does.
type runConfig struct {
	DB           string // the seeded database (its manifest is read in any case)
	MillionDB    string // a seeded database of a million comments, for "million"
	URL          string // a running Parley to target instead of starting one
	PID          int    // that Parley's process id, for its RSS (optional)
	Parley       string // the binary to start; built from ./cmd/parley when empty
	Scenarios    []string
	ReadClients  int
	WriteClients int
	Duration     time.Duration
	CeilingTime  time.Duration
	MaxRequests  uint64
	StartupRuns  int
	Gzip         bool
	// ProcessCeiling adds a read ceiling served by a process of its own.
	ProcessCeiling bool
	Email          string
	Password       string
	ServerEnv      []string // more PARLEY_*=value settings for the started server
}

// runner carries one run's state.
type runner struct {
	cfg     runConfig
	workdir string
	binary  string
	log     io.Writer
	rep     report
}

// runLoad runs the chosen scenarios with their ceilings and returns the
// report. Progress goes to log.
func runLoad(ctx context.Context, cfg runConfig, log io.Writer) (report, error) {
	r := &runner{cfg: cfg, log: log, rep: report{Started: time.Now().UTC(), Machine: machine(), LoadBefore: loadAvg(),
		ReadClients: cfg.ReadClients, WriteClients: cfg.WriteClients, Duration: cfg.Duration, Gzip: cfg.Gzip}}
	for _, name := range cfg.Scenarios {
		if !slices.Contains(allScenarios, name) {
			return r.rep, fmt.Errorf("unknown scenario %q (known: %v)", name, allScenarios)
		}
	}
	// The server runs in the work folder: every path must be absolute.
	for _, p := range []*string{&cfg.DB, &cfg.MillionDB, &cfg.Parley} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return r.rep, err
		}
		*p = abs
	}
	r.cfg = cfg
	million := slices.Contains(cfg.Scenarios, scMillion)
	if million && (cfg.MillionDB == "" || cfg.URL != "") {
		return r.rep, errors.New("the million scenario needs -million-db and a server started by the kit (no -url)")
	}
	dir := ""
	if cfg.URL == "" {
		dir = filepath.Dir(cfg.DB)
	}
	var err error
	if r.workdir, err = os.MkdirTemp(dir, "parley-load-run-"); err != nil {
		return r.rep, err
	}
	defer os.RemoveAll(r.workdir)
	if cfg.URL == "" {
		if r.binary = cfg.Parley; r.binary == "" {
			fmt.Fprintln(log, "building parley from ./cmd/parley")
			if r.binary, err = buildParley(ctx, r.workdir); err != nil {
				return r.rep, err
			}
		}
	}
	plain := slices.DeleteFunc(slices.Clone(cfg.Scenarios), func(s string) bool { return s == scMillion })
	if len(plain) > 0 {
		if err := r.session(ctx, "standard", cfg.DB, plain, ""); err != nil {
			return r.rep, err
		}
	}
	if million {
		names := []string{scThreadJSON, scPostHTML, scQueue, scCounts}
		if err := r.session(ctx, "million", cfg.MillionDB, names, "million-"); err != nil {
			return r.rep, err
		}
	}
	return r.rep, nil
}

// session runs scenarios against one database: a Parley started on a copy
// of it (start-up measured first), or the one at cfg.URL.
func (r *runner) session(ctx context.Context, label, db string, names []string, prefix string) error {
	m, err := readManifest(db)
	if err != nil {
		return err
	}
	r.rep.Databases = append(r.rep.Databases, fmt.Sprintf("%s: %s, %d threads × %d comments + %d pending = %d comments",
		label, db, m.Threads, m.CommentsPerThread, m.Pending, m.TotalComments))
	base, pid := r.cfg.URL, r.cfg.PID
	if base != "" {
		u, err := checkLoopback(base)
		if err != nil {
			return err
		}
		base = u.Scheme + "://" + u.Host
	} else {
		proc, err := r.start(ctx, label, db)
		if err != nil {
			return err
		}
		defer func() {
			if err := proc.stop(); err != nil {
				fmt.Fprintf(r.log, "warning: %v\n", err)
			}
		}()
		base, pid = proc.base, proc.Pid()
	}
	set := newScenarioSet(m, r.cfg.Gzip, r.cfg.WriteClients)
	for _, name := range names {
		// Signing in hashes a password (argon2id), which grows the
		// server's heap; do it only right before the queue needs it.
		if name == scQueue && set.cookie == "" {
			if err := set.login(ctx, base, r.cfg.Email, r.cfg.Password); err != nil {
				return err
			}
		}
		if err := r.scenario(ctx, set.get(name, prefix), base, pid); err != nil {
			return err
		}
	}
	return nil
}

// start copies db into the work folder, measures start-up on the copy and
// returns the server left running.
func (r *runner) start(ctx context.Context, label, db string) (*parleyProc, error) {
	work := filepath.Join(r.workdir, label+".db")
	fmt.Fprintf(r.log, "%s: copying %s\n", label, db)
	if err := copyFile(work, db); err != nil {
		return nil, err
	}
	cfg := serverConfig{Binary: r.binary, DB: work, LogPath: filepath.Join(r.workdir, label+".log"),
		Email: r.cfg.Email, Password: r.cfg.Password, Env: r.cfg.ServerEnv}
	times, proc, err := startupTimes(ctx, cfg, 1+max(1, r.cfg.StartupRuns))
	if err != nil {
		return nil, err
	}
	st := startupStats{Database: label, First: times[0], Runs: times[1:]}
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		proc.kill()
		return nil, ctx.Err()
	}
	if m, err := residentKB(proc.Pid()); err == nil {
		st.IdleRSSKB, st.IdleAnonKB, st.IdleFileKB = m.total, m.anon, m.file
	}
	r.rep.Startup = append(r.rep.Startup, st)
	fmt.Fprintf(r.log, "%s: Parley on %s, start-up median %s ms, idle RSS %s\n", label, proc.base, ms(st.median()), st.idleMemory())
	return proc, nil
}

// scenario runs one scenario and then its ceiling, and records both.
func (r *runner) scenario(ctx context.Context, sc *scenario, base string, pid int) error {
	lim := limits{Clients: r.cfg.ReadClients, Duration: r.cfg.Duration, MaxRequests: r.cfg.MaxRequests}
	ceil := limits{Clients: r.cfg.ReadClients, Duration: r.cfg.CeilingTime, MaxRequests: r.cfg.MaxRequests}
	if sc.write {
		lim.Clients, ceil.Clients = r.cfg.WriteClients, r.cfg.WriteClients
	}
	var snap captured
	if !sc.write {
		var err error
		if snap, err = probe(ctx, base, sc); err != nil {
			return err
		}
		if snap.status == http.StatusNotFound && sc.optional {
			res := result{Scenario: sc.name, Clients: lim.Clients,
				Unavailable: fmt.Sprintf("%s %s answered 404", sc.method, sc.path)}
			fmt.Fprintf(r.log, "%s: unavailable (%s)\n", sc.name, res.Unavailable)
			r.rep.Results = append(r.rep.Results, res)
			return nil
		}
		if snap.status != sc.want {
			return fmt.Errorf("%s: %s %s answered %d, want %d", sc.name, sc.method, sc.path, snap.status, sc.want)
		}
	}
	fmt.Fprintf(r.log, "%s: %d clients for %s\n", sc.name, lim.Clients, lim.Duration)
	res := drive(ctx, sc.name, lim, pid, sc.request(base), okStatus(sc.want))
	var c result
	var err error
	if sc.write {
		c, err = runWriteCeiling(ctx, r.workdir, ceil)
	} else {
		res.Note = fmt.Sprintf("%d-byte body", len(snap.body))
		c, err = runReadCeiling(ctx, sc, snap, ceil)
	}
	if err != nil {
		return err
	}
	if c.ReqPerSec > 0 {
		res.Ceiling, res.CeilingRate, res.Ratio = "ceiling", c.ReqPerSec, res.ReqPerSec/c.ReqPerSec
	}
	fmt.Fprintf(r.log, "%s: %.0f req/s, p99 %s ms, %d errors; %s: %.0f req/s\n",
		sc.name, res.ReqPerSec, ms(res.P99), res.Errors, c.Scenario, c.ReqPerSec)
	rows := []result{c}
	if r.cfg.ProcessCeiling && !sc.write {
		pc, err := runProcessCeiling(ctx, r.workdir, sc, snap, ceil)
		if err != nil {
			return err
		}
		if pc.ReqPerSec > 0 {
			res.ProcessRatio = res.ReqPerSec / pc.ReqPerSec
		}
		fmt.Fprintf(r.log, "%s: %.0f req/s, p99 %s ms\n", pc.Scenario, pc.ReqPerSec, ms(pc.P99))
		rows = append(rows, pc)
	}
	r.rep.Results = append(append(r.rep.Results, res), rows...)
	return ctx.Err()
}
