package importer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parley/models"
)

const brokenDisqus = `<?xml version="1.0"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1"><link>https://example.com/a/?x=1#top</link><title>A</title>
    <createdAt>not a date</createdAt><isClosed>maybe</isClosed></thread>
  <thread><link>https://example.com/no-id</link></thread>
  <thread dsq:id="2"><link>   </link></thread>
  <post dsq:id="10"><message>no thread</message><createdAt>2020-01-01T00:00:00Z</createdAt></post>
  <post dsq:id="11"><message>  </message><createdAt>2020-01-01T00:00:00Z</createdAt><thread dsq:id="1"/></post>
  <post dsq:id="12"><message>on a skipped thread</message><createdAt>2020-01-01T00:00:00Z</createdAt><thread dsq:id="2"/></post>
  <post dsq:id="13"><message>late thread</message><createdAt>2020-01-01T00:00:00Z</createdAt><thread dsq:id="3"/></post>
  <post dsq:id="14"><message>ok</message><createdAt>2020-01-01T10:00:00+02:00</createdAt>
    <isDeleted>false</isDeleted><isSpam>true</isSpam><thread dsq:id="1"/><parent dsq:id="99"/>
    <author><username>bob</username><isAnonymous>yes</isAnonymous></author></post>
  <thread dsq:id="3"><link>https://example.com/c</link></thread>
  <post dsq:id="15"><message>ok</message><createdAt>2020-01-02T00:00:00Z</createdAt><thread dsq:id="3"/></post>
</disqus>`

func TestBrokenDisqusRecords(t *testing.T) {
	r := readString(t, "disqus", brokenDisqus, Options{})
	if r.sum.Threads != 2 || r.sum.Comments != 2 {
		t.Fatalf("summary %+v", r.sum)
	}
	wantSkips(t, r, map[string]string{
		"disqus thread without dsq:id": "no dsq:id",
		"disqus thread 2":              "no <link>",
		"disqus post 10":               "no <thread dsq:id> reference",
		"disqus post 11":               "empty message",
		"disqus post 12":               "thread 2 was skipped: no <link>",
		"disqus post 13":               "unknown thread 3", // its thread comes after it
	})
	th := r.thread(t, "1")
	if th.Key != "/a/?x=1" || !th.CreatedAt.IsZero() || th.Closed {
		t.Errorf("lenient thread fields: %+v", th)
	}
	c := r.comment(t, "14")
	if c.Status != models.StatusSpam || c.ParentExternalID != "99" || c.Author != "bob" || !c.Anonymous {
		t.Errorf("post 14: %+v", c)
	}
	wantTime(t, "post 14", c.CreatedAt, "2020-01-01T10:00:00+02:00")
}

const brokenWordPress = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>x</title><link>https://example.com</link>
  <item>
    <title>P</title><link>https://example.com/p/</link>
    <wp:post_id>5</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status>
    <wp:post_date>2020-06-01 12:00:00</wp:post_date><wp:post_date_gmt>2020-06-01 10:00:00</wp:post_date_gmt>
    <wp:comment_status>closed</wp:comment_status>
    <content:encoded><![CDATA[<p>body</p>]]></content:encoded>
    <excerpt:encoded><![CDATA[not the body]]></excerpt:encoded>
    <wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content></wp:comment_content>
      <wp:comment_date_gmt>2020-06-01 10:00:00</wp:comment_date_gmt><wp:comment_approved>1</wp:comment_approved></wp:comment>
    <wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_content>no date</wp:comment_content>
      <wp:comment_date_gmt>0000-00-00 00:00:00</wp:comment_date_gmt><wp:comment_approved>0</wp:comment_approved></wp:comment>
    <wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_content>local only</wp:comment_content>
      <wp:comment_date>2020-06-02 08:00:00</wp:comment_date><wp:comment_date_gmt>0000-00-00 00:00:00</wp:comment_date_gmt>
      <wp:comment_approved>spam</wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
    <wp:comment><wp:comment_id>4</wp:comment_id><wp:comment_content></wp:comment_content>
      <wp:comment_date_gmt>2020-06-03 10:00:00</wp:comment_date_gmt><wp:comment_approved>trash</wp:comment_approved>
      <wp:comment_parent>3</wp:comment_parent></wp:comment>
    <wp:comment><wp:comment_id>6</wp:comment_id><wp:comment_content>held</wp:comment_content>
      <wp:comment_date_gmt>2020-06-03 11:00:00</wp:comment_date_gmt><wp:comment_approved>0</wp:comment_approved>
      <wp:comment_type>trackback</wp:comment_type></wp:comment>
  </item>
  <item>
    <title>No link</title><wp:post_type>attachment</wp:post_type>
    <wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_content>lost</wp:comment_content>
      <wp:comment_date_gmt>2020-06-01 10:00:00</wp:comment_date_gmt></wp:comment>
  </item>
