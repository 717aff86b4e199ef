package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"parley/models"
)

// apiFrom sends a JSON API request as a script on origin would.
func (e *env) apiFrom(origin, method, path, body string) response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return e.do(nil, req)
}

func wantCORS(t *testing.T, r response, origin string) {
	t.Helper()
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, origin)
	}
	if r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("Access-Control-Allow-Credentials must never be sent")
	}
	if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Origin") {
		t.Errorf("Vary = %q, want Origin in it", r.Header.Values("Vary"))
	}
}

func TestCORSOnlyForTheNamedSitesOrigins(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	counts := `{"site":"blog","pages":["/a.html","/b.html"]}`
	cases := []struct {
		name, origin, method, path, body string
		status                           int
		allow                            string
	}{
		{"counts from the site", blogOrigin, "POST", "/api/v1/counts", counts, 200, blogOrigin},
		{"counts from the site's other origin", "http://localhost:4000", "POST", "/api/v1/counts", counts, 200, "http://localhost:4000"},
		{"counts from another origin", "https://evil.example", "POST", "/api/v1/counts", counts, 200, ""},
		{"another site's counts", blogOrigin, "POST", "/api/v1/counts", `{"site":"default","pages":["/posts/welcome"]}`, 200, ""},
		{"list from the site", blogOrigin, "GET", "/api/v1/comments?site=blog&page=/a.html", "", 200, blogOrigin},
		{"list from another origin", "https://blog.example.com.evil.example", "GET", "/api/v1/comments?site=blog&page=/a.html", "", 200, ""},
		{"bad JSON from the site", blogOrigin, "POST", "/api/v1/counts", `{"site":"blog","pages":`, 400, ""},
		{"errors keep CORS", blogOrigin, "POST", "/api/v1/comments", `{"site":"blog","page":"/a.html","author":"","body":"x"}`, 422, blogOrigin},
		{"no Origin", "", "POST", "/api/v1/counts", counts, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.apiFrom(c.origin, c.method, c.path, c.body)
			wantStatus(t, r, c.status)
			wantCORS(t, r, c.allow)
		})
	}
}

func TestCORSPreflight(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	preflight := func(origin, path string) response {
		req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		return e.do(nil, req)
	}
	for _, path := range []string{"/api/v1/counts", "/api/v1/comments", "/api/v1/comments/7/flag"} {
		r := preflight(blogOrigin, path)
		wantStatus(t, r, http.StatusNoContent)
		wantCORS(t, r, blogOrigin)
		if m := r.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
			t.Errorf("Allow-Methods = %q", m)
		}
		if h := r.Header.Get("Access-Control-Allow-Headers"); !strings.Contains(h, "Content-Type") {
			t.Errorf("Allow-Headers = %q", h)
		}
	}
	r := preflight("https://evil.example", "/api/v1/counts")
	wantStatus(t, r, http.StatusForbidden)
	wantCORS(t, r, "")
	// Outside the API there is no CORS at all.
	r = preflight(blogOrigin, "/embed")
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS headers outside the API")
	}
}

func TestAPIFirstCommentFromAnAllowedOrigin(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.addBlogSite(models.ModerationPost)
		body := `{"site":"blog","page":"/api.html","author":"Cy","body":"Straight from the API"}`
		r := e.apiFrom(blogOrigin, "POST", "/api/v1/comments", body)
		wantStatus(t, r, http.StatusCreated)
		wantCORS(t, r, blogOrigin)
		thread, err := e.store.Thread(context.Background(), blogSite, "/api.html")
		if err != nil || thread.URL != blogOrigin+"/api.html" {
			t.Fatalf("thread = %+v, %v", thread, err)
		}
		// The count script now sees it.
		c := e.apiFrom(blogOrigin, "POST", "/api/v1/counts", `{"site":"blog","pages":["/api.html","/none.html"]}`)
		wantContains(t, c.Body, `"/api.html":1`, `"/none.html":0`)

		r = e.apiFrom("https://evil.example", "POST", "/api/v1/comments", strings.Replace(body, "/api.html", "/minted.html", 1))
		wantStatus(t, r, http.StatusNotFound)
		e.noThread("/minted.html")
	})
}

func TestCORSPeekKeepsLimits(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	huge := `{"site":"blog","page":"/a.html","author":"A","body":"` + strings.Repeat("x", 200<<10) + `"}`
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/comments", strings.NewReader(huge))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", blogOrigin)
	req.ContentLength = -1 // chunked: the limit is met while reading, inside the CORS peek
	wantStatus(t, e.do(nil, req), http.StatusRequestEntityTooLarge)
}
