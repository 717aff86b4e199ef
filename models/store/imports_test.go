package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// realExport is one real export file and what importing it must store.
// The numbers come from reading the files (see the importer's tests and
// shared/testdata/imports/SOURCES.md).
type realExport struct {
	format, file string
	shared       bool // AGPL-3.0: read from ../shared, skipped when absent
	threads      int  // new threads (Blogger into the blog: post threads are not counted here)
	posts        int
	redirects    int
	comments     int
	skipped      int
	orphans      int
	statuses     map[models.Status]int
	check        func(t *testing.T, s *store.Store)
}

var realExports = []realExport{
	{
		format: "blogger", file: "blogger/ghost-importer_blogger.xml",
		posts: 5, redirects: 5, comments: 13,
		statuses: map[models.Status]int{models.StatusApproved: 13},
		check:    checkGhostBlogger,
	},
	{
		format: "blogger", file: "blogger/google-blog-converters_blogger-sample2.xml",
		posts: 4, redirects: 4, comments: 3,
		statuses: map[models.Status]int{models.StatusApproved: 3},
		check:    checkGoogleBlogger,
	},
	{
		format: "blogger", file: "blogger/pelican_bloggerexport.xml", shared: true,
		// 2 posts + 2 pages, one of each a draft without an old address.
		posts: 4, redirects: 2, comments: 1,
		statuses: map[models.Status]int{models.StatusApproved: 1},
		check:    checkPelicanBlogger,
	},
	{
		format: "disqus", file: "disqus/isso_disqus.xml",
		threads: 2, comments: 5, skipped: 2,
		statuses: map[models.Status]int{models.StatusApproved: 4, models.StatusRemoved: 1},
		check:    checkIssoDisqus,
	},
	{
		format: "disqus", file: "disqus/remark42_disqus.xml",
		threads: 2, comments: 5, skipped: 1,
		statuses: map[models.Status]int{models.StatusApproved: 4, models.StatusSpam: 1},
		check:    checkRemark42Disqus,
	},
	{
		format: "disqus", file: "disqus/remark42_disqus-deleted-thread.xml",
		threads: 2, comments: 5, skipped: 1,
		statuses: map[models.Status]int{models.StatusApproved: 2, models.StatusRemoved: 2, models.StatusSpam: 1},
	},
	{
		format: "wordpress", file: "wordpress/isso_wordpress.xml",
		threads: 2, comments: 8,
		statuses: map[models.Status]int{models.StatusApproved: 8},
		check:    checkIssoWordPress,
	},
	{
		format: "wordpress", file: "wordpress/pelican_wordpressexport.xml", shared: true,
		// 9 page records, two of them for the same /?p=175.
		threads: 8, comments: 4, orphans: 1,
		statuses: map[models.Status]int{models.StatusApproved: 3, models.StatusRemoved: 1},
		check:    checkPelicanWordPress,
	},
	{
		format: "wordpress", file: "wordpress/google-blog-converters_wordpress-sample2.wxr",
		threads: 4, comments: 3,
		statuses: map[models.Status]int{models.StatusApproved: 3},
		check:    checkGoogleWordPress,
	},
}

// TestImportRealExports imports every real export, checks what was stored,
// then imports it again and checks that nothing changed.
func TestImportRealExports(t *testing.T) {
	for _, tt := range realExports {
		t.Run(tt.file, func(t *testing.T) {
			path := exportPath(t, tt.file, tt.shared)
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				bootstrapped(t, s)
				res := importFile(t, s, path, importOpts(tt.format, ""))
				if res.Threads != tt.threads || res.Posts != tt.posts || res.Redirects != tt.redirects ||
					res.Comments != tt.comments || res.Skipped != tt.skipped || res.Orphans != tt.orphans || res.Existing != 0 {
					t.Errorf("first run: %+v", res)
				}
				for st, n := range tt.statuses {
					if res.Statuses[st] != n {
						t.Errorf("%s: got %d, want %d (%v)", st, res.Statuses[st], n, res.Statuses)
					}
				}
				if len(res.Skips) != tt.skipped {
					t.Errorf("skips listed: %+v", res.Skips)
				}
				for _, sk := range res.Skips {
					if sk.Ref == "" || sk.Reason == "" {
						t.Errorf("skip without ref or reason: %+v", sk)
					}
				}
				checkCounts(t, s)
				if tt.check != nil {
					tt.check(t, s)
				}

				before := takeSnapshot(t, s)
				again := importFile(t, s, path, importOpts(tt.format, ""))
				if again.Threads+again.Posts+again.Comments+again.Redirects+again.Sites != 0 || again.Orphans != 0 ||
					again.Existing < tt.comments+tt.posts {
					t.Errorf("second run stored something: %+v", again)
				}
				if after := takeSnapshot(t, s); after.dump != before.dump {
					t.Errorf("second run changed the database:\n%s", firstDiff(before.dump, after.dump))
				}
			})
		})
	}
}

