package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"parley/models"
	"parley/models/importer"
	"parley/models/store"
	"parley/models/store/storetest"
)

// wxr builds a WordPress export of one post whose comments are given as
// wp:comment bodies.
func wxr(link string, comments ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<item><title>Post</title><link>` + link + `</link><wp:post_id>7</wp:post_id><wp:post_name>post</wp:post_name>
<wp:post_type>post</wp:post_type><wp:status>publish</wp:status><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt>
<content:encoded><![CDATA[<p>post</p>]]></content:encoded>
`)
	for _, c := range comments {
		b.WriteString("<wp:comment>" + c + "</wp:comment>\n")
	}
	b.WriteString("</item></channel></rss>\n")
	return b.String()
}

// wpComment is one wp:comment body.
func wpComment(id, parent int, author, body string, extra ...string) string {
	return fmt.Sprintf("<wp:comment_id>%d</wp:comment_id><wp:comment_author><![CDATA[%s]]></wp:comment_author>"+
		"<wp:comment_date_gmt>2020-01-02 03:04:%02d</wp:comment_date_gmt><wp:comment_content><![CDATA[%s]]></wp:comment_content>"+
		"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>%d</wp:comment_parent>%s",
		id, author, id%60, body, parent, strings.Join(extra, ""))
}

func TestImportCleansHostileRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		bootstrapped(t, s)
		hostile := `<p onclick="steal()">hi <script>alert(1)</script><img src=x onerror=alert(2)>` +
			`<a href="javascript:alert(3)">x</a> <a href="https://ok.example/">ok</a><iframe src="https://evil.example/"></iframe></p>`
		src := wxr("https://blog.example/2020/post/",
			wpComment(1, 0, "Mallory", hostile,
				"<wp:comment_author_url>javascript:alert(4)</wp:comment_author_url>",
				"<wp:comment_author_email>not an email</wp:comment_author_email>",
				"<wp:comment_author_IP>999.1.1.1</wp:comment_author_IP>"),
			wpComment(2, 0, strings.Repeat("Long Name ", 20), "<p>fine</p>",
				"<wp:comment_author_url>https://ok.example/"+strings.Repeat("a", 300)+"</wp:comment_author_url>",
				"<wp:comment_author_email>ann@example.com</wp:comment_author_email>",
				"<wp:comment_author_IP>203.0.113.9</wp:comment_author_IP>"),
			wpComment(3, 0, "Empty", "<script>only()</script>"),
		)
		res := importString(t, s, src, importOpts("wordpress", ""))
		if res.Comments != 2 || res.Skipped != 1 || !strings.Contains(res.Skips[0].Reason, "empty body") {
			t.Fatalf("result %+v", res)
		}
		c := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#1")
		for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "<iframe", "<img", "alert(1)"} {
			if strings.Contains(c.HTML, bad) || strings.Contains(c.Body, bad) {
				t.Errorf("imported HTML keeps %q: %s", bad, c.HTML)
			}
		}
		if !strings.Contains(c.HTML, `<a href="https://ok.example/" rel="nofollow ugc noopener noreferrer">ok</a>`) {
			t.Errorf("safe link lost or without rel: %s", c.HTML)
		}
		if c.Website != "" || c.Email != "" || c.IP != "" {
			t.Errorf("bad fields kept: website %q email %q ip %q", c.Website, c.Email, c.IP)
		}
		long := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#2")
		if len([]rune(long.Author)) > 64 || !strings.HasPrefix(long.Author, "Long Name") {
			t.Errorf("author not cut to 64: %q", long.Author)
		}
		if long.Website != "" || long.Email != "ann@example.com" || long.IP != "203.0.113.9" {
			t.Errorf("fields: %+v", long)
		}

		// A page address too long for the column: its page and comment are
		// skipped, the import goes on.
		res = importString(t, s, wxr("https://blog.example/"+strings.Repeat("x", 600), wpComment(1, 0, "A", "hi")), importOpts("wordpress", ""))
		if res.Skipped != 2 || res.Comments != 0 || res.Threads != 0 {
			t.Errorf("long page: %+v", res)
		}
	})
}

// bloggerFeed is a Blogger export whose comments come before their post,
// which nothing in the format forbids.
const bloggerFeed = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0' xmlns:app='http://purl.org/atom/app#'>
<entry><id>tag:blogger.com,1999:blog-1.post-201</id><published>2011-01-02T10:00:00.000+01:00</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
  <content type='html'>First!</content><author><name>A</name></author>
  <thr:in-reply-to href='https://b.example.com/2011/01/hello.html' ref='tag:blogger.com,1999:blog-1.post-100'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-202</id><published>2011-01-03T10:00:00.000+01:00</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
  <content type='html'>Second</content><author><name>B</name></author>
  <thr:in-reply-to href='https://b.example.com/2011/01/hello.html' ref='tag:blogger.com,1999:blog-1.post-100'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-100</id><published>2011-01-01T10:00:00.000+01:00</published>
  <updated>2011-01-05T10:00:00.000+01:00</updated>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
  <title type='text'>Hello</title><content type='html'>&lt;p&gt;post &lt;script&gt;x()&lt;/script&gt;&lt;/p&gt;</content>
  <link rel='alternate' type='text/html' href='https://b.example.com/2011/01/hello.html'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-101</id><published>2011-02-01T10:00:00.000+01:00</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
  <title type='text'>Hello</title><content type='html'>again, same slug</content>
  <link rel='alternate' type='text/html' href='https://b.example.com/2011/02/hello.html'/></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-102</id><published>2011-03-01T10:00:00.000+01:00</published>
  <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
  <app:control><app:draft>yes</app:draft></app:control>
  <title type='text'>Unfinished</title><content type='html'>draft</content></entry>
</feed>`

func TestImportBloggerIntoTheBlog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bootstrapped(t, s)
		opts := importOpts("blogger", "")
		opts.BatchSize = 1 // every record in its own transaction: the merge crosses batches
		res := importString(t, s, bloggerFeed, opts)
		if res.Posts != 3 || res.Comments != 2 || res.Redirects != 2 {
			t.Fatalf("result %+v", res)
		}
		p := wantPost(t, s, "hello", true)
		if p.Count != 2 || strings.Contains(p.BodyHTML, "script") {
			t.Errorf("post: %d comments, html %q", p.Count, p.BodyHTML)
		}
		if _, err := s.Thread(ctx, models.DefaultSiteID, "/2011/01/hello.html"); err == nil {
			t.Error("the thread made for the early comments is still there")
		}
		wantPost(t, s, "hello-2", true)
		wantRedirect(t, s, "/2011/01/hello.html", "/posts/hello")
		wantRedirect(t, s, "/2011/02/hello.html", "/posts/hello-2")
		wantPost(t, s, "unfinished", false)
		checkCounts(t, s)

		again := importString(t, s, bloggerFeed, opts)
		if again.Posts+again.Comments+again.Redirects+again.Threads != 0 || again.Existing != 5 {
			t.Errorf("second run: %+v", again)
		}
	})
}

func TestImportBloggerIntoAnotherSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bootstrapped(t, s)
		res := importString(t, s, bloggerFeed, importOpts("blogger", "oldblog"))
		if res.Sites != 1 || res.Posts != 0 || res.Redirects != 0 || res.Comments != 2 || res.Threads != 2 {
			t.Fatalf("result %+v", res)
		}
		if _, err := s.Site(ctx, "oldblog"); err != nil {
			t.Fatal(err)
		}
		th, err := s.Thread(ctx, "oldblog", "/2011/01/hello.html")
		if err != nil || th.Count != 2 || th.Title != "Hello" {
			t.Fatalf("thread by old path: %+v, %v", th, err)
		}
		if _, err := s.PostBySlug(ctx, "oldblog", "hello"); err == nil {
			t.Error("a comments-only import made a post")
		}
		if _, err := s.Import(ctx, strings.NewReader(bloggerFeed), importOpts("blogger", "Bad Site!")); err == nil {
			t.Error("an invalid site id was accepted")
		}
	})
}

func TestImportMappings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		bootstrapped(t, s)
		m, err := importer.ParseMapping("/2020/=/archive/")
		if err != nil {
			t.Fatal(err)
		}
		importString(t, s, wxr("https://blog.example/2020/post/", wpComment(1, 0, "A", "hi")), importOpts("wordpress", "", m))
		th, err := s.Thread(context.Background(), models.DefaultSiteID, "/archive/post/")
		if err != nil || th.Count != 1 {
			t.Errorf("mapped thread: %+v, %v", th, err)
		}
	})
}

