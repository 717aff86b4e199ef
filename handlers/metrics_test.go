package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"parley/handlers"
	"parley/models/store/storetest"
)

// scrape reads /metrics over real HTTP with an optional Authorization header.
func scrape(e *env, auth string, header ...string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(nil, req)
}

func TestMetricsCountRequestsCommentsQueueOutboxAndPools(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		wantStatus(t, e.get(nil, welcomePage), http.StatusOK)
		wantStatus(t, e.get(nil, "/posts/no-such-post"), http.StatusNotFound)
		wantStatus(t, e.get(nil, "/no/route/here?secret=1"), http.StatusNotFound)
		_, status := e.comment("Ann", "Counted, I hope.", 0)

		resp := scrape(e, "")
		wantStatus(t, resp, http.StatusOK)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("content type %q, want the Prometheus text format", ct)
		}
		wantContains(t, resp.Body,
			`parley_http_request_duration_seconds_count{method="GET",route="/posts/:slug",status="200"} 1`,
			`parley_http_request_duration_seconds_count{method="GET",route="/posts/:slug",status="404"} 1`,
			`parley_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1`,
			`parley_http_request_duration_seconds_count{method="POST",route="/api/v1/comments",status="201"} 1`,
			`parley_http_request_duration_seconds_bucket{method="GET",route="/posts/:slug",status="200",le="+Inf"} 1`,
			`parley_comments_created_total{status="`+status+`"} 1`,
			`parley_queue_comments{status="`+status+`"} 1`,
			`parley_queue_comments{status="spam"} 0`,
			`parley_outbox_messages{state="waiting"} 0`,
			`parley_outbox_messages{state="given_up"} 0`,
			`parley_outbox_last_error_timestamp_seconds 0`,
			`parley_db_max_open_connections{pool=`,
			`parley_db_wait_count_total{pool=`,
			`go_goroutines`,
		)
		// Raw paths and query strings never become labels.
		wantNotContains(t, resp.Body, `route="/posts/welcome"`, "no-such-post", "secret")
	})
}

func TestMetricsTokenIsRequiredWhenSet(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.MetricsToken = "s3cret-token" })
	for _, auth := range []string{"", "Bearer wrong", "Bearer s3cret-toke", "Basic s3cret-token", "s3cret-token"} {
		resp := scrape(e, auth)
		wantStatus(t, resp, http.StatusUnauthorized)
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("auth %q: 401 without WWW-Authenticate", auth)
		}
		wantNotContains(t, resp.Body, "parley_")
	}
	resp := scrape(e, "Bearer s3cret-token")
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, resp.Body, "parley_queue_comments")
	// With a token, a proxied request is fine: the token is the authority.
	wantStatus(t, scrape(e, "bearer s3cret-token", "X-Forwarded-For", "203.0.113.9"), http.StatusOK)
}

func TestMetricsWithoutTokenAreLoopbackOnly(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, scrape(e, ""), http.StatusOK) // httptest listens on 127.0.0.1
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		resp := scrape(e, "", h, "203.0.113.9")
		wantStatus(t, resp, http.StatusForbidden)
		wantNotContains(t, resp.Body, "parley_")
	}

	// A client on another address never gets them, even with a guessed header.
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	srv, err := handlers.New(context.Background(), handlers.Config{BaseURL: "http://example.org", Version: "test"}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"192.0.2.7:4242", "[2001:db8::1]:4242", "10.0.0.1:80"} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = addr
		req.Header.Set("Authorization", "Bearer anything")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("from %s: status %d, want 403", addr, rec.Code)
		}
	}
	for _, addr := range []string{"127.0.0.1:4242", "[::1]:4242"} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "parley_db_open_connections") {
			t.Errorf("from %s: status %d, want 200 with metrics", addr, rec.Code)
		}
	}
}