// checkCounts checks every thread's count against its approved comments
// and every depth against its parent's.
func checkCounts(t *testing.T, s *store.Store) {
	t.Helper()
	d := parseDump(t, takeSnapshot(t, s).dump)
	approved := map[uint]int{}
	byID := map[uint]store.DumpComment{}
	for _, c := range d.Comments {
		byID[c.ID] = c
		if c.Status == models.StatusApproved {
			approved[c.ThreadID]++
		}
	}
	for _, th := range d.Threads {
		if th.Count != approved[th.ID] {
			t.Errorf("thread %s: count %d, approved comments %d", th.Page, th.Count, approved[th.ID])
		}
	}
	for _, c := range d.Comments {
		want := 0
		if c.ParentID != nil {
			p, ok := byID[*c.ParentID]
			if !ok || p.ThreadID != c.ThreadID {
				t.Errorf("comment %d: parent %d missing or on another thread", c.ID, *c.ParentID)
				continue
			}
			want = p.Depth + 1
		}
		if c.Depth != want {
			t.Errorf("comment %d: depth %d, want %d", c.ID, c.Depth, want)
		}
	}
}

// wantInstant checks that a stored time is the instant written in the
// export (with its zone) and is stored as UTC.
func wantInstant(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	w, err := time.Parse(time.RFC3339Nano, want)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(w) {
		t.Errorf("%s: got %s, want the instant %s", what, got.Format(time.RFC3339Nano), want)
	}
	if _, off := got.Zone(); off != 0 {
		t.Errorf("%s: stored with offset %d, want UTC", what, off)
	}
}

func wantPost(t *testing.T, s *store.Store, slug string, published bool) store.PostWithThread {
	t.Helper()
	p, err := s.PostBySlug(context.Background(), models.DefaultSiteID, slug)
	if err != nil {
		t.Fatalf("post %s: %v", slug, err)
	}
	if p.Published != published {
		t.Errorf("post %s: published %v, want %v", slug, p.Published, published)
	}
	return p
}

func wantRedirect(t *testing.T, s *store.Store, from, to string) {
	t.Helper()
	got, err := s.Redirect(context.Background(), models.DefaultSiteID, from)
	if err != nil || got != to {
		t.Errorf("redirect %s: got %q, %v; want %s", from, got, err, to)
	}
}

func checkGhostBlogger(t *testing.T, s *store.Store) {
	page := wantPost(t, s, "feedback", true)
	if page.Title != "Feedback" || page.Count != 13 {
		t.Errorf("page: %q with %d comments", page.Title, page.Count)
	}
	wantPost(t, s, "update-13-released-on-marketplace", true)
	wantRedirect(t, s, "/p/feedback.html", "/posts/feedback")
	c := importedComment(t, s, models.DefaultSiteID, "blogger", "2590917004453448413")
	if c.Author != "Jacob Gable" || c.Website != "http://www.blogger.com/profile/06143537581139815312" || c.Email != "" {
		t.Errorf("author: %q %q %q", c.Author, c.Website, c.Email)
	}
	if th := threadOf(t, s, c); th.Page != "/posts/feedback" || th.PostID == nil || *th.PostID != page.ID {
		t.Errorf("comment thread: %+v", th)
	}
	// Offsets on both sides of a DST change.
	wantInstant(t, "October", importedComment(t, s, models.DefaultSiteID, "blogger", "3958318922264930120").CreatedAt,
		"2010-10-16T22:15:37.489-07:00")
	wantInstant(t, "November", importedComment(t, s, models.DefaultSiteID, "blogger", "8034709203276799748").CreatedAt,
		"2010-11-18T17:49:54.986-08:00")
	body := importedComment(t, s, models.DefaultSiteID, "blogger", "3958318922264930120").HTML
	if !strings.Contains(body, "&#34;cannot load open games&#34;") && !strings.Contains(body, "&quot;cannot load open games&quot;") {
		t.Errorf("double-escaped body: %q", body)
	}
}

