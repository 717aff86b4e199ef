package importer

import (
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/url"
	"strings"

	"parley/models"
)

// bloggerKind is the category scheme-term prefix that gives an entry's
// kind: post, page, comment, settings or template.
const bloggerKind = "http://schemas.google.com/blogger/2008/kind#"

// ReadBlogger reads a Blogger Atom backup ("archive" export): posts and
// pages become Thread and Post records (drafts only a Post), comments
// become Comments. Settings and template entries are ignored.
//
// Blogger ids such as "tag:blogger.com,1999:blog-1.post-2" or "…page-2"
// are reduced to the item number ("2"), because comments on pages point
// to their page as ".post-N" while the page itself is ".page-N".
func ReadBlogger(r io.Reader, opts Options, emit func(Item) error) (Summary, error) {
	s := newSink(emit)
	d := newDecoder(r)
	err := walkRoot(d, "feed", func(start xml.StartElement) error {
		if !is(start.Name, "entry", nsAtom) {
			return d.Skip()
		}
		ln := line(d)
		n, err := readNode(d, start)
		if err != nil {
			return err
		}
		return bloggerEntry(s, n, ln, opts)
	})
	return s.finish("blogger", err)
}

func bloggerEntry(s *sink, n *node, ln int, opts Options) error {
	kind := ""
	for _, k := range n.kids {
		if is(k.name, "category", nsAtom) && strings.HasPrefix(k.get("term"), bloggerKind) {
			kind = strings.TrimPrefix(k.get("term"), bloggerKind)
			break
		}
	}
	if kind == "" && n.child("in-reply-to", nsThr) != nil {
		kind = "comment"
	}
	switch kind {
	case "post", "page":
		return bloggerPost(s, n, ln, kind, opts)
	case "comment":
		return bloggerComment(s, n, ln, opts)
	}
	s.sum.Ignored++
	return nil
}

func bloggerPost(s *sink, n *node, ln int, kind string, opts Options) error {
	rawID := n.child("id", nsAtom).str()
	id := bloggerID(rawID)
	ref := "blogger " + kind + " " + rawID
	body, err := atomContent(n.child("content", nsAtom))
	if err != nil {
		return s.skipOut(ref, ln, err.Error())
	}
	published, err := parseRFC3339(n.child("published", nsAtom).str())
	if err != nil {
		return s.skipOut(ref, ln, "published: "+err.Error())
	}
	updated, err := parseRFC3339(n.child("updated", nsAtom).str())
	if err != nil {
		updated = published
	}
	draft := strings.EqualFold(n.child("control", nsApp).child("draft", nsApp).str(), "yes")
	title := n.child("title", nsAtom).str()
	alt := linkHref(n, "alternate")
	oldPath := PageKey(alt)
	if alt != "" && oldPath != "" {
		err := s.out(Thread{
			ExternalID: id, Key: opts.key(alt), URL: alt, Title: title, CreatedAt: published,
		})
		if err != nil {
			return err
		}
	}
	return s.out(Post{
		ExternalID: id, Kind: kind, Title: title,
		Slug:     postSlug("", oldPath, title, kind, id),
		OldPath:  oldPath,
		BodyHTML: body, Draft: draft, PublishedAt: published, UpdatedAt: updated,
	})
}

func bloggerComment(s *sink, n *node, ln int, opts Options) error {
	rawID := n.child("id", nsAtom).str()
	ref := "blogger comment " + rawID
	c := Comment{ExternalID: bloggerID(rawID), Type: "comment", Status: models.StatusApproved}

	var problems []string
	irt := n.child("in-reply-to", nsThr)
	c.ThreadExternalID = bloggerID(irt.get("ref"))
	c.ThreadKey = opts.key(irt.get("href"))
	// Without thr:in-reply-to, fall back on the comment's own links:
	// …/feeds/BLOG/POST/comments/default/ID and the permalink.
	if c.ThreadExternalID == "" {
		c.ThreadExternalID = feedPostID(linkHref(n, "self"))
	}
	if c.ThreadKey == "" {
		if u, err := url.Parse(linkHref(n, "alternate")); err == nil && u.Path != "" {
			u.RawQuery, u.Fragment = "", ""
			c.ThreadKey = opts.key(u.String())
		}
	}
	if c.ThreadKey == "" {
		problems = append(problems, "no thr:in-reply-to link to its post")
	}
	if rel := linkHref(n, "related"); rel != "" {
		c.ParentExternalID = lastSegment(rel)
	}
	var err error
	if c.CreatedAt, err = parseRFC3339(n.child("published", nsAtom).str()); err != nil {
		problems = append(problems, "published: "+err.Error())
	}
	body, err := atomContent(n.child("content", nsAtom))
	if err != nil {
		problems = append(problems, err.Error())
	}
	c.BodyHTML = body
	if err == nil && body == "" {
		problems = append(problems, "empty body")
	}
	if len(problems) > 0 {
		return s.skipOut(ref, ln, problems...)
	}
	author := n.child("author", nsAtom)
	c.Author = author.child("name", nsAtom).str()
	c.Email = cleanEmail(author.child("email", nsAtom).str())
	c.Website = author.child("uri", nsAtom).str()
	for _, k := range n.kids {
		if is(k.name, "extendedProperty", nsGD) && k.get("name") == "blogger.contentRemoved" {
			if ok, _ := parseBool(k.get("value")); ok {
				c.Status = models.StatusRemoved
			}
		}
	}
	return s.out(c)
}

// atomContent returns an Atom content element as HTML: type html as is
// (unescaping a second level if the HTML was escaped twice), type text
// escaped. It returns an error for content it cannot turn into HTML.
func atomContent(n *node) (string, error) {
	if n == nil {
		return "", nil
	}
	switch t := strings.ToLower(n.get("type")); t {
	case "", "html", "text/html":
		return strings.TrimSpace(undoubleEscape(n.text)), nil
	case "text", "text/plain":
		return html.EscapeString(strings.TrimSpace(n.text)), nil
	default:
		return "", fmt.Errorf("unsupported content type %q", t)
	}
}

// bloggerID reduces "tag:blogger.com,1999:blog-B.post-N" (or .page-N) to
// N; other ids are returned trimmed.
func bloggerID(raw string) string {
	raw = strings.TrimSpace(raw)
	for _, sep := range []string{".post-", ".page-"} {
		if i := strings.LastIndex(raw, sep); i >= 0 && digits(raw[i+len(sep):]) {
			return raw[i+len(sep):]
		}
	}
	return raw
}

// linkHref returns the href of the entry's first <link> with rel.
func linkHref(n *node, rel string) string {
	for _, k := range n.kids {
		if is(k.name, "link", nsAtom) && k.get("rel") == rel {
			return k.get("href")
		}
	}
	return ""
}

// lastSegment returns the last path segment of a URL.
func lastSegment(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(u.Path, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// feedPostID returns POST from …/feeds/BLOG/POST/comments/default/ID.
func feedPostID(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+4 < len(parts); i++ {
		if parts[i] == "feeds" && parts[i+3] == "comments" && parts[i+4] == "default" {
			return parts[i+2]
		}
	}
	return ""
}