func TestImportBreaksCyclesAndCapsDepth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		bootstrapped(t, s)
		comments := []string{
			wpComment(1, 2, "A", "cycle a"), // 1 → 2 → 1
			wpComment(2, 1, "B", "cycle b"),
			wpComment(3, 3, "C", "its own parent"),
		}
		for i := 10; i < 18; i++ { // a chain 10 ← 11 ← … ← 17, eight levels
			parent := i - 1
			if i == 10 {
				parent = 0
			}
			comments = append(comments, wpComment(i, parent, "D", fmt.Sprintf("level %d", i-10)))
		}
		res := importString(t, s, wxr("https://blog.example/x/", comments...), importOpts("wordpress", ""))
		if res.Comments != 11 {
			t.Fatalf("result %+v", res)
		}
		checkCounts(t, s)
		a := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#1")
		b := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#2")
		if (a.ParentID == nil) == (b.ParentID == nil) {
			t.Errorf("cycle not broken once: a.parent %v, b.parent %v", a.ParentID, b.ParentID)
		}
		if c := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#3"); c.ParentID != nil {
			t.Errorf("self-parent kept: %v", c.ParentID)
		}
		// The site allows 5 levels of replies: deeper ones hang from level 4.
		level4 := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#14")
		for _, id := range []string{"7#15", "7#16", "7#17"} {
			c := importedComment(t, s, models.DefaultSiteID, "wordpress", id)
			if c.Depth != 5 || c.ParentID == nil || *c.ParentID != level4.ID {
				t.Errorf("%s: depth %d parent %v, want 5 under %d", id, c.Depth, c.ParentID, level4.ID)
			}
		}
	})
}

// TestImportInterruptedRunsAgain cuts an export in the middle (as a
// crash would), then imports the whole file: the result is the same as one
// clean import, with every reply linked.
func TestImportInterruptedRunsAgain(t *testing.T) {
	var comments []string
	for i := 1; i <= 40; i++ {
		comments = append(comments, wpComment(i, i/2, "A", fmt.Sprintf("comment %d", i)))
	}
	src := wxr("https://blog.example/x/", comments...)
	cut := strings.Index(src, "<wp:comment_id>30<")

	storetest.Each(t, func(t *testing.T, s *store.Store) {
		bootstrapped(t, s)
		opts := importOpts("wordpress", "")
		opts.BatchSize = 7
		res, err := s.Import(context.Background(), strings.NewReader(src[:cut]), opts)
		if err == nil || res.Comments == 0 {
			t.Fatalf("cut import: %+v, %v", res, err)
		}
		again := importString(t, s, src, opts)
		if res.Comments+again.Comments != 40 || again.Existing != res.Comments+1 || again.Orphans != 0 { // +1: the page
			t.Fatalf("first %+v, then %+v", res, again)
		}
		checkCounts(t, s)
		c := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#25")
		p := importedComment(t, s, models.DefaultSiteID, "wordpress", "7#12")
		if c.ParentID == nil || *c.ParentID != p.ID {
			t.Errorf("reply across the cut: parent %v, want %d", c.ParentID, p.ID)
		}
	})
}

// TestImportCommitsInBatches watches the database from outside while an
// import runs: records become visible batch by batch, not one by one and
// not all at the end.
func TestImportCommitsInBatches(t *testing.T) {
	var comments []string
	for i := 1; i <= 50; i++ {
		comments = append(comments, wpComment(i, 0, "A", fmt.Sprintf("comment %d", i)))
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bootstrapped(t, s)
		opts := importOpts("wordpress", "")
		opts.BatchSize = 10
		seen := map[int]int{} // comments handled → comments visible
		opts.Progress = func(n int) {
			if n == 1 || n == 15 || n == 35 {
				var b strings.Builder
				if err := s.Export(ctx, &b, store.ExportOptions{}); err != nil {
					t.Error(err)
				}
				seen[n] = len(parseDump(t, b.String()).Comments)
			}
		}
		importString(t, s, wxr("https://blog.example/x/", comments...), opts)
		// The batch holds the thread record too, so the first commit comes
		// after nine comments.
		if seen[1] != 0 || seen[15] < 9 || seen[15] >= 15 || seen[35] < 29 || seen[35] >= 35 {
			t.Errorf("visible during the import: %v", seen)
		}
	})
}
