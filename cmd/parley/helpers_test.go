package main

// Shared helpers of the black-box tests: they build the real binary once,
// start it as a subprocess on a free loopback port with a temporary SQLite
// database, and talk to it over HTTP like any client would.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

const (
	testAdminEmail    = "admin@example.com"
	testAdminPassword = "correct horse battery"
	welcomeSlug       = "welcome-to-parley"
	welcomePage       = "/posts/" + welcomeSlug
	startTimeout      = 10 * time.Second
	stopTimeout       = 20 * time.Second
)

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// parleyBinary builds ./cmd/parley once per test run and returns its path.
func parleyBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go command is needed to build the binary: %w", err)
			return
		}
		if buildDir, err = os.MkdirTemp("", "parley-blackbox-"); err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(buildDir, "parley")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goTool, "build", "-o", buildPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// baseEnv is the environment without any PARLEY_* variable of the caller.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLEY_") {
			env = append(env, kv)
		}
	}
	return env
}

// runCLI runs the binary with args and extra environment, bounded in time.
func runCLI(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, parleyBinary(t), args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(baseEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		t.Fatalf("run parley %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("parley %v did not finish within 20s", args)
	}
	return out.String(), errb.String(), code
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// syncBuffer is a bytes.Buffer safe for the process's writer goroutine and
// the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one running parley subprocess.
type server struct {
	t       testing.TB
	DB      string
	Base    string // http://127.0.0.1:port
	Client  *http.Client
	cmd     *exec.Cmd
	stdout  *syncBuffer
	stderr  *syncBuffer
	done    chan struct{}
	waitErr error
}

// startServer starts parley serve on db with the test admin, the form timing
// check off and any extra KEY=VALUE environment, and waits for /healthz.
func startServer(t testing.TB, db string, extraEnv ...string) *server {
	t.Helper()
	bin := parleyBinary(t)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := tryStart(t, bin, db, extraEnv)
		if err == nil {
			return s
		}
		lastErr = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatal(lastErr)
	return nil
}

func tryStart(t testing.TB, bin, db string, extraEnv []string) (*server, error) {
	addr := freeAddr(t)
	s := &server{
		t: t, DB: db, Base: "http://" + addr, Client: newClient(nil),
		stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Dir = filepath.Dir(db)
	s.cmd.Env = append(baseEnv(),
		"PARLEY_DB="+db,
		"PARLEY_ADDR="+addr,
		"PARLEY_ADMIN_EMAIL="+testAdminEmail,
		"PARLEY_ADMIN_PASSWORD="+testAdminPassword,
		"PARLEY_FORM_MIN_SECONDS=0",
	)
	s.cmd.Env = append(s.cmd.Env, extraEnv...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start parley: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.Client.CloseIdleConnections()
		s.Kill()
	})
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("parley exited before answering /healthz (%v); stderr:\n%s", s.waitErr, s.stderr.String())
		default:
		}
		resp, err := s.Client.Get(s.Base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Kill()
	return nil, fmt.Errorf("parley did not answer /healthz with 200 within %s; stderr:\n%s", startTimeout, s.stderr.String())
}

// Kill ends the process at once with SIGKILL and waits for it.
func (s *server) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.t.Errorf("parley did not die within %s of SIGKILL", stopTimeout)
	}
}

// Stop asks the process to shut down gracefully with SIGTERM and fails the
// test unless it exits cleanly in time.
func (s *server) Stop() {
	s.t.Helper()
	s.Client.CloseIdleConnections()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.Kill()
		s.t.Fatalf("parley did not stop within %s of SIGTERM; stderr:\n%s", stopTimeout, s.Stderr())
	}
	if s.waitErr != nil {
		s.t.Fatalf("parley exited with %v after SIGTERM; stderr:\n%s", s.waitErr, s.Stderr())
	}
}

// Stderr is everything the process wrote to standard error so far.
func (s *server) Stderr() string { return s.stderr.String() }

