package moderation

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

var (
	// anchorHref finds the href of every <a> element in rendered HTML.
	anchorHref = regexp.MustCompile(`(?is)<a\s(?:[^>]*?\s)?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
	// bareURL finds URLs written out in markdown source.
	bareURL = regexp.MustCompile(`(?i)\b(?:https?://|ftp://|www\.)[^\s<>"'\x60\[\]{}|\\^]+`)
)

// CountLinks returns the number of distinct links in a comment: the
// absolute hrefs of <a> elements in its rendered HTML plus the URLs
// (http://, https://, ftp://, www.) written out in its markdown source.
// A link that appears in both, or several times, counts once; URLs are
// compared without scheme, "www." prefix, trailing slash, percent-encoding
// or case. Fragment-only and relative hrefs (footnotes, same-site links)
// do not count, nor do bare domain names such as "example.com".
func CountLinks(body, htmlText string) int {
	seen := map[string]bool{}
	for _, m := range anchorHref.FindAllStringSubmatch(htmlText, -1) {
		href := strings.TrimSpace(html.UnescapeString(m[1] + m[2] + m[3]))
		if !isAbsolute(href) {
			continue
		}
		seen[linkKey(href)] = true
	}
	if mayHoldBareURL(body) {
		for _, u := range bareURL.FindAllString(body, -1) {
			if u = trimURL(u); u != "" {
				seen[linkKey(u)] = true
			}
		}
	}
	delete(seen, "")
	return len(seen)
}

// mayHoldBareURL reports whether body could hold a match of bareURL, each
// of which contains "://" or "www." (in any case). Most comments hold
// neither, and the regular expression, tried at every position, is slow
// to say so: this is most of the link check's cost.
func mayHoldBareURL(body string) bool {
	if strings.Contains(body, "://") {
		return true
	}
	for i := 3; i < len(body); i++ {
		if body[i] == '.' && strings.EqualFold(body[i-3:i], "www") {
			return true
		}
	}
	return false
}

// isAbsolute reports whether href points off the page: it has a scheme or
// is protocol-relative.
func isAbsolute(href string) bool {
	if strings.HasPrefix(href, "//") {
		return true
	}
	u, err := url.Parse(href)
	return err == nil && u.Scheme != ""
}

// trimURL removes punctuation that ends the sentence rather than the URL,
// and a closing parenthesis or bracket that the URL did not open (as in
// markdown's [text](url)).
func trimURL(u string) string {
	for u != "" {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?*_~'\"", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, ")") > strings.Count(u, "("):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

// linkKey is the form in which two links are compared.
func linkKey(u string) string {
	if s, err := url.PathUnescape(u); err == nil {
		u = s
	}
	u = strings.ToLower(u)
	if i := strings.Index(u, "://"); i >= 0 && i < 10 {
		u = u[i+3:]
	}
	u = strings.TrimPrefix(u, "//")
	u = strings.TrimPrefix(u, "www.")
	return strings.TrimRight(u, "/")
}
