package store

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Column sizes of the models, applied to imported records so that both
// databases store the same thing (SQLite would not enforce them).
const (
	importMaxAuthor     = 64
	importMaxEmail      = 254
	importMaxWebsite    = 200
	importMaxIP         = 64
	importMaxUserAgent  = 400
	importMaxTitle      = 300
	importMaxSlug       = 200
	importMaxPage       = 500
	importMaxURL        = 1000
	importMaxExternalID = 200
	importMaxSource     = 16
	// importMaxHTML bounds one imported body after sanitizing; bigger
	// records are skipped, never cut (cutting HTML breaks it).
	importMaxHTML = 256 << 10
)

// importClip returns s as valid UTF-8 without control characters, trimmed,
// and at most n characters long.
func importClip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}

// importEmail keeps an address that fits the column and looks like one.
func importEmail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > importMaxEmail || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsSpace) {
		return ""
	}
	if at := strings.LastIndexByte(s, '@'); at <= 0 || at == len(s)-1 {
		return ""
	}
	return s
}

// importWebsite keeps an absolute http(s) URL that fits the column; anything
// else (relative, javascript:, too long) is dropped.
func importWebsite(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > importMaxWebsite || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsSpace) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// importIP keeps a parseable IP address in its canonical form.
func importIP(s string) string {
	addr, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	if out := addr.String(); len(out) <= importMaxIP {
		return out
	}
	return ""
}

// importExternalID returns id as it is stored: unchanged when it fits the
// column, else a stable hash of it, so that replies still find it.
func importExternalID(id string) string {
	if len(id) <= importMaxExternalID && utf8.ValidString(id) {
		return id
	}
	return "h:" + importHash(id)
}

// importHash is a short stable digest of parts.
func importHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// importSlug keeps a slug that is safe as one path segment, else builds
// one from the record's kind and id.
func importSlug(slug, kind, id string) string {
	slug = strings.TrimSpace(slug)
	ok := slug != "" && slug != "." && slug != ".." && utf8.ValidString(slug) &&
		utf8.RuneCountInString(slug) <= importMaxSlug-8 && // room for a "-2" suffix
		!strings.ContainsFunc(slug, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`/\?#%"'<>&`, r)
		})
	if ok {
		return slug
	}
	if kind == "" {
		kind = "post"
	}
	return importClip(kind+"-"+importExternalID(id), importMaxSlug-8)
}
