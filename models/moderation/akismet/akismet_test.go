package akismet

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	goodKey  = "abc123def456"
	testBlog = "https://blog.example"
)

// fakeAkismet implements the documented Akismet REST protocol closely
// enough to test the client, and records the forms it received.
type fakeAkismet struct {
	t *testing.T

	mu    sync.Mutex
	forms map[string][]url.Values // by method
	hits  int

	// override, when set, answers every request instead.
	override http.HandlerFunc
}

func newFake(t *testing.T) (*fakeAkismet, *httptest.Server) {
	f := &fakeAkismet{t: t, forms: map[string][]url.Values{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAkismet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits++
	f.mu.Unlock()
	if f.override != nil {
		f.override(w, r)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/1.1/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		http.Error(w, "bad content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(r.URL.Query()) != 0 {
		http.Error(w, "parameters belong in the body", http.StatusBadRequest)
		return
	}
	form := r.PostForm
	f.mu.Lock()
	f.forms[method] = append(f.forms[method], form)
	f.mu.Unlock()

	invalid := func(help string) {
		w.Header().Set("X-akismet-debug-help", help)
		_, _ = w.Write([]byte("invalid"))
	}
	keyOK := form.Get("api_key") == goodKey
	switch method {
	case "verify-key":
		if !keyOK || form.Get("blog") == "" {
			invalid("We were unable to parse your blog URI")
			return
		}
		_, _ = w.Write([]byte("valid"))
	case "comment-check", "submit-spam", "submit-ham":
		switch {
		case !keyOK:
			invalid("Invalid API key. Check that you have entered your API key correctly.")
			return
		case form.Get("blog") == "":
			invalid("Empty \"blog\" value")
			return
		case form.Get("user_ip") == "":
			invalid("Empty \"user_ip\" value")
			return
		}
		if method != "comment-check" {
			_, _ = w.Write([]byte("Thanks for making the web a better place."))
			return
		}
		switch {
		case form.Get("comment_author") == "viagra-test-123":
			if strings.Contains(form.Get("comment_content"), "blatant") {
				w.Header().Set("X-akismet-pro-tip", "discard")
			}
			_, _ = w.Write([]byte("true"))
		default:
			_, _ = w.Write([]byte("false"))
		}
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeAkismet) last(method string) url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	forms := f.forms[method]
	if len(forms) == 0 {
		f.t.Fatalf("no %s request received", method)
	}
	return forms[len(forms)-1]
}

func newClient(t *testing.T, srv *httptest.Server, key string) *Client {
	t.Helper()
	c, err := New(Config{Key: key, Blog: testBlog, Lang: "en", BaseURL: srv.URL + "/1.1/"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

var ham = Comment{
	UserIP:      "192.0.2.10",
	UserAgent:   "Mozilla/5.0",
	Referrer:    "https://blog.example/posts/hello",
	Permalink:   "https://blog.example/posts/hello",
	Author:      "Ada",
	AuthorEmail: "ada@example.org",
	AuthorURL:   "https://ada.example",
	Content:     "Nice post.",
	Date:        time.Date(2025, 6, 1, 14, 30, 0, 0, time.FixedZone("CEST", 2*3600)),
}

func TestCommentCheck(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv, goodKey)
	ctx := context.Background()

	spam, err := c.CommentCheck(ctx, ham)
	if err != nil || spam {
		t.Fatalf("ham: spam=%v err=%v", spam, err)
	}
	form := f.last("comment-check")
	want := map[string]string{
		"api_key":              goodKey,
		"blog":                 testBlog,
		"blog_lang":            "en",
		"blog_charset":         "UTF-8",
		"user_ip":              "192.0.2.10",
		"user_agent":           "Mozilla/5.0",
		"referrer":             "https://blog.example/posts/hello",
		"permalink":            "https://blog.example/posts/hello",
		"comment_type":         "comment",
		"comment_author":       "Ada",
		"comment_author_email": "ada@example.org",
		"comment_author_url":   "https://ada.example",
		"comment_content":      "Nice post.",
		"comment_date_gmt":     "2025-06-01T12:30:00Z",
	}
	for k, v := range want {
		if got := form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if form.Has("is_test") || form.Has("user_role") || form.Has("comment_post_modified_gmt") {
		t.Errorf("unset optional fields were sent: %v", form)
	}

	spammy := ham
	spammy.Author = "viagra-test-123"
	spammy.Test = true
	r, err := c.Check(ctx, spammy)
	if err != nil || !r.Spam || r.Discard {
		t.Fatalf("spam: %+v err=%v", r, err)
	}
	if f.last("comment-check").Get("is_test") != "1" {
		t.Error("is_test not sent")
	}

	spammy.Content = "blatant spam"
	r, err = c.Check(ctx, spammy)
	if err != nil || !r.Spam || !r.Discard {
		t.Fatalf("blatant spam: %+v err=%v", r, err)
	}
}

func TestSubmit(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv, goodKey)
	ctx := context.Background()
	if err := c.SubmitSpam(ctx, ham); err != nil {
		t.Fatalf("SubmitSpam: %v", err)
	}
	if got := f.last("submit-spam").Get("comment_content"); got != ham.Content {
		t.Errorf("submit-spam content = %q", got)
	}
	if err := c.SubmitHam(ctx, ham); err != nil {
		t.Fatalf("SubmitHam: %v", err)
	}
	if got := f.last("submit-ham").Get("user_ip"); got != ham.UserIP {
		t.Errorf("submit-ham user_ip = %q", got)
	}
}

func TestVerifyKey(t *testing.T) {
	_, srv := newFake(t)
	if err := newClient(t, srv, goodKey).VerifyKey(context.Background()); err != nil {
		t.Errorf("good key: %v", err)
	}
	err := newClient(t, srv, "wrong").VerifyKey(context.Background())
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("bad key: err = %v, want ErrInvalid", err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("invalid key carries debug help", func(t *testing.T) {
		_, srv := newFake(t)
		c := newClient(t, srv, "wrong")
		_, err := c.CommentCheck(ctx, ham)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Invalid API key") ||
			!strings.Contains(err.Error(), "comment-check") {
			t.Errorf("err = %v", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("error leaks the key: %v", err)
		}
		if err := c.SubmitSpam(ctx, ham); !errors.Is(err, ErrInvalid) {
			t.Errorf("SubmitSpam err = %v", err)
		}
	})
	t.Run("missing user_ip", func(t *testing.T) {
		_, srv := newFake(t)
		noIP := ham
		noIP.UserIP = ""
		_, err := newClient(t, srv, goodKey).CommentCheck(ctx, noIP)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `Empty "user_ip" value`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("server error", func(t *testing.T) {
		f, srv := newFake(t)
		f.override = func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "oops", http.StatusInternalServerError)
		}
		spam, err := newClient(t, srv, goodKey).CommentCheck(ctx, ham)
		if spam || !errors.Is(err, ErrUnexpected) || !strings.Contains(err.Error(), "HTTP 500") {
			t.Errorf("spam=%v err=%v", spam, err)
		}
	})
	t.Run("unexpected body", func(t *testing.T) {
		f, srv := newFake(t)
		f.override = func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("maybe")) }
		c := newClient(t, srv, goodKey)
		if _, err := c.CommentCheck(ctx, ham); !errors.Is(err, ErrUnexpected) || !strings.Contains(err.Error(), `"maybe"`) {
			t.Errorf("check err = %v", err)
		}
		if err := c.SubmitHam(ctx, ham); !errors.Is(err, ErrUnexpected) {
			t.Errorf("submit err = %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		f, srv := newFake(t)
		release := make(chan struct{})
		f.override = func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		defer close(release)
		c, err := New(Config{Key: goodKey, Blog: testBlog, BaseURL: srv.URL + "/1.1",
			HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CommentCheck(ctx, ham); err == nil || !strings.Contains(err.Error(), "akismet comment-check") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		_, srv := newFake(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := newClient(t, srv, goodKey).CommentCheck(cctx, ham); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestDisabled(t *testing.T) {
	f, srv := newFake(t)
	c, err := New(Config{Key: "  ", Blog: testBlog, BaseURL: srv.URL + "/1.1"})
	if err != nil || c != nil {
		t.Fatalf("New without key = %v, %v; want nil, nil", c, err)
	}
	if c.Enabled() {
		t.Error("nil client is enabled")
	}
	ctx := context.Background()
	spammy := ham
	spammy.Author = "viagra-test-123"
	if r, err := c.Check(ctx, spammy); err != nil || r.Spam {
		t.Errorf("Check = %+v, %v", r, err)
	}
	if spam, err := c.CommentCheck(ctx, spammy); err != nil || spam {
		t.Errorf("CommentCheck = %v, %v", spam, err)
	}
	if err := c.SubmitSpam(ctx, ham); err != nil {
		t.Errorf("SubmitSpam = %v", err)
	}
	if err := c.SubmitHam(ctx, ham); err != nil {
		t.Errorf("SubmitHam = %v", err)
	}
	if err := c.VerifyKey(ctx); err != nil {
		t.Errorf("VerifyKey = %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hits != 0 {
		t.Errorf("disabled client made %d requests", f.hits)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no blog", Config{Key: goodKey}},
		{"relative blog", Config{Key: goodKey, Blog: "blog.example"}},
		{"bad base URL", Config{Key: goodKey, Blog: testBlog, BaseURL: "rest.akismet.com"}},
	}
	for _, tt := range tests {
		if c, err := New(tt.cfg); err == nil || c != nil {
			t.Errorf("%s: New = %v, %v; want an error", tt.name, c, err)
		}
	}
	c, err := New(Config{Key: goodKey, Blog: testBlog})
	if err != nil || !c.Enabled() || c.base != DefaultBaseURL || c.http.Timeout != DefaultTimeout {
		t.Errorf("defaults: %+v, %v", c, err)
	}
}
