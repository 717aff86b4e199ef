package handlers

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestSharedHeaderValuesStayIntact serves cached answers through the whole
// middleware stack in every variant that adds to their headers (gzip,
// CORS's Vary, a 304) and then checks that the value slices shared by
// every response still hold what they held: a middleware that wrote into
// one would change the headers of every later response.
func TestSharedHeaderValuesStayIntact(t *testing.T) {
	f := newLinkFixture(t)
	type shared struct {
		name   string
		values []string
		want   string
	}
	all := []shared{
		{"no-cache", noCacheValues, "no-cache"},
		{"json", jsonTypeValues, jsonContentType},
		{"html", htmlTypeValues, htmlContentType},
		{"gzip", gzipValues, "gzip"},
	}
	paths := []string{"/api/v1/comments?site=default&page=/posts/welcome", "/posts/welcome"}
	for _, path := range paths {
		var etag string
		for _, header := range [][2]string{{}, {"Accept-Encoding", "gzip"}, {"Origin", "https://elsewhere.example"}, {"If-None-Match", ""}} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if header[0] == "If-None-Match" {
				header[1] = etag
			}
			if header[0] != "" {
				req.Header.Set(header[0], header[1])
			}
			rec := httptest.NewRecorder()
			f.s.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && rec.Code != http.StatusNotModified {
				t.Fatalf("GET %s with %v: status %d", path, header, rec.Code)
			}
			etag = rec.Header().Get("ETag")
			rec.Header().Add("Cache-Control", "private") // as a later middleware might
			rec.Header().Add("Content-Type", "text/plain")
		}
	}
	for _, s := range all {
		if !slices.Equal(s.values, []string{s.want}) || cap(s.values) != 1 {
			t.Errorf("shared %s values are %q (cap %d), want [%q] (cap 1)", s.name, s.values, cap(s.values), s.want)
		}
	}
}

func TestStatusLabel(t *testing.T) {
	for _, code := range []int{200, 201, 204, 303, 304, 400, 403, 404, 429, 500, 502, 99, 0, -1, 1000} {
		if got, want := statusLabel(code), strconv.Itoa(code); got != want {
			t.Errorf("statusLabel(%d) = %q", code, got)
		}
	}
}

func TestPolicyMemoMatchesAndStaysBounded(t *testing.T) {
	csp := securityHeaderValues["Content-Security-Policy"]
	for i := range maxRememberedOrigins + 10 {
		sources := "'self' https://site" + strconv.Itoa(i) + ".example"
		for range 2 { // the second answer comes from the memo
			if got, want := framedPolicy(csp, sources), withFrameAncestors(csp, sources); got != want {
				t.Fatalf("framedPolicy(%q) = %q, want %q", sources, got, want)
			}
		}
	}
	if n := framedPolicies.len(); n == 0 || n > maxRememberedOrigins {
		t.Errorf("memo holds %d policies, want 1 to %d", n, maxRememberedOrigins)
	}
}

// TestPlainRead checks which queries leave a reader page cacheable: only
// the known parameters, however they are written.
func TestPlainRead(t *testing.T) {
	cases := map[string]bool{
		"":                         true,
		"sort=newest":              true,
		"site=a&page=%2Fx&url=u":   true,
		"&&sort=top&":              true,
		"so%72t=top":               true, // an escaped known key is still that key
		"sort":                     true,
		"reply=3":                  false,
		"sort=top&mine=1":          false,
		"=x":                       false,
		"sort=top;mine=1":          true, // url.ParseQuery drops the pair: the page sees no mine
		"mine=1;sort=top":          false,
		"%zz=1":                    false,
		"pending=1&sort=top&page=": false,
	}
	for query, want := range cases {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodGet, "/posts/x?"+query, nil)
		if got := plainRead(c); got != want {
			t.Errorf("plainRead(%q) = %v, want %v", query, got, want)
		}
	}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/posts/x", nil)
	if plainRead(c) {
		t.Error("a POST is a plain read")
	}
}