func checkGoogleBlogger(t *testing.T, s *store.Store) {
	c := importedComment(t, s, models.DefaultSiteID, "blogger", "8841580313327712653")
	if c.HTML != "Nice picture!!!<br/><br/>I mean <b>NICE</b> picture." {
		t.Errorf("sanitized body: %q", c.HTML)
	}
	wantInstant(t, "comment", c.CreatedAt, "2008-11-11T16:09:00-08:00")
	th := threadOf(t, s, c)
	if th.Page != "/posts/somewhat-brief-history" || th.PostID == nil {
		t.Errorf("thread: %+v", th)
	}
	wantRedirect(t, s, "/blogspot/jjsfavoritethings/2008/04/somewhat-brief-history.html", "/posts/somewhat-brief-history")
	p := wantPost(t, s, "this-about-sums-up-my-life", true)
	if p.Title != "This about sums up my life." || p.PublishedAt == nil {
		t.Fatalf("post: %+v", p.Post)
	}
	wantInstant(t, "published", *p.PublishedAt, "2008-04-15T09:45:00-07:00")
}

func checkPelicanBlogger(t *testing.T, s *store.Store) {
	draft := wantPost(t, s, "black-as-egypts-night", false)
	if draft.PublishedAt != nil {
		t.Errorf("draft has a publication date: %v", draft.PublishedAt)
	}
	wantPost(t, s, "test-page", true)
	c := importedComment(t, s, models.DefaultSiteID, "blogger", "5590533389087749201")
	if c.Author != "Thomas Isidore Noël Sankara" {
		t.Errorf("author: %q", c.Author)
	}
	if th := threadOf(t, s, c); th.Page != "/posts/the-steel-windpipe" {
		t.Errorf("thread: %s", th.Page)
	}
	wantRedirect(t, s, "/2010/11/the-steel-windpipe.html", "/posts/the-steel-windpipe")
}

func checkIssoDisqus(t *testing.T, s *store.Store) {
	ctx := context.Background()
	th, err := s.Thread(ctx, models.DefaultSiteID, "/blog/2013/02/12/redacted/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if c := importedComment(t, s, models.DefaultSiteID, "disqus", "8"); c.ThreadID != th.ID {
		t.Errorf("post 8 on thread %d, want %d", c.ThreadID, th.ID)
	}
	four := importedComment(t, s, models.DefaultSiteID, "disqus", "4")
	if four.Author != "peter" || four.Email != "foo@bar.com" || four.IP != "127.0.0.1" {
		t.Errorf("post 4: %+v", four)
	}
	five := importedComment(t, s, models.DefaultSiteID, "disqus", "5")
	if five.ParentID == nil || *five.ParentID != four.ID || five.Depth != 1 {
		t.Errorf("post 5 parent %v depth %d, want %d", five.ParentID, five.Depth, four.ID)
	}
	// The deleted post 9 stays, removed and empty, for its live reply 11.
	nine := importedComment(t, s, models.DefaultSiteID, "disqus", "9")
	eleven := importedComment(t, s, models.DefaultSiteID, "disqus", "11")
	if nine.Status != models.StatusRemoved || nine.HTML != "" || len(nine.Reasons) == 0 {
		t.Errorf("post 9: %+v", nine)
	}
	if eleven.ParentID == nil || *eleven.ParentID != nine.ID || eleven.Status != models.StatusApproved || eleven.HTML != "<p>Hello, World.</p>" {
		t.Errorf("post 11: %+v", eleven)
	}
	wantInstant(t, "post 11", eleven.CreatedAt, "2013-10-11T06:52:33Z")
}

