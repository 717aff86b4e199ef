package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
	"parley/models/markup"
	"parley/models/store"
	"parley/models/store/storetest"
)

// benchBodies are comments as readers write them; the thread cycles
// through them, rendered by the real markup package.
var benchBodies = []string{
	"Thanks for writing this up, it is *much* clearer than the official documentation.",
	"> Pre-moderation sounds strict\n\nYet for a small blog it is exactly the right default. See [my notes](https://example.com/notes/2024/moderation).",
	"I tried this on my own blog last weekend and it worked on the first attempt.\n\nThe trick is `PRAGMA journal_mode=WAL` and **one** writer connection. Has anyone measured this on a Raspberry Pi?",
	"- backups with `VACUUM INTO`\n- restore checked on start\n- https://example.org/backups explains the rest",
	"My experience was the opposite, but I suspect our reverse proxy was to blame:\n\n```nginx\nproxy_buffering off;\n```\n\nI would love to see a follow-up post.",
}

// benchOrigin is the site that embeds the thread in BenchmarkEmbed100.
const benchOrigin = "https://blog.example.com"

// benchServer is Parley on a fresh SQLite file whose welcome post has a
// thread of n approved comments, half of them replies to a random earlier
// one (as the load kit seeds them).
func benchServer(b *testing.B, n int) (http.Handler, store.PostWithThread) {
	b.Helper()
	ctx := context.Background()
	st := storetest.Open(b, filepath.Join(b.TempDir(), "bench.db"))
	md := markup.New()
	postHTML, err := md.Post("A post with a long thread.")
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "A post with a long thread.", BodyHTML: postHTML}); err != nil {
		b.Fatal(err)
	}
	post, err := st.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		b.Fatal(err)
	}
	site, err := st.Site(ctx, models.DefaultSiteID)
	if err != nil {
		b.Fatal(err)
	}
	site.Origins = append(site.Origins, benchOrigin)
	if err := st.SaveSite(ctx, &site); err != nil {
		b.Fatal(err)
	}
	rendered := make([]string, len(benchBodies))
	for i, src := range benchBodies {
		if rendered[i], err = md.Comment(src); err != nil {
			b.Fatal(err)
		}
	}
	at := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	cs := make([]models.Comment, n)
	parents := make([]int, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range cs {
		k := i % len(benchBodies)
		cs[i] = models.Comment{ThreadID: post.ThreadID, Author: fmt.Sprintf("Reader %d", i%37),
			Email: fmt.Sprintf("reader%d@example.com", i%37), Body: benchBodies[k], HTML: rendered[k],
			Status: models.StatusApproved, IP: "10.0.0.1", CreatedAt: at.Add(time.Duration(i) * time.Minute)}
		parents[i] = -1
		if i > 0 && rng.IntN(2) == 0 {
			parents[i] = rng.IntN(i) // a random earlier comment; depth is capped at 5
		}
	}
	if err := st.SeedComments(ctx, cs, parents, 5); err != nil {
		b.Fatal(err)
	}
	srv, err := handlers.New(ctx, handlers.Config{BaseURL: "http://127.0.0.1", Version: "bench"}, st,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	return srv, post
}

// benchGet serves GET path through h in-process and checks for a 200 with
// a body; header is pairs of name and value. The body size is reported
// as bytes per operation (MB/s). The body goes to a discardWriter, as a
// server's goes to its socket: an httptest.ResponseRecorder grows a buffer
// for each answer, which for an answer written in parts (the embed) cost
// more than the handler itself.
func benchGet(b *testing.B, h http.Handler, path string, header ...string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := &discardWriter{header: http.Header{}}
	get := func() int {
		clear(w.header)
		w.status, w.n = 0, 0
		h.ServeHTTP(w, req.Clone(req.Context()))
		if w.status != http.StatusOK || w.n == 0 {
			b.Fatalf("GET %s: status %d, %d bytes", path, w.status, w.n)
		}
		return w.n
	}
	b.SetBytes(int64(get()))
	b.ReportAllocs()
	for b.Loop() {
		get()
	}
}

// discardWriter is an http.ResponseWriter that counts the body's bytes
// and keeps none of them.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// BenchmarkPostPage100 renders the post page with a 100-comment thread
// through the real router, store and templates.
func BenchmarkPostPage100(b *testing.B) {
	h, post := benchServer(b, 100)
	benchGet(b, h, post.PagePath())
}

// BenchmarkThreadJSON100 serves the JSON API's answer for the same thread.
func BenchmarkThreadJSON100(b *testing.B) {
	h, post := benchServer(b, 100)
	benchGet(b, h, "/api/v1/comments?"+url.Values{"site": {models.DefaultSiteID}, "page": {post.PagePath()}, "limit": {"100"}}.Encode())
}

// BenchmarkThreadJSON100CrossOrigin is the same answer asked for by a
// script on an allowed origin, as embed.js and counts.js ask: CORS looks
// the site up on every such request.
func BenchmarkThreadJSON100CrossOrigin(b *testing.B) {
	h, post := benchServer(b, 100)
	benchGet(b, h, "/api/v1/comments?"+url.Values{"site": {models.DefaultSiteID}, "page": {post.PagePath()}, "limit": {"100"}}.Encode(),
		"Origin", benchOrigin)
}

// BenchmarkEmbed100 serves the embed page of the same thread, framed on an
// allowed origin as embed.js asks for it.
func BenchmarkEmbed100(b *testing.B) {
	h, post := benchServer(b, 100)
	path := "/embed?" + url.Values{"site": {models.DefaultSiteID}, "page": {post.PagePath()},
		"url": {benchOrigin + post.PagePath()}}.Encode()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code == http.StatusNotFound {
		b.Skip("GET /embed answers 404: the route is not there yet")
	}
	benchGet(b, h, path, "Referer", benchOrigin+"/")
}

// BenchmarkQueuePage50Of10kPending renders the moderation queue's first
// page (50 comments) over 10,000 pending ones, signed in as a moderator.
func BenchmarkQueuePage50Of10kPending(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, filepath.Join(b.TempDir(), "bench.db"))
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		b.Fatal(err)
	}
	post, err := st.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		b.Fatal(err)
	}
	html, err := markup.New().Comment(benchBodies[2])
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().UTC().Add(-10 * time.Hour)
	cs := make([]models.Comment, 10_000)
	parents := make([]int, len(cs))
	for i := range cs {
		cs[i] = models.Comment{ThreadID: post.ThreadID, Author: fmt.Sprintf("Reader %d", i%97), Email: "r@example.com",
			Body: benchBodies[2], HTML: html, Status: models.StatusPending, IP: "10.0.0.1", UserAgent: "Mozilla/5.0",
			Reasons: []models.Reason{{Code: "pre_moderation", Text: "Pre-moderation"}}, CreatedAt: at.Add(time.Duration(i) * time.Second)}
		parents[i] = -1
	}
	if err := st.SeedComments(ctx, cs, parents, 5); err != nil {
		b.Fatal(err)
	}
	const email, password = "bench@example.com", "a benchmark password"
	hash, err := handlers.HashPassword(password)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateModerator(ctx, &models.Moderator{Email: email, Name: "Bench", PasswordHash: hash, Role: models.RoleAdmin}); err != nil {
		b.Fatal(err)
	}
	// Rendered is every read after a change (each new comment moves the
	// queue's version); cached is a moderator reloading an unchanged queue.
	for _, bc := range []struct {
		name  string
		cache int
	}{{"rendered", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			benchQueue(b, st, bc.cache, email, password)
		})
	}
}

