package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
)

// uncachedTwin starts a second Parley on e's store with the render cache
// off and the same clock, so the two answer every request from the same
// data: one through the cache, one rendering afresh.
func uncachedTwin(t *testing.T, e *env, clock *stoppedClock) *env {
	t.Helper()
	cfg := handlers.Config{BaseURL: "http://127.0.0.1", Version: "test", RenderCacheBytes: -1, Now: clock.now}
	logs := &lockedWriter{w: &strings.Builder{}}
	srv, err := handlers.New(context.Background(), cfg, e.store, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, store: e.store, srv: ts, logs: logs}
}

// stoppedClock stands still unless moved, so that two servers asked one
// after the other sign the same form stamp.
type stoppedClock struct{ at atomic.Int64 }

func newStoppedClock() *stoppedClock {
	c := &stoppedClock{}
	c.at.Store(time.Now().UnixNano())
	return c
}

func (c *stoppedClock) now() time.Time          { return time.Unix(0, c.at.Load()) }
func (c *stoppedClock) advance(d time.Duration) { c.at.Add(int64(d)) }

// fetch GETs path with the given Accept-Encoding ("" lets Go's client ask
// for gzip and unpack it, as a browser would).
func (e *env) fetch(path, encoding string, header ...string) response {
	e.t.Helper()
	return e.fetchAs(nil, path, encoding, header...)
}

var nextCursor = regexp.MustCompile(`cursor=([A-Za-z0-9_-]+)`)

// cachePaths are the thread renderings a reader can ask for: pages, sorts,
// a later page, a permalink, the script's fragment, the embed and the API.
func cachePaths(t *testing.T, e *env, onPage2 uint) []string {
	t.Helper()
	first := e.fetch(welcomePage, "identity")
	m := nextCursor.FindStringSubmatch(first.Body)
	if m == nil {
		t.Fatal("the first page has no link to the next one")
	}
	embed := embedURL("/cached.html")
	return []string{
		welcomePage,
		welcomePage + "?sort=newest",
		welcomePage + "?sort=top",
		welcomePage + "?cursor=" + m[1],
		fmt.Sprintf("%s?comment=%d", welcomePage, onPage2),
		welcomePage + "?fragment=1&cursor=" + m[1],
		embed,
		embed + "&sort=top",
		"/api/v1/comments?site=default&page=/posts/welcome",
		"/api/v1/comments?site=default&page=/posts/welcome&sort=newest&limit=7",
		"/api/v1/comments?site=blog&page=/cached.html",
	}
}

// sameAnswers checks that the cached server answers every path exactly as
// the uncached one does, twice (the first fills the cache, the second hits
// it), compressed and not.
func sameAnswers(t *testing.T, cached, fresh *env, paths []string, when string) {
	t.Helper()
	for _, p := range paths {
		for _, enc := range []string{"", "identity"} {
			want := fresh.fetch(p, enc)
			if want.StatusCode != http.StatusOK {
				t.Fatalf("%s: uncached %s answered %d: %.300s", when, p, want.StatusCode, want.Body)
			}
			for round := range 2 {
				got := cached.fetch(p, enc)
				if got.StatusCode != http.StatusOK || got.Body != want.Body {
					t.Fatalf("%s: %s (encoding %q, round %d): cached answer differs from uncached (%d, %d vs %d bytes)\n%s",
						when, p, enc, round, got.StatusCode, len(got.Body), len(want.Body), firstDifference(got.Body, want.Body))
				}
			}
		}
	}
}

func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("cached: …%.160s\nfresh:  …%.160s", a[from:], b[from:])
}