</channel>
</rss>`

func TestBrokenWordPressRecords(t *testing.T) {
	r := readString(t, "wordpress", brokenWordPress, Options{})
	if r.sum.Threads != 1 || r.sum.Posts != 1 || r.sum.Comments != 3 {
		t.Fatalf("summary %+v", r.sum)
	}
	wantSkips(t, r, map[string]string{
		"wordpress comment 5#1": "empty comment_content",
		"wordpress comment 5#2": "no valid comment_date_gmt or comment_date",
		"wordpress comment #5":  "its item has no usable <link>",
	})
	if th := r.thread(t, "5"); !th.Closed || th.Key != "/p/" {
		t.Errorf("thread: %+v", th)
	}
	if p := r.post(t, "5"); p.BodyHTML != "<p>body</p>" || p.Slug != "p" {
		t.Errorf("post body must be content:encoded, not the undeclared excerpt: %+v", p)
	}
	// Local date at the item's offset (post_date − post_date_gmt = +2h).
	c := r.comment(t, "5#3")
	wantTime(t, "local-only date", c.CreatedAt, "2020-06-02T08:00:00+02:00")
	if c.Status != models.StatusSpam || c.ParentExternalID != "" {
		t.Errorf("comment 3: %+v", c)
	}
	// A trashed comment with no content is kept, removed, for the tree.
	if c := r.comment(t, "5#4"); c.Status != models.StatusRemoved || c.ParentExternalID != "5#3" {
		t.Errorf("comment 4: %+v", c)
	}
	if c := r.comment(t, "5#6"); c.Status != models.StatusPending || c.Type != "trackback" {
		t.Errorf("comment 6: %+v", c)
	}

	// An explicit site zone wins over the item's offset.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	r = readString(t, "wordpress", brokenWordPress, Options{Location: ny})
	wantTime(t, "date in Options.Location", r.comment(t, "5#3").CreatedAt, "2020-06-02T08:00:00-04:00")
}

const brokenBlogger = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0' xmlns:gd='http://schemas.google.com/g/2005'>
<entry><id>tag:blogger.com,1999:blog-1.post-100</id><published>2011-01-01T10:00:00.000+01:00</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
  <title type='text'>Hello</title><content type='html'>&lt;p&gt;post&lt;/p&gt;</content>
  <link rel='alternate' type='text/html' href='https://b.example.com/2011/01/hello.html'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-201</id><published>2011-01-02T10:00:00.000+01:00</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
  <content type='html'>&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt; &amp;amp;amp; more</content>
  <author><name>A</name><email>a@example.com</email></author>
  <thr:in-reply-to href='https://b.example.com/2011/01/hello.html' ref='tag:blogger.com,1999:blog-1.post-100'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-202</id><published>2011-01-03T10:00:00.000+01:00</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
  <content type='html'>This comment has been removed by the author.</content>
  <link rel='related' href='https://www.blogger.com/feeds/1/100/comments/default/201'/>
  <gd:extendedProperty name='blogger.contentRemoved' value='true'/>
  <thr:in-reply-to href='https://b.example.com/2011/01/hello.html' ref='tag:blogger.com,1999:blog-1.post-100'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-203</id><published>yesterday</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
  <content type='html'></content></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-204</id><published>2011-01-04T10:00:00Z</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
  <content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>x</div></content>
  <thr:in-reply-to href='https://b.example.com/2011/01/hello.html' ref='tag:blogger.com,1999:blog-1.post-100'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-205</id><published>2011-01-05T10:00:00Z</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
  <content type='text'>1 &lt; 2</content>
  <link rel='self' href='https://www.blogger.com/feeds/1/100/comments/default/205'/>
  <link rel='alternate' href='https://b.example.com/2011/01/hello.html?showComment=1#c205'/></entry>
</feed>`