func benchQueue(b *testing.B, st *store.Store, cacheBytes int, email, password string) {
	ctx := context.Background()
	h, err := handlers.New(ctx, handlers.Config{BaseURL: "http://127.0.0.1", Version: "bench", RenderCacheBytes: cacheBytes}, st,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	login := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, login)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("log in: status %d", rec.Code)
	}
	var cookies []string
	for _, c := range rec.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	benchGet(b, h, "/admin/queue", "Cookie", strings.Join(cookies, "; "))
}

// BenchmarkNew builds the server on an existing database, the part of
// start-up that is Parley's own (templates, assets, keys, password checker).
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, filepath.Join(b.TempDir(), "bench.db"))
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := handlers.New(ctx, handlers.Config{BaseURL: "http://127.0.0.1", Version: "bench"}, st, log); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPostComment sends new comments through the JSON API (rate limit
// off, pre-moderation: each answer is a 201 pending); every one is its own
// transaction with synchronous=FULL.
func BenchmarkPostComment(b *testing.B) {
	h, post := benchServer(b, 100)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		body := fmt.Sprintf(`{"site":%q,"page":%q,"author":"Reader %d","body":"Comment number %d. %s"}`,
			models.DefaultSiteID, post.PagePath(), i%50, i, strings.ReplaceAll(benchBodies[i%len(benchBodies)], "\n", `\n`))
		req := httptest.NewRequest(http.MethodPost, "/api/v1/comments", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("POST /api/v1/comments: status %d: %s", rec.Code, rec.Body.String())
		}
	}
}