func checkRemark42Disqus(t *testing.T, s *store.Store) {
	ctx := context.Background()
	closed, err := s.Thread(ctx, models.DefaultSiteID, "/p/2011/03/05/podcast-229/")
	if err != nil || !closed.Closed {
		t.Errorf("closed thread: %+v, %v", closed, err)
	}
	if c := importedComment(t, s, models.DefaultSiteID, "disqus", "299986073"); c.Status != models.StatusSpam {
		t.Errorf("spam: %s", c.Status)
	}
	c := importedComment(t, s, models.DefaultSiteID, "disqus", "299619020")
	if !strings.HasPrefix(c.HTML, "<p>The quick brown fox") || c.Email != "" {
		t.Errorf("post: %+v", c)
	}
}

func checkIssoWordPress(t *testing.T, s *store.Store) {
	parents := map[string]string{"18#7": "18#6", "18#8": "18#7", "18#9": "18#7"}
	for id, parent := range parents {
		c := importedComment(t, s, models.DefaultSiteID, "wordpress", id)
		p := importedComment(t, s, models.DefaultSiteID, "wordpress", parent)
		if c.ParentID == nil || *c.ParentID != p.ID || c.Depth != p.Depth+1 {
			t.Errorf("%s: parent %v depth %d, want %s (%d)", id, c.ParentID, c.Depth, parent, p.ID)
		}
	}
	if c := importedComment(t, s, models.DefaultSiteID, "wordpress", "18#8"); c.Depth != 2 {
		t.Errorf("third level depth %d", c.Depth)
	}
	two := importedComment(t, s, models.DefaultSiteID, "wordpress", "18#2")
	if two.Email != "test@example.org" || two.IP != "::ffff:82.119.20.0" || two.Website != "http://example.tld/" {
		t.Errorf("comment 2: %+v", two)
	}
	if th := threadOf(t, s, importedComment(t, s, models.DefaultSiteID, "wordpress", "/?p=4#11")); th.Page != "/?p=4" {
		t.Errorf("query page key: %s", th.Page)
	}
	wantInstant(t, "comment 10", importedComment(t, s, models.DefaultSiteID, "wordpress", "18#10").CreatedAt, "2022-06-06T02:13:14Z")
}

func checkPelicanWordPress(t *testing.T, s *store.Store) {
	reply := importedComment(t, s, models.DefaultSiteID, "wordpress", "422#117")
	parent := importedComment(t, s, models.DefaultSiteID, "wordpress", "422#116")
	if reply.ParentID == nil || *reply.ParentID != parent.ID {
		t.Errorf("reply 117: parent %v, want %d", reply.ParentID, parent.ID)
	}
	if orphan := importedComment(t, s, models.DefaultSiteID, "wordpress", "422#122"); orphan.ParentID != nil || orphan.Depth != 0 {
		t.Errorf("orphan reply: %+v", orphan)
	}
	if c := importedComment(t, s, models.DefaultSiteID, "wordpress", "422#156"); c.Status != models.StatusRemoved {
		t.Errorf("trashed pingback: %s", c.Status)
	}
	wantInstant(t, "comment 116", parent.CreatedAt, "2012-05-06T20:46:06Z")
	if _, err := s.PostBySlug(context.Background(), models.DefaultSiteID, "with-comments"); err == nil {
		t.Error("a WordPress import made a Parley post")
	}
}

func checkGoogleWordPress(t *testing.T, s *store.Store) {
	c := importedComment(t, s, models.DefaultSiteID, "wordpress", "1#459")
	if c.HTML != "Nice picture!!!<br/><br/>I mean <b>NICE</b> picture." {
		t.Errorf("body: %q", c.HTML)
	}
	wantInstant(t, "comment 460", importedComment(t, s, models.DefaultSiteID, "wordpress", "4#460").CreatedAt, "2008-11-11T16:10:00Z")
}

// firstDiff shows where two texts part.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("one is longer: %d vs %d lines", len(al), len(bl))
}