func TestBrokenBloggerRecords(t *testing.T) {
	r := readString(t, "blogger", brokenBlogger, Options{})
	if r.sum.Threads != 1 || r.sum.Posts != 1 || r.sum.Comments != 3 {
		t.Fatalf("summary %+v, skips %+v", r.sum, r.skips)
	}
	wantSkips(t, r, map[string]string{
		"blogger comment tag:blogger.com,1999:blog-1.post-203": "no thr:in-reply-to",
		"blogger comment tag:blogger.com,1999:blog-1.post-204": `unsupported content type "xhtml"`,
	})
	if !strings.Contains(r.skips[0].Reason, "published") || !strings.Contains(r.skips[0].Reason, "empty body") {
		t.Errorf("all problems in the reason: %q", r.skips[0].Reason)
	}
	// Escaped twice: one more level is unescaped, once only.
	c := r.comment(t, "201")
	if c.BodyHTML != "<b>bold</b> &amp; more" || c.ThreadExternalID != "100" || c.Email != "a@example.com" {
		t.Errorf("double-escaped comment: %+v", c)
	}
	if c := r.comment(t, "202"); c.Status != models.StatusRemoved || c.ParentExternalID != "201" {
		t.Errorf("removed reply: %+v", c)
	}
	// No thr:in-reply-to: thread from the self link and the permalink.
	c = r.comment(t, "205")
	if c.ThreadExternalID != "100" || c.ThreadKey != "/2011/01/hello.html" || c.BodyHTML != "1 &lt; 2" {
		t.Errorf("fallback comment: %+v", c)
	}
	if p := r.post(t, "100"); p.BodyHTML != "<p>post</p>" || p.Slug != "hello" {
		t.Errorf("post: %+v", p)
	}
}

func TestUnreadableFiles(t *testing.T) {
	tests := []struct {
		name, format, src, want string
	}{
		{"empty", "disqus", "", "empty or not XML"},
		{"binary", "wordpress", "\x00\x01\x02PK", "illegal character"},
		{"wrong root", "disqus", `<rss><channel/></rss>`, "root element is <rss>, want <disqus>"},
		{"wrong format", "blogger", brokenDisqus, "root element is <disqus>, want <feed>"},
		{"truncated disqus", "disqus", brokenDisqus[:len(brokenDisqus)/2], "unexpected EOF"},
		{"truncated wordpress", "wordpress", brokenWordPress[:len(brokenWordPress)-40], "unexpected EOF"},
		{"truncated blogger", "blogger", brokenBlogger[:300], "unexpected EOF"},
		{"bad encoding", "blogger", `<?xml version="1.0" encoding="EBCDIC"?><feed/>`, "EBCDIC"},
		{"unknown format", "typepad", `<x/>`, "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(tt.format, strings.NewReader(tt.src), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.format != "typepad" && !strings.HasPrefix(err.Error(), "importer: "+tt.format+": ") {
				t.Errorf("error without context: %v", err)
			}
		})
	}
	// Records before the damage are still emitted.
	r, err := read("disqus", strings.NewReader(brokenDisqus[:len(brokenDisqus)/2]), Options{})
	if err == nil || len(r.threads) == 0 {
		t.Errorf("partial read: %v, %+v", err, r.sum)
	}
}

func TestLatin1(t *testing.T) {
	src := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><disqus><thread dsq:id=\"1\"><link>http://x/caf\xe9</link><title>Caf\xe9</title></thread></disqus>"
	r := readString(t, "disqus", src, Options{})
	if th := r.thread(t, "1"); th.Title != "Café" || th.Key != "/caf%C3%A9" {
		t.Errorf("latin-1: %+v", th)
	}
}

func TestEmitErrorStopsTheRead(t *testing.T) {
	stop := errors.New("disk full")
	for _, tt := range []struct{ format, src string }{
		{"disqus", brokenDisqus}, {"wordpress", brokenWordPress}, {"blogger", brokenBlogger},
	} {
		n := 0
		sum, err := Read(tt.format, strings.NewReader(tt.src), Options{}, func(Item) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || !strings.HasPrefix(err.Error(), "importer: "+tt.format+": disk full") {
			t.Errorf("%s: error %v", tt.format, err)
		}
		if n != 2 || sum.Threads+sum.Posts+sum.Comments+sum.Skipped != 2 {
			t.Errorf("%s: read went on after the error: %d items, %+v", tt.format, n, sum)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"Blogger": FormatBlogger, " disqus ": FormatDisqus, "WXR": FormatWordPress, "wordpress": FormatWordPress} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("json"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
	if len(Formats()) != 3 {
		t.Errorf("Formats() = %v", Formats())
	}
}
