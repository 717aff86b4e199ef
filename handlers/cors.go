package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/idna"

	"parley/models"
)

// NormalizeOrigin turns a site owner's origin ("https://Blog.example.com/",
// "https://blog.example.com:443") into the form browsers send in the Origin
// header ("https://blog.example.com"). It refuses anything that is not a
// bare http(s) origin: paths, queries, user info, wildcards.
func NormalizeOrigin(raw string) (string, bool) {
	return originAnswers.getOrMake(raw, func(raw string) maybeString {
		o, ok := normalizeOrigin(raw)
		return maybeString{o, ok}
	}).get()
}

// maxRememberedOrigins bounds the memos of origins, hosts and the CSPs
// made from them: a site has a few, and requests repeat them.
const maxRememberedOrigins = 256

// originAnswers remembers normalizeOrigin's answers: the same few origins
// arrive in every cross-origin request's Origin header, and every embed
// lists its site's origins as its frame ancestors.
var originAnswers = newBytesMemo[maybeString](maxRememberedOrigins)

func normalizeOrigin(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || (u.Path != "" && u.Path != "/") || strings.HasSuffix(raw, "#") {
		return "", false
	}
	return originOf(u)
}

// originOf returns the origin of an absolute http(s) URL.
func originOf(u *url.URL) (string, bool) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Host == "" {
		return "", false
	}
	host, ok := lookupHosts.getOrMake(strings.ToLower(u.Hostname()), lookupHost).get()
	if !ok {
		return "", false
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", false
		}
		if scheme == "http" && n == 80 || scheme == "https" && n == 443 {
			port = ""
		} else {
			port = strconv.Itoa(n)
		}
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

// lookupHosts remembers lookupHost's answers: an embed or a cross-origin
// API request names the same few hosts again and again (its Referer, its
// page's address, its Origin), and IDNA's mapping of one was a tenth of a
// cached embed's CPU.
var lookupHosts = newBytesMemo[maybeString](maxRememberedOrigins)

// maybeString is a remembered answer that may be none: a host or an
// origin as browsers send it, or nothing when the input is not one.
type maybeString struct {
	value string
	ok    bool
}

func (m maybeString) get() (string, bool) { return m.value, m.ok }

// lookupHost returns a lower-cased host as browsers send it in an origin:
// an IP address as it is, a name in its ASCII (punycode) form. It refuses
// names IDNA refuses and any that could not be an origin's host.
func lookupHost(host string) maybeString {
	if _, err := netip.ParseAddr(host); err != nil {
		if host, err = idna.Lookup.ToASCII(host); err != nil {
			return maybeString{}
		}
	}
	if host == "" || strings.ContainsAny(host, "*%;, \t\r\n'\"") {
		return maybeString{}
	}
	return maybeString{host, true}
}

// urlOrigin returns the origin of a raw absolute http(s) URL.
func urlOrigin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return "", false
	}
	return originOf(u)
}

// siteAllowsOrigin reports whether origin is one of the site's origins.
func siteAllowsOrigin(site models.Site, origin string) bool {
	origin, ok := NormalizeOrigin(origin)
	return ok && siteAllowsNormalized(site, origin)
}

// siteAllowsNormalized is siteAllowsOrigin for an origin already in its
// normalized form (as originOf returns it).
func siteAllowsNormalized(site models.Site, origin string) bool {
	// The site cache keeps origins normalized (normalizedOrigins), and
	// normalizing is idempotent, so an equal string is a match without
	// parsing every origin of the site on every request.
	if slices.Contains(site.Origins, origin) {
		return true
	}
	for _, o := range site.Origins {
		if n, ok := NormalizeOrigin(o); ok && n == origin {
			return true
		}
	}
	return false
}

// normalizedOrigins returns origins in normalized form, without repeats
// and without any that are not an origin.
func normalizedOrigins(origins []string) []string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		if n, ok := NormalizeOrigin(o); ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// isOwnOrigin reports whether origin, normalized (as originOf returns it),
// is Parley's own: the configured base URL's origin or the host the
// request came to.
func (s *Server) isOwnOrigin(r *http.Request, origin string) bool {
	if s.baseOrigin != "" && s.baseOrigin == origin {
		return true
	}
	_, host, ok := strings.Cut(origin, "://")
	return ok && host != "" && strings.EqualFold(host, r.Host)
}

// pageOriginKey carries, in a request's context, the Origin header of an
// API request that CORS allowed for the named site.
type pageOriginKey struct{}

// pageOrigin returns the allowed origin apiCORS recorded, if any.
func pageOrigin(ctx context.Context) string {
	o, _ := ctx.Value(pageOriginKey{}).(string)
	return o
}

// apiCORS answers preflight requests and adds CORS headers to the JSON API:
// Access-Control-Allow-Origin goes only to an origin of the site the request
// names, never with credentials. A preflight carries no body, so it is
// allowed for any origin that belongs to some site; the real request is then
// checked against the site it names.
func (s *Server) apiCORS(c *gin.Context) {
	if !isAPIPath(c.Request.URL.Path) {
		c.Next()
		return
	}
	h := c.Writer.Header()
	h.Add("Vary", "Origin")
	origin := c.GetHeader("Origin")
	if origin == "" {
		c.Next()
		return
	}
	if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
		s.preflight(c, origin)
		return
	}
	siteID := c.Query("site")
	if siteID == "" {
		siteID = peekSite(c.Request)
	}
	if siteID == "" {
		c.Next()
		return
	}
	site, err := s.currentSite(c.Request.Context(), siteID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		s.serverError(c, err)
		return
	}
	if err == nil && siteAllowsOrigin(site, origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), pageOriginKey{}, origin))
	}
	c.Next()
}

func (s *Server) preflight(c *gin.Context, origin string) {
	sites, err := s.store.Sites(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, site := range sites {
		if siteAllowsOrigin(site, origin) {
			h := c.Writer.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Edit-Token")
			h.Set("Access-Control-Max-Age", "600")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
	}
	s.fail(c, http.StatusForbidden, "origin_not_allowed", "This origin belongs to no site.")
}

// peekSite reads the "site" field of a JSON request body and puts the body
// back, unchanged, for the handler. A body that cannot be read is handed on
// with the same error, so the handler answers it as usual.
func peekSite(r *http.Request) string {
	if r.Body == nil || r.Method == http.MethodGet {
		return ""
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return ""
	}
	body, err := io.ReadAll(r.Body)
	var rest io.Reader = bytes.NewReader(body)
	if err != nil {
		rest = io.MultiReader(rest, errorReader{err})
	}
	r.Body = io.NopCloser(rest)
	var peek struct {
		Site string `json:"site"`
	}
	if json.Unmarshal(body, &peek) != nil {
		return ""
	}
	return peek.Site
}

// errorReader fails every read with err.
type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
