package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"parley/handlers"
	"parley/models/store/storetest"
)

// twoInstances starts two Parley servers, each with its own store and
// connection pool, on one fresh PostgreSQL schema, as two instances behind a
// load balancer would run. It skips without PARLEY_TEST_POSTGRES (and fails
// under PARLEY_CI_STRICT=1, through storetest).
func twoInstances(t *testing.T, opts ...option) (a, b *env) {
	t.Helper()
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip("several instances share one PostgreSQL database: set PARLEY_TEST_POSTGRES to run this test")
	}
	a = newEnvOn(t, dsn, opts...) // migrates, bootstraps, adds the admin
	cfg := handlers.Config{BaseURL: "http://127.0.0.1", Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	st := storetest.Open(t, dsn)
	logs := &lockedWriter{w: &strings.Builder{}}
	srv, err := handlers.New(context.Background(), cfg, st, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return a, &env{t: t, store: st, srv: ts, logs: logs}
}

// awayFromMinuteEnd waits, at most a quarter minute, until the current
// minute has enough left that a short burst of requests falls into one
// fixed rate-limit window.
func awayFromMinuteEnd() {
	left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute))
	if left < 15*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
}

func TestRateLimitHoldsAcrossInstances(t *testing.T) {
	const limit = 3
	a, b := twoInstances(t, func(c *handlers.Config) { c.CommentRate = limit })
	awayFromMinuteEnd()
	post := func(e *env, i int) response {
		return e.postJSON(nil, "/api/v1/comments", map[string]any{
			"site": "default", "page": welcomePage, "author": "Alt", "body": fmt.Sprint("comment ", i)})
	}
	instances := []*env{a, b}
	for i := range limit {
		wantStatus(t, post(instances[i%2], i), http.StatusCreated)
	}
	for i := limit; i < limit+2; i++ {
		resp := post(instances[i%2], i)
		wantStatus(t, resp, http.StatusTooManyRequests)
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	for name, e := range map[string]*env{"a": a, "b": b} {
		if resp := post(e, 99); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("instance %s: status %d after the shared limit was reached, want 429", name, resp.StatusCode)
		}
	}
}

func TestModeratorSessionAndApprovalAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	first, status := a.comment("Ann", "posted on instance a", 0)
	if status != "pending" {
		t.Fatalf("status %q, want pending", status)
	}
	second, _ := b.comment("Ben", "posted on instance b", 0)

	// Sign in on a; carry only the session cookie over to a fresh client for b.
	onA := a.admin()
	aURL, _ := url.Parse(a.srv.URL + "/admin/")
	bURL, _ := url.Parse(b.srv.URL + "/admin/")
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(bURL, onA.Jar.Cookies(aURL))
	onB := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if len(jar.Cookies(bURL)) == 0 {
		t.Fatal("login on a set no cookie")
	}
	queue := b.get(onB, "/admin/queue")
	wantStatus(t, queue, http.StatusOK)
	wantContains(t, queue.Body, "posted on instance a", "posted on instance b")

	// An approval on one instance is public on the other at once.
	approve := func(e *env, c *http.Client, id uint) {
		t.Helper()
		resp := e.postForm(c, fmt.Sprintf("/admin/comments/%d/approve", id), url.Values{})
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusOK {
			t.Fatalf("approve %d: status %d: %.300s", id, resp.StatusCode, resp.Body)
		}
	}
	thread := func(e *env) string {
		t.Helper()
		resp := e.get(nil, "/api/v1/comments?site=default&page="+url.QueryEscape(welcomePage))
		wantStatus(t, resp, http.StatusOK)
		return resp.Body
	}
	wantNotContains(t, thread(b), "posted on instance a")
	approve(a, onA, first)
	wantContains(t, thread(b), "posted on instance a")
	wantNotContains(t, thread(a), "posted on instance b")
	approve(b, onB, second) // with the session made on a
	wantContains(t, thread(a), "posted on instance b")
	wantContains(t, a.get(nil, welcomePage).Body, "posted on instance a", "posted on instance b")

	// Signing out on b ends the session on a too: sessions live in the database.
	wantStatus(t, b.postForm(onB, "/admin/logout", url.Values{}), http.StatusSeeOther)
	if resp := a.get(onA, "/admin/queue"); resp.StatusCode == http.StatusOK {
		t.Fatalf("session still valid on a after logout on b: status %d", resp.StatusCode)
	}
}
