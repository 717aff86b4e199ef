package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"parley/handlers"
	"parley/models"
	"parley/models/markup"
	"parley/models/store"
	"parley/models/store/storetest"
)

const (
	adminEmail    = "admin@example.com"
	adminPassword = "correct horse battery"
	welcomeSlug   = "welcome"
	welcomePage   = "/posts/welcome"
)

// env is one running Parley on a fresh database, reached over real HTTP.
type env struct {
	t     *testing.T
	store *store.Store
	srv   *httptest.Server
	logs  *lockedWriter
}

type option func(*handlers.Config)

// newEnv starts Parley on a fresh SQLite file with an admin and the welcome post.
//
// With PARLEY_TEST_HANDLERS_ON=postgres every such test runs on a fresh
// PostgreSQL schema instead; CI runs the handler tests once each way.
func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	if os.Getenv("PARLEY_TEST_HANDLERS_ON") == "postgres" {
		dsn, ok := storetest.PostgresDSN(t)
		if !ok {
			t.Skip("PARLEY_TEST_HANDLERS_ON=postgres needs PARLEY_TEST_POSTGRES")
		}
		return newEnvOn(t, dsn, opts...)
	}
	return newEnvOn(t, filepath.Join(t.TempDir(), "parley.db"), opts...)
}

// eachEnv runs fn against every backend (SQLite, and PostgreSQL when configured).
func eachEnv(t *testing.T, fn func(t *testing.T, e *env), opts ...option) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, newEnvOn(t, b.DSN, opts...)) })
	}
}

func newEnvOn(t *testing.T, dsn string, opts ...option) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dsn)
	html, _ := markup.New().Post("Hello")
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: welcomeSlug, Body: "Hello", BodyHTML: html}); err != nil {
		t.Fatal(err)
	}
	addModerator(t, st, adminEmail, adminPassword, models.RoleAdmin)
	cfg := handlers.Config{BaseURL: "http://127.0.0.1", Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	logs := &lockedWriter{w: &strings.Builder{}}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv, err := handlers.New(ctx, cfg, st, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, store: st, srv: ts, logs: logs}
}

func addModerator(t *testing.T, st *store.Store, email, password, role string) models.Moderator {
	t.Helper()
	hash, err := handlers.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	m := models.Moderator{Email: email, Name: "M", PasswordHash: hash, Role: role}
	if err := st.CreateModerator(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// client is a browser-like client with its own cookie jar that does not
// follow redirects, so tests see each 303.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// loginAs signs in and returns a client holding the session.
func (e *env) loginAs(email, password string) *http.Client {
	e.t.Helper()
	c := e.client()
	resp := e.postForm(c, "/admin/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login as %s: status %d", email, resp.StatusCode)
	}
	return c
}

func (e *env) admin() *http.Client { return e.loginAs(adminEmail, adminPassword) }

type response struct {
	StatusCode int
	Header     http.Header
	Body       string
}

func (e *env) do(c *http.Client, req *http.Request) response {
	e.t.Helper()
	if c == nil {
		c = e.client()
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{StatusCode: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func (e *env) get(c *http.Client, path string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	return e.do(c, req)
}

func (e *env) postForm(c *http.Client, path string, form url.Values) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(c, req)
}

func (e *env) postJSON(c *http.Client, path string, body any) response {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	return e.do(c, req)
}

// comment posts a comment through the API and returns its id and status.
func (e *env) comment(author, body string, parent uint) (uint, string) {
	e.t.Helper()
	req := map[string]any{"site": "default", "page": welcomePage, "author": author, "body": body}
	if parent != 0 {
		req["parent_id"] = parent
	}
	resp := e.postJSON(nil, "/api/v1/comments", req)
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("create comment: %d %s", resp.StatusCode, resp.Body)
	}
	var out struct {
		Comment struct{ ID uint }
		Status  string
	}
	decode(e.t, resp.Body, &out)
	return out.Comment.ID, out.Status
}

// approve moves comments to approved as the admin would.
func (e *env) approve(ids ...uint) {
	e.t.Helper()
	if _, err := e.store.SetStatus(context.Background(), ids, models.StatusApproved, store.Actor{Name: "test"}, ""); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) setModeration(mode string) {
	e.t.Helper()
	ctx := context.Background()
	site, err := e.store.Site(ctx, models.DefaultSiteID)
	if err != nil {
		e.t.Fatal(err)
	}
	site.Settings.Moderation = mode
	if err := e.store.SaveSite(ctx, &site); err != nil {
		e.t.Fatal(err)
	}
}

func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status = %d, want %d; body: %.600s", r.StatusCode, want, r.Body)
	}
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("body does not contain %q:\n%.1500s", s, body)
		}
	}
}

func wantNotContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("body must not contain %q", s)
		}
	}
}

// lockedWriter lets the server's concurrent log writes share one builder.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (e *env) logText() string {
	e.logs.mu.Lock()
	defer e.logs.mu.Unlock()
	return e.logs.w.String()
}

func adminActor() store.Actor { return store.Actor{Name: "test"} }