func TestThreadCacheAnswersLikeUncached(t *testing.T) {
	clock := newStoppedClock()
	e := newEnv(t, func(cfg *handlers.Config) { cfg.Now = clock.now })
	e.setModeration(models.ModerationPost)
	e.addBlogSite(models.ModerationPost)
	fresh := uncachedTwin(t, e, clock)

	var ids []uint
	for i := range 55 {
		id, _ := e.comment(fmt.Sprintf("Reader %d", i), fmt.Sprintf("Comment **%d** with <b>markup</b> & things", i), 0)
		ids = append(ids, id)
	}
	reply, _ := e.comment("Replier", "A reply", ids[3])
	if _, err := e.store.EnsureThread(context.Background(), blogSite, "/cached.html", "A post", blogOrigin+"/cached.html"); err != nil {
		t.Fatal(err)
	}
	resp := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": blogSite, "page": "/cached.html",
		"author": "Embedded", "body": "On the blog"})
	wantStatus(t, resp, http.StatusCreated)
	paths := cachePaths(t, e, ids[52])
	sameAnswers(t, e, fresh, paths, "start")

	// Every change a reader can see reaches the cached answers at once.
	wantScore(t, e.vote(ids[10], 1, "agent", "", ""), 1)
	sameAnswers(t, e, fresh, paths, "after a vote")

	id, _, token := e.createWithToken("Editor", "before the edit")
	sameAnswers(t, e, fresh, paths, "after a new comment")
	wantStatus(t, e.sendEdit(http.MethodPatch, id, token, `{"body": "after the edit"}`), http.StatusOK)
	sameAnswers(t, e, fresh, paths, "after an edit")

	admin := e.admin()
	wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/comments/%d/pin", ids[20]), url.Values{}), http.StatusSeeOther)
	sameAnswers(t, e, fresh, paths, "after a pin")
	wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/comments/%d/remove", reply), url.Values{}), http.StatusSeeOther)
	sameAnswers(t, e, fresh, paths, "after a removal")

	ctx := context.Background()
	site, err := e.store.Site(ctx, models.DefaultSiteID)
	if err != nil {
		t.Fatal(err)
	}
	site.Settings.Gravatar, site.Settings.NoDownvotes = true, true
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	sameAnswers(t, e, fresh, paths, "after a settings change")

	// German readers get their own rendering, not the English one.
	de := e.fetch(welcomePage, "", "Accept-Language", "de")
	if want := fresh.fetch(welcomePage, "", "Accept-Language", "de"); de.Body != want.Body {
		t.Fatalf("German page differs from uncached:\n%s", firstDifference(de.Body, want.Body))
	}
}

func TestThreadCacheRevalidates(t *testing.T) {
	clock := newStoppedClock()
	e := newEnv(t, func(cfg *handlers.Config) { cfg.Now = clock.now })
	e.setModeration(models.ModerationPost)
	first, _ := e.comment("Ann", "First", 0)

	for i, path := range []string{"/api/v1/comments?site=default&page=/posts/welcome", welcomePage,
		welcomePage + "?fragment=1"} {
		a := e.fetch(path, "")
		etag := a.Header.Get("ETag")
		if a.StatusCode != http.StatusOK || !strings.HasPrefix(etag, `W/"`) {
			t.Fatalf("%s: status %d, ETag %q", path, a.StatusCode, etag)
		}
		// The form's stamp changes every second; the page is still the same.
		clock.advance(3 * time.Second)
		b := e.fetch(path, "", "If-None-Match", etag)
		if b.StatusCode != http.StatusNotModified || b.Body != "" {
			t.Fatalf("%s: revalidation answered %d with %d bytes, want an empty 304", path, b.StatusCode, len(b.Body))
		}
		if got := e.fetch(path, "", "If-None-Match", `W/"other"`); got.StatusCode != http.StatusOK {
			t.Fatalf("%s: a stale tag answered %d", path, got.StatusCode)
		}
		wantScore(t, e.vote(first, 1, "agent "+path, "", ""), i+1) // a new reader each time
		c := e.fetch(path, "", "If-None-Match", etag)
		if c.StatusCode != http.StatusOK || c.Header.Get("ETag") == etag {
			t.Fatalf("%s: after a vote: status %d, ETag %q (was %q)", path, c.StatusCode, c.Header.Get("ETag"), etag)
		}
	}
}

// TestCachedAnswersCarryTheirLength: a cached thread goes out with its
// length, plain or compressed, rather than in chunks.
func TestCachedAnswersCarryTheirLength(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	e.comment("Ann", "First", 0)
	for _, path := range []string{"/api/v1/comments?site=default&page=/posts/welcome", welcomePage, welcomePage + "?fragment=1"} {
		for _, enc := range []string{"identity", "gzip"} {
			for round := range 2 { // a miss, then a hit
				r := e.fetch(path, enc)
				if r.StatusCode != http.StatusOK {
					t.Fatalf("%s (%s): status %d", path, enc, r.StatusCode)
				}
				if got, want := r.Header.Get("Content-Length"), strconv.Itoa(len(r.Body)); got != want {
					t.Fatalf("%s (%s, round %d): Content-Length %q for a body of %s bytes", path, enc, round, got, want)
				}
				if enc == "gzip" && r.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("%s: asked for gzip, got Content-Encoding %q", path, r.Header.Get("Content-Encoding"))
				}
			}
		}
	}
}
