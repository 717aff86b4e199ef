package importer

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// newDecoder returns a lenient decoder: exports in the wild have unquoted
// attributes, undeclared prefixes and stray bytes before the prolog.
// Undeclared prefixes are kept as the element's Space (e.g. "app"), which
// the name matchers below accept next to the namespace URI.
func newDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	d.Strict = false
	d.CharsetReader = charsetReader
	return d
}

// charsetReader accepts the encodings old exports declare besides UTF-8.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

// latin1Reader converts ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r   *bufio.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.buf) < len(p) {
		c, err := l.r.ReadByte()
		if err != nil {
			if len(l.buf) > 0 {
				break
			}
			return 0, err
		}
		l.buf = append(l.buf, string(rune(c))...)
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

// ns tells whether an element's namespace is an accepted one. An element
// without a namespace is always accepted.
type ns []string

// Namespaces of the formats, each with its usual prefix for files that
// use the prefix without declaring it.
var (
	nsAtom    = ns{"http://www.w3.org/2005/Atom"}
	nsThr     = ns{"http://purl.org/syndication/thread/1.0", "thr"}
	nsApp     = ns{"http://www.w3.org/2007/app", "http://purl.org/atom/app#", "app"}
	nsGD      = ns{"http://schemas.google.com/g/2005", "gd"}
	nsContent = ns{"http://purl.org/rss/1.0/modules/content/", "content"}
	nsDisqus  = ns{"http://disqus.com"}
	nsNone    = ns{}
)

// is reports whether name has the local name local and an accepted
// namespace (or none).
func is(name xml.Name, local string, spaces ns) bool {
	if name.Local != local {
		return false
	}
	if name.Space == "" {
		return true
	}
	for _, s := range spaces {
		if name.Space == s {
			return true
		}
	}
	return false
}

// isWP matches WordPress's wp: elements of any WXR version.
func isWP(name xml.Name, local string) bool {
	if name.Local != local {
		return false
	}
	s := name.Space
	return s == "" || s == "wp" ||
		strings.Contains(s, "wordpress.org/export/") && !strings.Contains(s, "excerpt")
}

// node is one element read whole: a Blogger entry, a Disqus record or a
// WordPress comment.
type node struct {
	name xml.Name
	attr []xml.Attr
	text string // the element's own character data, not its children's
	kids []*node
}

// readNode reads the element that start opened, up to its end tag.
func readNode(d *xml.Decoder, start xml.StartElement) (*node, error) {
	n := &node{name: start.Name, attr: start.Attr}
	var sb strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			k, err := readNode(d, t)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, k)
		case xml.CharData:
			sb.Write(t)
		case xml.EndElement:
			n.text = sb.String()
			return n, nil
		}
	}
}

// child returns the first child element with the local name and an
// accepted namespace, or nil. It is safe on a nil node.
func (n *node) child(local string, spaces ns) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if is(k.name, local, spaces) {
			return k
		}
	}
	return nil
}

// str returns the node's trimmed text, or "" for a nil node.
func (n *node) str() string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text)
}

// get returns an attribute by local name, whatever its namespace.
func (n *node) get(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attr {
		if a.Name.Local == local {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// eachChild calls fn for every child element of the element being read,
// until that element's end tag. fn must consume the child (readNode or
// d.Skip).
func eachChild(d *xml.Decoder, fn func(xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// walkRoot finds the root element, checks its local name, and calls fn for
// each of its children. Anything after the root's end tag is ignored.
func walkRoot(d *xml.Decoder, want string, fn func(xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("no <%s> element: the file is empty or not XML", want)
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != want {
				return fmt.Errorf("root element is <%s>, want <%s>", se.Name.Local, want)
			}
			return eachChild(d, fn)
		}
	}
}

// emitError marks an error returned by the caller's emit so that it is
// passed through unchanged.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }
func (e emitError) Unwrap() error { return e.err }

// parseBool parses an export's boolean; empty means false.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	}
	return false, fmt.Errorf("%q is not a boolean", s)
}

// parseRFC3339 parses an Atom/Disqus date, keeping its offset.
func parseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date", strings.TrimSpace(s))
	}
	return t, nil
}

// placeholderEmails are addresses exports put where the real one is
// unknown.
var placeholderEmails = map[string]bool{
	"noreply@blogger.com":   true,
	"no-reply@blogger.com":  true,
	"anonymous@blogger.com": true,
}

// cleanEmail trims an address and drops placeholders.
func cleanEmail(s string) string {
	s = strings.TrimSpace(s)
	if placeholderEmails[strings.ToLower(s)] {
		return ""
	}
	return s
}

var (
	rawTag     = regexp.MustCompile(`<[a-zA-Z/!]`)
	escapedTag = regexp.MustCompile(`(?i)&lt;/?[a-z][a-z0-9]*(\s|/|&gt;)`)
)

// undoubleEscape unescapes one more level of HTML when s holds escaped
// markup (&lt;b&gt;) and no real tag, i.e. the HTML was escaped twice.
// Entities in otherwise valid HTML (&quot;, &#39;) are left alone: they
// are correct HTML and the sanitizer keeps them.
func undoubleEscape(s string) string {
	if rawTag.MatchString(s) || !escapedTag.MatchString(s) {
		return s
	}
	return html.UnescapeString(s)
}

// isLetterOrDigit is unicode.IsLetter || unicode.IsDigit.
func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// line returns the decoder's current line.
func line(d *xml.Decoder) int {
	l, _ := d.InputPos()
	return l
}

// digits reports whether s is a non-empty string of ASCII digits.
func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
