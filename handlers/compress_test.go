package handlers_test

import (
	"bytes"
	"compress/gzip"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"parley/models"
)

// rawGet fetches path without the client's transparent decompression and
// returns the bytes as they crossed the wire.
func (e *env) rawGet(path string, gzipOK bool) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if gzipOK {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, body
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("broken gzip: %v", err)
	}
	return string(out)
}

func TestResponsesAreCompressed(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPre)
	for _, path := range []string{"/", welcomePage, "/api/v1/comments?site=default&page=" + welcomePage, embedURL("/x.html"), "/static/app.js"} {
		resp, body := e.rawGet(path, true)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: status %d, Content-Encoding %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
			continue
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: Vary = %q", path, resp.Header.Values("Vary"))
		}
		// Compressed exactly once: pre-gzipped assets are not gzipped again.
		if text := gunzip(t, body); strings.HasPrefix(text, "\x1f\x8b") || len(text) < 100 {
			t.Errorf("%s: decompressed to %.40q", path, text)
		}
		plainResp, plain := e.rawGet(path, false)
		if plainResp.Header.Get("Content-Encoding") != "" || len(plain) <= len(body) {
			t.Errorf("%s without gzip: Content-Encoding %q, %d bytes (gzipped %d)", path,
				plainResp.Header.Get("Content-Encoding"), len(plain), len(body))
		}
	}
	// Empty answers stay empty.
	req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/api/v1/counts", nil)
	req.Header.Set("Origin", blogOrigin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("preflight: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}

// Size budgets of the embed, in gzipped bytes as served.
const (
	embedJSBudget   = 2 << 10
	countJSBudget   = 1 << 10
	firstLoadBudget = 40 << 10
)

var assetRef = regexp.MustCompile(`(?:href|src)="(/(?:static|embed)/[^"]+)"`)

func TestEmbedBudgets(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	for _, c := range []struct {
		path   string
		budget int
	}{{"/static/embed.js", embedJSBudget}, {"/static/count.js", countJSBudget}} {
		resp, body := e.rawGet(c.path, true)
		t.Logf("%s: %d bytes gzipped (budget %d)", c.path, len(body), c.budget)
		if resp.Header.Get("Content-Encoding") != "gzip" || len(body) > c.budget {
			t.Errorf("%s: %d bytes, Content-Encoding %q; budget %d gzipped", c.path, len(body), resp.Header.Get("Content-Encoding"), c.budget)
		}
		// The URL site owners paste stays stable, so it is cached briefly.
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=300" {
			t.Errorf("%s: Cache-Control %q", c.path, cc)
		}
	}

	// The whole first load of an embedded 100-comment thread: the iframe's
	// HTML and every stylesheet and script it loads.
	seedComments(t, e, "/long.html", 100)
	resp, page := e.rawGet(embedURL("/long.html", "accent", "#aa3300", "font", "Georgia, serif"), true)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("the embed HTML is not compressed")
	}
	doc := gunzip(t, page)
	// Its first page: 50 top-level comments and the 5 replies under them.
	if strings.Count(doc, `class="comment"`) != 55 {
		t.Fatal("the first page does not have 55 comments")
	}
	total := len(page)
	t.Logf("iframe HTML: %d bytes gzipped (%d plain)", len(page), len(doc))
	var assets int
	for _, m := range assetRef.FindAllStringSubmatch(doc, -1) {
		path := html.UnescapeString(m[1])
		resp, body := e.rawGet(path, true)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		t.Logf("%s: %d bytes on the wire", path, len(body))
		total += len(body)
		if strings.HasPrefix(path, "/static/") {
			assets++
			if !regexp.MustCompile(`^/static/[a-z-]+\.[0-9a-f]{12}\.(css|js)$`).MatchString(path) ||
				resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%s: not a content-hashed, long-cached asset (Cache-Control %q)", path, resp.Header.Get("Cache-Control"))
			}
		}
	}
	if assets != 4 {
		t.Errorf("the embed loads %d static assets, want 4 (app.css, embed.css, frame.js, reader.js)", assets)
	}
	t.Logf("first load: %d bytes gzipped (budget %d); avatars load lazily on scroll", total, firstLoadBudget)
	if total > firstLoadBudget {
		t.Errorf("first load of a 100-comment embed is %d bytes gzipped, over the %d budget", total, firstLoadBudget)
	}
}