// waitForLog waits until the server has logged text: it writes its log
// lines in batches (logbuffer.go), so a line can come up to a batch later.
func (s *server) waitForLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Stderr(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("%q not in the log within 10 s:\n%s", text, s.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newClient returns an HTTP client that never follows redirects.
func newClient(jar http.CookieJar) *http.Client {
	return &http.Client{
		Jar:           jar,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        128,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// response is a finished HTTP exchange with its body read.
type response struct {
	*http.Response
	Body string
}

// do sends req with client and reads the whole answer.
func do(t testing.TB, client *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{Response: resp, Body: string(b)}
}

func newRequest(t testing.TB, method, u string, body io.Reader, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// get fetches path from the server with the given client (nil: the server's).
func (s *server) get(t testing.TB, client *http.Client, path string, header ...string) response {
	t.Helper()
	if client == nil {
		client = s.Client
	}
	return do(t, client, newRequest(t, http.MethodGet, s.Base+path, nil, header...))
}

// postForm sends an urlencoded form; header is pairs of name and value.
func (s *server) postForm(t testing.TB, client *http.Client, path string, form url.Values, header ...string) response {
	t.Helper()
	if client == nil {
		client = s.Client
	}
	req := newRequest(t, http.MethodPost, s.Base+path, strings.NewReader(form.Encode()), header...)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, client, req)
}

// postJSON sends v as JSON to path.
func (s *server) postJSON(t testing.TB, path string, v any, header ...string) response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	req := newRequest(t, http.MethodPost, s.Base+path, bytes.NewReader(b), header...)
	req.Header.Set("Content-Type", "application/json")
	return do(t, s.Client, req)
}

// apiComment is a comment as the public API shows it.
type apiComment struct {
	ID       uint         `json:"id"`
	ParentID *uint        `json:"parent_id"`
	Author   string       `json:"author"`
	HTML     string       `json:"html"`
	Removed  bool         `json:"removed"`
	Replies  []apiComment `json:"replies"`
}

type apiThread struct {
	Thread struct {
		Site  string `json:"site"`
		Page  string `json:"page"`
		Count int    `json:"count"`
	} `json:"thread"`
	Comments []apiComment `json:"comments"`
}

type createdResponse struct {
	Comment   apiComment `json:"comment"`
	Status    string     `json:"status"`
	EditToken string     `json:"edit_token"`
}

// newJSONComment posts a comment to the welcome post and wants a 201.
func (s *server) newJSONComment(t testing.TB, author, body string, parent uint) createdResponse {
	t.Helper()
	req := map[string]any{"site": "default", "page": welcomePage, "author": author, "body": body}
	if parent != 0 {
		req["parent_id"] = parent
	}
	r := s.postJSON(t, "/api/v1/comments", req)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/comments: status %d, want 201: %s", r.StatusCode, r.Body)
	}
	var out createdResponse
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("decode created comment: %v: %s", err, r.Body)
	}
	return out
}

// thread returns the public API view of the welcome post's thread.
func (s *server) thread(t testing.TB) apiThread {
	t.Helper()
	r := s.get(t, nil, "/api/v1/comments?site=default&page="+url.QueryEscape(welcomePage))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/comments: status %d: %s", r.StatusCode, r.Body)
	}
	var out apiThread
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("decode thread: %v: %s", err, r.Body)
	}
	return out
}

// findComment searches the tree for id and returns it with its parent's id
// in the tree (0 at the top level).
func findComment(list []apiComment, id, parent uint) (apiComment, uint, bool) {
	for _, c := range list {
		if c.ID == id {
			return c, parent, true
		}
		if found, p, ok := findComment(c.Replies, id, c.ID); ok {
			return found, p, true
		}
	}
	return apiComment{}, 0, false
}

// admin is a signed-in moderator's browser: a cookie jar and the session
// cookie it holds.
type admin struct {
	Client  *http.Client
	Session *http.Cookie
}

// login signs in as the test admin and returns the session.
func (s *server) login(t testing.TB) admin {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := newClient(jar)
	t.Cleanup(client.CloseIdleConnections)
	r := s.postForm(t, client, "/admin/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /admin/login: status %d, want 303: %s", r.StatusCode, r.Body)
	}
	for _, c := range r.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			return admin{Client: client, Session: c}
		}
	}
	t.Fatalf("POST /admin/login set no session cookie: %v", r.Header["Set-Cookie"])
	return admin{}
}

// moderate posts an action (approve, remove, spam, restore) on comment id
// and wants the 303 back to the queue.
func (s *server) moderate(t testing.TB, a admin, id uint, action string) {
	t.Helper()
	r := s.postForm(t, a.Client, fmt.Sprintf("/admin/comments/%d/%s", id, action), url.Values{})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /admin/comments/%d/%s: status %d, want 303: %s", id, action, r.StatusCode, r.Body)
	}
}

var pendingTab = regexp.MustCompile(`(?s)status=pending"[^>]*>\s*Pending\s*<span class="count" data-n="(\d+)">`)

// pendingCount reads the pending tab's count on the moderation queue.
func (s *server) pendingCount(t testing.TB, a admin) int {
	t.Helper()
	r := s.get(t, a.Client, "/admin/queue?status=pending")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/queue: status %d", r.StatusCode)
	}
	m := pendingTab.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no pending count on /admin/queue:\n%s", r.Body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// openDB opens a stopped server's SQLite file read-only.
func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// integrityCheck runs PRAGMA integrity_check and fails unless it says ok.
func integrityCheck(t testing.TB, db *sql.DB) {
	t.Helper()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0] != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, want ok", lines)
	}
}
