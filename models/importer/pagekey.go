package importer

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// PageKey returns the thread key of a page URL: its path plus "?query" if
// it has one. Scheme, host, user info and fragment are dropped, so the http
// and https (or www and bare) variants of a page meet. The path's
// percent-encoding is normalized (%e2 and %E2 give the same key), and an
// empty path becomes "/". PageKey returns "" for an empty or unparsable
// URL.
func PageKey(rawURL string) string {
	raw := strings.TrimSpace(rawURL)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Opaque != "" { // "mailto:x", "host:8080/x" without scheme slashes
		return ""
	}
	p := (&url.URL{Path: u.Path}).EscapedPath()
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// Mapping rewrites page keys that start with Old to start with New
// instead, e.g. to move comments when the site's URL layout changed.
type Mapping struct {
	Old, New string
}

// ParseMapping parses "old=new", the form of a --map flag. Both sides are
// page-key prefixes and must start with "/". The prefix match is a plain
// string match: end Old with "/" to match whole path segments only.
func ParseMapping(s string) (Mapping, error) {
	old, repl, ok := strings.Cut(s, "=")
	old, repl = strings.TrimSpace(old), strings.TrimSpace(repl)
	switch {
	case !ok:
		return Mapping{}, fmt.Errorf("importer: mapping %q: want old=new", s)
	case !strings.HasPrefix(old, "/"):
		return Mapping{}, fmt.Errorf("importer: mapping %q: old prefix must start with /", s)
	case !strings.HasPrefix(repl, "/"):
		return Mapping{}, fmt.Errorf("importer: mapping %q: new prefix must start with /", s)
	}
	return Mapping{Old: old, New: repl}, nil
}

// String returns the mapping in its "old=new" form.
func (m Mapping) String() string { return m.Old + "=" + m.New }

// ApplyMappings rewrites key with the first mapping whose Old is a prefix
// of it; a key that no mapping matches is returned unchanged.
func ApplyMappings(key string, maps []Mapping) string {
	for _, m := range maps {
		if strings.HasPrefix(key, m.Old) {
			k := m.New + key[len(m.Old):]
			if k == "" {
				k = "/"
			}
			return k
		}
	}
	return key
}

// slugFromPath returns the last segment of a page key's path without a
// ".html"/".htm"/".php" extension: "/2010/05/my-title.html" → "my-title".
// Keys with a query ("/?p=4") have no slug.
func slugFromPath(key string) string {
	if key == "" || strings.Contains(key, "?") {
		return ""
	}
	seg := path.Base(strings.TrimRight(key, "/"))
	if seg == "/" || seg == "." {
		return ""
	}
	for _, ext := range []string{".html", ".htm", ".php"} {
		seg = strings.TrimSuffix(seg, ext)
	}
	if s, err := url.PathUnescape(seg); err == nil {
		seg = s
	}
	return seg
}

// slugify makes a slug of a title: lower-case letters and digits joined by
// single dashes. It returns "" when nothing is left.
func slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r == '\'' || r == '’':
			// "Egypt's" → "egypts"
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f && isLetterOrDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
}

// postSlug picks a post's slug: the explicit one, else the old path's last
// segment, else the title, else kind-id.
func postSlug(explicit, oldPath, title, kind, id string) string {
	if explicit != "" {
		if s, err := url.PathUnescape(explicit); err == nil {
			explicit = s
		}
		return explicit
	}
	if s := slugFromPath(oldPath); s != "" {
		return s
	}
	if s := slugify(title); s != "" {
		return s
	}
	return kind + "-" + id
}
