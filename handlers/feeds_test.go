package handlers_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"
)

// parsedFeed is what the test reads back from an Atom document.
type parsedFeed struct {
	ID      string
	Title   string
	Updated string
	Links   []struct{ Rel, Href string }
	Entries []parsedEntry
}

type parsedEntry struct {
	ID, Title, Updated, Published, Author, Content, ContentType, Link string
}

// parseAtom walks an Atom document with xml.Decoder, checking the
// namespace on the way, and collects feed and entry fields.
func parseAtom(t *testing.T, body string) parsedFeed {
	t.Helper()
	const ns = "http://www.w3.org/2005/Atom"
	dec := xml.NewDecoder(strings.NewReader(body))
	var f parsedFeed
	var entry *parsedEntry
	var path []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("feed is not well-formed XML: %v\n%s", err, body)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Space != ns {
				t.Fatalf("element %s outside the Atom namespace", el.Name.Local)
			}
			path = append(path, el.Name.Local)
			attr := func(name string) string {
				for _, a := range el.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			switch strings.Join(path, "/") {
			case "feed/entry":
				f.Entries = append(f.Entries, parsedEntry{})
				entry = &f.Entries[len(f.Entries)-1]
			case "feed/link":
				f.Links = append(f.Links, struct{ Rel, Href string }{attr("rel"), attr("href")})
			case "feed/entry/link":
				entry.Link = attr("href")
			case "feed/entry/content":
				entry.ContentType = attr("type")
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			text := string(el)
			switch strings.Join(path, "/") {
			case "feed/id":
				f.ID += text
			case "feed/title":
				f.Title += text
			case "feed/updated":
				f.Updated += text
			case "feed/entry/id":
				entry.ID += text
			case "feed/entry/title":
				entry.Title += text
			case "feed/entry/updated":
				entry.Updated += text
			case "feed/entry/published":
				entry.Published += text
			case "feed/entry/author/name":
				entry.Author += text
			case "feed/entry/content":
				entry.Content += text
			}
		}
	}
	return f
}

// checkAtom checks what RFC 4287 requires of every feed and entry and
// returns the entries' publication times.
func checkAtom(t *testing.T, f parsedFeed) []time.Time {
	t.Helper()
	if f.ID == "" || f.Title == "" {
		t.Errorf("feed id %q, title %q", f.ID, f.Title)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated: %v", err)
	}
	self := false
	for _, l := range f.Links {
		self = self || l.Rel == "self" && l.Href != ""
	}
	if !self {
		t.Error("no rel=self link")
	}
	ids := map[string]bool{}
	var out []time.Time
	for _, e := range f.Entries {
		if e.ID == "" || ids[e.ID] {
			t.Errorf("entry id %q empty or repeated", e.ID)
		}
		ids[e.ID] = true
		if !strings.HasPrefix(e.ID, "tag:127.0.0.1,") {
			t.Errorf("entry id %q is not a tag URI on the public host", e.ID)
		}
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry updated: %v", err)
		}
		p, err := time.Parse(time.RFC3339, e.Published)
		if err != nil {
			t.Errorf("entry published: %v", err)
		}
		if e.Title == "" || e.ContentType != "html" {
			t.Errorf("entry title %q, content type %q", e.Title, e.ContentType)
		}
		out = append(out, p)
	}
	return out
}

func TestFeedCommentsAtomIsValidAndEscaped(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.setModeration("post")
		first, _ := e.comment("Bob <script>alert(1)</script> & Co", "Hello <script>alert(2)</script> & \"friends\"", 0)
		reply, _ := e.comment("Carol", "A reply", first)
		held, _ := e.comment("Dan", "held one", 0)
		e.setModeration("pre")
		e.comment("Eve", "pending", 0)
		_ = held

		resp := e.get(nil, welcomePage+"/comments.atom")
		wantStatus(t, resp, http.StatusOK)
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/atom+xml" {
			t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
		}
		if strings.Contains(resp.Body, "<script") {
			t.Fatalf("unescaped script in feed:\n%s", resp.Body)
		}
		f := parseAtom(t, resp.Body)
		times := checkAtom(t, f)
		if len(f.Entries) != 3 {
			t.Fatalf("want the 3 approved comments, got %d", len(f.Entries))
		}
		for i := 1; i < len(times); i++ {
			if times[i].After(times[i-1]) {
				t.Errorf("entries not newest first: %v", times)
			}
		}
		var bob parsedEntry
		for _, en := range f.Entries {
			if strings.HasPrefix(en.Author, "Bob") {
				bob = en
			}
			if en.Author == "Eve" {
				t.Error("a held comment is in the feed")
			}
		}
		if bob.Author != "Bob <script>alert(1)</script> & Co" {
			t.Errorf("author = %q", bob.Author)
		}
		if strings.Contains(bob.Content, "<script") || !strings.Contains(bob.Content, "&lt;script&gt;") || !strings.Contains(bob.Content, "&amp;") {
			t.Errorf("content = %q", bob.Content)
		}
		if !strings.HasSuffix(bob.Link, welcomePage+fmt.Sprintf("#comment-%d", first)) || !strings.HasSuffix(f.Entries[0].Link, fmt.Sprintf("#comment-%d", held)) {
			t.Errorf("links %q, %q", bob.Link, f.Entries[0].Link)
		}
		_ = reply

		// A poller with the ETag gets a 304.
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+welcomePage+"/comments.atom", nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		wantStatus(t, e.do(nil, req), http.StatusNotModified)

		site := e.get(nil, "/comments.atom?site=default")
		wantStatus(t, site, http.StatusOK)
		if sf := parseAtom(t, site.Body); len(checkAtom(t, sf)) != 3 || sf.ID != "http://127.0.0.1/comments.atom?site=default" {
			t.Errorf("site feed: id %q, %d entries", sf.ID, len(sf.Entries))
		}
		wantStatus(t, e.get(nil, "/comments.atom"), http.StatusBadRequest)
		wantStatus(t, e.get(nil, "/comments.atom?site=nope"), http.StatusNotFound)
		wantStatus(t, e.get(nil, "/posts/no-such-post/comments.atom"), http.StatusNotFound)
	})
}

func TestFeedPostsAtom(t *testing.T) {
	e := newEnv(t)
	resp := e.get(nil, "/feed.atom")
	wantStatus(t, resp, http.StatusOK)
	f := parseAtom(t, resp.Body)
	checkAtom(t, f)
	if len(f.Entries) != 1 || f.Entries[0].Title != "Welcome" || !strings.HasSuffix(f.Entries[0].Link, welcomePage) {
		t.Fatalf("entries = %+v", f.Entries)
	}
	page := e.get(nil, welcomePage)
	wantContains(t, page.Body, `<link rel="alternate" type="application/atom+xml" title="Posts" href="/feed.atom">`,
		`href="`+welcomePage+`/comments.atom"`)
}
