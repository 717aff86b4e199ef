package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The in-process read ceiling shares one Go runtime with the clients that
// drive it: their goroutines and the server's are scheduled together on
// the same two threads. Parley runs in a process of its own, with its own
// runtime competing with the kit's for the cores. The process ceiling is
// the same bare handler in a process of its own, started from this very
// binary ("parley-load serve-bytes"), so that both servers are measured
// under the same conditions.

// runServeBytes is "parley-load serve-bytes": it serves the captured
// response in -body with -status and the -header lines, on a loopback
// port it prints as its first line of output, until its standard input
// closes.
func runServeBytes(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve-bytes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bodyPath := fs.String("body", "", "file holding the response body (required)")
	status := fs.Int("status", http.StatusOK, "response status")
	header := http.Header{}
	fs.Func("header", "a Name: value response header (repeatable)", func(line string) error {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("want Name: value, got %q", line)
		}
		header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bodyPath == "" || fs.NArg() > 0 {
		return errors.New("serve-bytes: -body FILE is required and no other arguments are taken")
	}
	body, err := os.ReadFile(*bodyPath)
	if err != nil {
		return fmt.Errorf("serve-bytes: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("serve-bytes: listen: %w", err)
	}
	srv := &http.Server{Handler: ceilingHandler(captured{status: *status, header: header, body: body}),
		ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	stopped := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin) // the parent closes it to stop us
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("serve-bytes: shut down: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve-bytes: %w", err)
	}
	return nil
}

// processCeiling is a serve-bytes child of this kit.
type processCeiling struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	base  string
}

// startProcessCeiling writes the captured body next to the run's files and
// starts a serve-bytes process for it.
func startProcessCeiling(ctx context.Context, workdir string, resp captured) (*processCeiling, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("process ceiling: %w", err)
	}
	bodyPath := filepath.Join(workdir, "ceiling-body")
	if err := os.WriteFile(bodyPath, resp.body, 0o600); err != nil {
		return nil, fmt.Errorf("process ceiling: %w", err)
	}
	args := []string{"serve-bytes", "-body", bodyPath, "-status", fmt.Sprint(resp.status)}
	for _, k := range ceilingHeaders {
		if v := resp.header.Get(k); v != "" {
			args = append(args, "-header", k+": "+v)
		}
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("process ceiling: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("process ceiling: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("process ceiling: %w", err)
	}
	p := &processCeiling{cmd: cmd, stdin: stdin}
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case p.base = <-addr:
	case <-time.After(10 * time.Second):
	}
	if !strings.HasPrefix(p.base, "http://127.0.0.1:") {
		_ = p.stop()
		return nil, fmt.Errorf("process ceiling: serve-bytes did not say where it listens (%q)", p.base)
	}
	return p, nil
}

// stop closes the child's standard input and waits for it to exit.
func (p *processCeiling) stop() error {
	_ = p.stdin.Close()
	errc := make(chan error, 1)
	go func() { errc <- p.cmd.Wait() }()
	select {
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("process ceiling: %w", err)
		}
		return nil
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("process ceiling: serve-bytes did not stop; killed: %w", <-errc)
	}
}

// runProcessCeiling drives a serve-bytes process of the captured answer
// with the same client code as the scenario.
func runProcessCeiling(ctx context.Context, workdir string, sc *scenario, resp captured, lim limits) (result, error) {
	p, err := startProcessCeiling(ctx, workdir, resp)
	if err != nil {
		return result{}, err
	}
	res := drive(ctx, "ceiling-process ("+sc.name+")", lim, p.cmd.Process.Pid, sc.request(p.base), okStatus(resp.status))
	res.Note = fmt.Sprintf("%d-byte body, served by a process of its own", len(resp.body))
	return res, p.stop()
}
