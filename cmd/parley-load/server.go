package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	startTimeout = 60 * time.Second
	stopTimeout  = 20 * time.Second
)

// buildParley builds ./cmd/parley into dir and returns the binary's path.
// It runs the go command from the current directory, which must be inside
// the parley module (as with "go run ./cmd/parley-load").
func buildParley(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building parley needs the go command (or pass -parley BINARY): %w", err)
	}
	bin := filepath.Join(dir, "parley")
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, "parley/cmd/parley").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build parley/cmd/parley: %v\n%s", err, out)
	}
	return bin, nil
}

// parleyProc is one running Parley subprocess.
type parleyProc struct {
	cmd     *exec.Cmd
	base    string
	logPath string
	done    chan struct{}
	waitErr error
	// Startup is the time from starting the process to its first 200
	// from /healthz.
	Startup time.Duration
}

// serverConfig is how to start Parley.
type serverConfig struct {
	Binary   string
	DB       string
	LogPath  string // standard output and error of the process go here
	Email    string
	Password string
	Env      []string // more KEY=VALUE settings
}

// startParley starts the binary on db with the comment rate limit and the
// form timing check off, on a free loopback port, and waits for /healthz.
func startParley(ctx context.Context, cfg serverConfig) (*parleyProc, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer logf.Close()
	p := &parleyProc{base: "http://" + addr, logPath: cfg.LogPath, done: make(chan struct{})}
	p.cmd = exec.Command(cfg.Binary, "serve")
	p.cmd.Dir = filepath.Dir(cfg.DB)
	p.cmd.Env = append(parleyFreeEnv(),
		"PARLEY_DB="+cfg.DB,
		"PARLEY_ADDR="+addr,
		"PARLEY_BASE_URL=http://"+addr,
		"PARLEY_COMMENT_RATE=0",
		"PARLEY_FORM_MIN_SECONDS=0",
		"PARLEY_ADMIN_EMAIL="+cfg.Email,
		"PARLEY_ADMIN_PASSWORD="+cfg.Password,
	)
	p.cmd.Env = append(p.cmd.Env, cfg.Env...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.Binary, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	deadline := start.Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return nil, fmt.Errorf("parley exited before answering /healthz (%v); see %s", p.waitErr, cfg.LogPath)
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		default:
		}
		if resp, err := client.Get(p.base + "/healthz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.Startup = time.Since(start)
				return p, nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	p.kill()
	return nil, fmt.Errorf("parley did not answer /healthz within %s; see %s", startTimeout, cfg.LogPath)
}

// Pid is the process id, for reading its memory.
func (p *parleyProc) Pid() int { return p.cmd.Process.Pid }

// stop shuts the process down with SIGTERM, and kills it if it hangs.
func (p *parleyProc) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop parley: %w", err)
	}
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.kill()
		return fmt.Errorf("parley did not stop within %s of SIGTERM; see %s", stopTimeout, p.logPath)
	}
	if p.waitErr != nil {
		return fmt.Errorf("parley exited with %v after SIGTERM; see %s", p.waitErr, p.logPath)
	}
	return nil
}

// kill ends the process at once and waits for it.
func (p *parleyProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
	}
}

// freeLoopbackAddr returns 127.0.0.1 with a port that was free a moment ago.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// parleyFreeEnv is this process's environment without PARLEY_* settings,
// so the caller's configuration does not leak into the measured server.
func parleyFreeEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PARLEY_") })
}

// startupTimes starts and stops Parley on an existing database runs times
// and returns each time to the first 200 from /healthz, keeping the last
// process running for the load.
func startupTimes(ctx context.Context, cfg serverConfig, runs int) ([]time.Duration, *parleyProc, error) {
	var times []time.Duration
	for i := 0; ; i++ {
		p, err := startParley(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		times = append(times, p.Startup)
		if i+1 >= runs {
			return times, p, nil
		}
		if err := p.stop(); err != nil {
			return nil, nil, err
		}
	}
}

// copyFile copies a closed SQLite database (no WAL left) so a run never
// changes the seeded original.
func copyFile(dst, src string) error {
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(src + suffix); err == nil {
			return fmt.Errorf("copy database: %s%s exists; is a server still using %s?", src, suffix, src)
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	// Synced, so writing back the copy does not slow the start-ups timed next.
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy database: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("copy database: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	return nil
}
