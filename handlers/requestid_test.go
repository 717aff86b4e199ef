package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"parley/handlers"
	"parley/models/markup"
	"parley/models/store"
	"parley/models/store/storetest"
)

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestEveryResponseCarriesAFreshRequestID(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for _, path := range []string{welcomePage, "/posts/no-such-post", "/nowhere", "/healthz", "/admin/queue", "/metrics"} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		req.Header.Set("X-Request-Id", "forged-by-client")
		resp := e.do(nil, req)
		id := resp.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			t.Errorf("%s: X-Request-Id %q, want 32 hex digits", path, id)
		}
		if seen[id] {
			t.Errorf("%s: request id %s reused", path, id)
		}
		seen[id] = true
		if !strings.Contains(e.logText(), "request_id="+id) {
			t.Errorf("%s: access log has no request_id=%s", path, id)
		}
	}
	if strings.Contains(e.logText(), "forged-by-client") {
		t.Error("an incoming X-Request-Id reached the log")
	}
}

// jsonServer runs Parley with the JSON logger PARLEY_LOG_FORMAT=json selects.
func jsonServer(t *testing.T) (*httptest.Server, *store.Store, *lockedWriter) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	html, _ := markup.New().Post("Hello")
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: welcomeSlug, Body: "Hello", BodyHTML: html}); err != nil {
		t.Fatal(err)
	}
	logs := &lockedWriter{w: &strings.Builder{}}
	srv, err := handlers.New(ctx, handlers.Config{BaseURL: "http://127.0.0.1", Version: "test"}, st, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, st, logs
}

// jsonLines parses every log line as a JSON object.
func jsonLines(t *testing.T, logs *lockedWriter) []map[string]any {
	t.Helper()
	logs.mu.Lock()
	text := logs.w.String()
	logs.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestJSONAccessLogHasRequestFieldsAndNoReaderData(t *testing.T) {
	ts, _, logs := jsonServer(t)
	resp, err := http.Get(ts.URL + welcomePage + "?q=query-secret")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	getID := resp.Header.Get("X-Request-Id")
	body := `{"site":"default","page":"/posts/welcome","author":"Ann","body":"body-secret words","email":"ann@example.com"}`
	resp, err = http.Post(ts.URL+"/api/v1/comments", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create comment: %d", resp.StatusCode)
	}
	postID := resp.Header.Get("X-Request-Id")

	found := map[string]map[string]any{}
	for _, line := range jsonLines(t, logs) {
		if line["msg"] == "request" {
			found[line["request_id"].(string)] = line
		}
		for _, secret := range []string{"query-secret", "body-secret", "ann@example.com"} {
			for k, v := range line {
				if s, ok := v.(string); ok && strings.Contains(s, secret) {
					t.Errorf("log field %s holds reader data %q", k, s)
				}
			}
		}
	}
	for id, want := range map[string][3]any{getID: {"GET", welcomePage, 200.0}, postID: {"POST", "/api/v1/comments", 201.0}} {
		line, ok := found[id]
		if !ok {
			t.Errorf("no JSON access line with request_id %q", id)
			continue
		}
		if line["method"] != want[0] || line["path"] != want[1] || line["status"] != want[2] {
			t.Errorf("access line %v, want method %v path %v status %v", line, want[0], want[1], want[2])
		}
		if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
			t.Errorf("duration_ms %v, want a non-negative number", line["duration_ms"])
		}
		if line["level"] != "INFO" || line["time"] == nil {
			t.Errorf("access line lacks level or time: %v", line)
		}
	}
}

func TestServerErrorLogCarriesTheRequestID(t *testing.T) {
	ts, st, logs := jsonServer(t)
	if err := st.Close(); err != nil { // every query now fails
		t.Fatal(err)
	}
	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 from a closed database", resp.StatusCode)
	}
	id := resp.Header.Get("X-Request-Id")
	var errLine, accessLine bool
	for _, line := range jsonLines(t, logs) {
		if line["request_id"] != id {
			continue
		}
		switch {
		case line["level"] == "ERROR" && line["err"] != nil:
			errLine = true
		case line["msg"] == "request" && line["status"] == 500.0:
			accessLine = true
		}
	}
	if !errLine || !accessLine {
		t.Errorf("for request %s: error line %v, access line %v; want both", id, errLine, accessLine)
	}
}
