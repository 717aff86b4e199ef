package importer

import (
	"html"
	"strings"
	"testing"
	"time"

	"parley/models"
)

// The expected numbers below come from reading the files (see SOURCES.md
// and testdata/NOTICE.md), not from this reader's output.
func TestRealExports(t *testing.T) {
	tests := []struct {
		format, file string
		shared       bool // AGPL-3.0: read from ../shared, skipped when absent
		threads      int
		posts        int
		comments     int
		skipped      int
		ignored      int
		statuses     map[models.Status]int
		check        func(t *testing.T, r *result)
	}{
		{
			format: "blogger", file: "blogger/ghost-importer_blogger.xml",
			// 4 posts + 1 page, 13 comments all on the page; 57 settings + 1 template.
			threads: 5, posts: 5, comments: 13, ignored: 58,
			statuses: map[models.Status]int{models.StatusApproved: 13},
			check:    checkGhostBlogger,
		},
		{
			format: "blogger", file: "blogger/google-blog-converters_blogger-sample2.xml",
			// 4 posts, 3 comments; 47 settings + 1 template.
			threads: 4, posts: 4, comments: 3, ignored: 48,
			statuses: map[models.Status]int{models.StatusApproved: 3},
			check:    checkGoogleBlogger,
		},
		{
			format: "blogger", file: "blogger/pelican_bloggerexport.xml", shared: true,
			// 2 posts + 2 pages, one of each a draft (no thread); 58 settings + 1 template.
			threads: 2, posts: 4, comments: 1, ignored: 59,
			statuses: map[models.Status]int{models.StatusApproved: 1},
			check:    checkPelicanBlogger,
		},
		{
			format: "disqus", file: "disqus/isso_disqus.xml",
			// threads 2 and 7 (3 has no link: skipped); posts 4 5 8 9 11 (6 is
			// on the missing thread 1337: skipped); 1 category.
			threads: 2, comments: 5, skipped: 2, ignored: 1,
			statuses: map[models.Status]int{models.StatusApproved: 4, models.StatusRemoved: 1},
			check:    checkIssoDisqus,
		},
		{
			format: "disqus", file: "disqus/remark42_disqus.xml",
			// 6 posts: 4 good, 1 spam, 1 broken (bad date, isSpam 123).
			threads: 2, comments: 5, skipped: 1, ignored: 1,
			statuses: map[models.Status]int{models.StatusApproved: 4, models.StatusSpam: 1},
			check:    checkRemark42Disqus,
		},
		{
			format: "disqus", file: "disqus/remark42_disqus-deleted-thread.xml",
			// thread 247937687 deleted: its 2 good posts removed, its spam stays spam.
			threads: 2, comments: 5, skipped: 1, ignored: 1,
			statuses: map[models.Status]int{models.StatusApproved: 2, models.StatusRemoved: 2, models.StatusSpam: 1},
			check:    checkRemark42DeletedThread,
		},
		{
			format: "wordpress", file: "wordpress/isso_wordpress.xml",
			// item 1: post with 7 comments; item 2: no post_type, 1 comment;
			// item 3: nothing (ignored).
			threads: 2, posts: 1, comments: 8, ignored: 1,
			statuses: map[models.Status]int{models.StatusApproved: 8},
			check:    checkIssoWordPress,
		},
		{
			format: "wordpress", file: "wordpress/pelican_wordpressexport.xml", shared: true,
			// 11 posts (4 drafts) + 2 pages; threads for the 9 published ones;
			// 4 attachments + 3 custom-type items ignored.
			threads: 9, posts: 13, comments: 4, ignored: 7,
			statuses: map[models.Status]int{models.StatusApproved: 3, models.StatusRemoved: 1},
			check:    checkPelicanWordPress,
		},
		{
			format: "wordpress", file: "wordpress/google-blog-converters_wordpress-sample2.wxr",
			// 6 post_type=draft + 4 posts; 1 attachment ignored.
			threads: 4, posts: 10, comments: 3, ignored: 1,
			statuses: map[models.Status]int{models.StatusApproved: 3},
			check:    checkGoogleWordPress,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := openExport(t, tt.file, tt.shared)
			r, err := read(tt.format, f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := r.sum
			if s.Threads != tt.threads || s.Posts != tt.posts || s.Comments != tt.comments ||
				s.Skipped != tt.skipped || s.Ignored != tt.ignored {
				t.Errorf("got threads/posts/comments/skipped/ignored %d/%d/%d/%d/%d, want %d/%d/%d/%d/%d; skips %+v",
					s.Threads, s.Posts, s.Comments, s.Skipped, s.Ignored,
					tt.threads, tt.posts, tt.comments, tt.skipped, tt.ignored, r.skips)
			}
			if len(r.threads) != s.Threads || len(r.comments) != s.Comments || len(r.skips) != s.Skipped {
				t.Errorf("summary %+v does not match the items emitted", s)
			}
			for st, n := range tt.statuses {
				if s.Statuses[st] != n {
					t.Errorf("%s comments: got %d, want %d (all: %v)", st, s.Statuses[st], n, s.Statuses)
				}
			}
			for _, c := range r.comments {
				if c.ThreadKey == "" || !strings.HasPrefix(c.ThreadKey, "/") {
					t.Errorf("comment %s: bad thread key %q", c.ExternalID, c.ThreadKey)
				}
				if c.BodyHTML == "" && c.Status != models.StatusRemoved {
					t.Errorf("comment %s: empty body but %s", c.ExternalID, c.Status)
				}
				if c.CreatedAt.IsZero() {
					t.Errorf("comment %s: no date", c.ExternalID)
				}
			}
			tt.check(t, r)
		})
	}
}

// wantTime checks an instant and its zone offset.
func wantTime(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	w, err := time.Parse(time.RFC3339Nano, want)
	if err != nil {
		t.Fatal(err)
	}
	_, gotOff := got.Zone()
	_, wantOff := w.Zone()
	if !got.Equal(w) || gotOff != wantOff {
		t.Errorf("%s: got %s, want %s", what, got.Format(time.RFC3339Nano), want)
	}
}

func checkGhostBlogger(t *testing.T, r *result) {
	page := r.post(t, "1099408231173381423") // tag:…page-1099408231173381423
	if page.Kind != "page" || page.Slug != "feedback" || page.OldPath != "/p/feedback.html" || page.Draft {
		t.Errorf("page: %+v", page)
	}
	if th := r.thread(t, "1099408231173381423"); th.Key != "/p/feedback.html" || th.Title != "Feedback" {
		t.Errorf("page thread: %+v", th)
	}
	if p := r.post(t, "2544502800320433121"); p.Slug != "update-13-released-on-marketplace" || p.Kind != "post" {
		t.Errorf("post: %+v", p)
	}
	anon := 0
	for _, c := range r.comments {
		// The comments point at the page as "…post-1099408231173381423".
		if c.ThreadExternalID != "1099408231173381423" || c.ThreadKey != "/p/feedback.html" {
			t.Errorf("comment %s on %s %s", c.ExternalID, c.ThreadExternalID, c.ThreadKey)
		}
		if c.Email != "" {
			t.Errorf("comment %s: placeholder email kept: %q", c.ExternalID, c.Email)
		}
		if c.Author == "Anonymous" && c.Website == "" {
			anon++
		}
	}
	if anon != 8 {
		t.Errorf("anonymous comments without uri: got %d, want 8", anon)
	}
	c := r.comment(t, "2590917004453448413")
	if c.Author != "Jacob Gable" || c.Website != "http://www.blogger.com/profile/06143537581139815312" {
		t.Errorf("author: %+v", c)
	}
	// Dates keep their offsets, across the DST change in the file.
	wantTime(t, "October comment", r.comment(t, "3958318922264930120").CreatedAt, "2010-10-16T22:15:37.489-07:00")
	wantTime(t, "November comment", r.comment(t, "8034709203276799748").CreatedAt, "2010-11-18T17:49:54.986-08:00")

	// The file escapes the HTML of comments twice (&amp;quot;): after XML
	// decoding the body is HTML with entities, which must not be escaped
	// again nor have its markup broken.
	body := r.comment(t, "3958318922264930120").BodyHTML
	if !strings.Contains(body, "it says &quot;cannot load open games&quot; or similar") || strings.Contains(body, "&amp;") {
		t.Errorf("double-escaped body: %q", body)
	}
	if txt := html.UnescapeString(body); !strings.Contains(txt, `"cannot load open games"`) || !strings.Contains(txt, "I've been unable") {
		t.Errorf("body does not render as text: %q", txt)
	}
	if b := r.comment(t, "8034709203276799748").BodyHTML; !strings.HasPrefix(b, "A couple suggestions:<br /><br />1) Is there") {
		t.Errorf("markup body: %q", b)
	}
}

func checkGoogleBlogger(t *testing.T, r *result) {
	c := r.comment(t, "8841580313327712653")
	if c.BodyHTML != "Nice picture!!!<BR/><BR/>I mean <B>NICE</B> picture." {
		t.Errorf("body: %q", c.BodyHTML)
	}
	if c.ThreadExternalID != "720686382913388888" ||
		c.ThreadKey != "/blogspot/jjsfavoritethings/2008/04/somewhat-brief-history.html" {
		t.Errorf("thread: %s %s", c.ThreadExternalID, c.ThreadKey)
	}
	if c.Author != "journalseditor @ aol" || c.Email != "" || c.Website != "http://www.blogger.com/profile/14651649569077291860" {
		t.Errorf("author: %+v", c)
	}
	if c.ParentExternalID != "" {
		t.Errorf("parent: %q", c.ParentExternalID)
	}
	wantTime(t, "comment", c.CreatedAt, "2008-11-11T16:09:00-08:00")
	p := r.post(t, "7031156583478223661")
	if p.Slug != "this-about-sums-up-my-life" || p.Title != "This about sums up my life." {
		t.Errorf("post: %+v", p)
	}
	wantTime(t, "published", p.PublishedAt, "2008-04-15T09:45:00-07:00")
	wantTime(t, "updated", p.UpdatedAt, "2008-11-11T16:05:12.398-08:00")
}

func checkPelicanBlogger(t *testing.T, r *result) {
	for _, id := range []string{"1276418104709695660", "4386962582497458967"} {
		if p := r.post(t, id); !p.Draft || p.OldPath != "" {
			t.Errorf("draft %s: %+v", id, p)
		}
	}
	if p := r.post(t, "1276418104709695660"); p.Slug != "black-as-egypts-night" {
		t.Errorf("draft slug from title: %q", p.Slug)
	}
	if p := r.post(t, "1406163839769953231"); p.Draft || p.Kind != "page" || p.Slug != "test-page" {
		t.Errorf("page: %+v", p)
	}
	c := r.comment(t, "5590533389087749201")
	if c.Author != "Thomas Isidore Noël Sankara" || c.ThreadKey != "/2010/11/the-steel-windpipe.html" ||
		c.ThreadExternalID != "1858599377741856733" {
		t.Errorf("comment: %+v", c)
	}
	r.thread(t, "1858599377741856733")
}

func checkIssoDisqus(t *testing.T, r *result) {
	if th := r.thread(t, "2"); th.Key != "/" || th.Identifier != "some-id" || th.Title != "Hello, World!" {
		t.Errorf("thread 2: %+v", th)
	}
	// Empty <id/> and <title/>: the key comes from the link.
	th := r.thread(t, "7")
	if th.Identifier != "" || th.Title != "" || th.Key != "/blog/2013/02/12/redacted/index.html" {
		t.Errorf("thread 7: %+v", th)
	}
	if c := r.comment(t, "8"); c.ThreadExternalID != "7" || c.ThreadKey != th.Key {
		t.Errorf("post 8 on the empty-id thread: %+v", c)
	}
	if c := r.comment(t, "5"); c.ParentExternalID != "4" || c.Author != "user" || c.Username != "user" || c.Anonymous {
		t.Errorf("post 5: %+v", c)
	}
	if c := r.comment(t, "4"); !c.Anonymous || c.Author != "peter" || c.Email != "foo@bar.com" || c.IP != "127.0.0.1" {
		t.Errorf("post 4: %+v", c)
	}
	// Deleted post 9 is kept (removed, empty) for its live reply 11.
	if c := r.comment(t, "9"); c.Status != models.StatusRemoved || c.BodyHTML != "" {
		t.Errorf("deleted post 9: %+v", c)
	}
	if c := r.comment(t, "11"); c.ParentExternalID != "9" || c.Status != models.StatusApproved || c.BodyHTML != "<p>Hello, World.</p>" {
		t.Errorf("reply 11: %+v", c)
	}
	wantTime(t, "post 11", r.comment(t, "11").CreatedAt, "2013-10-11T06:52:33Z")
	wantSkips(t, r, map[string]string{
		"disqus thread 3": "no <link>",
		"disqus post 6":   "unknown thread 1337",
	})
}

func checkRemark42Disqus(t *testing.T, r *result) {
	// http and https threads; keys drop scheme and host.
	if th := r.thread(t, "247918464"); th.Key != "/2011/03/229_8880.html" || th.Closed || th.Identifier != "" {
		t.Errorf("thread: %+v", th)
	}
	if th := r.thread(t, "247937687"); th.Key != "/p/2011/03/05/podcast-229/" || !th.Closed || th.Deleted {
		t.Errorf("closed thread: %+v", th)
	}
	c := r.comment(t, "299619020")
	if !strings.HasPrefix(c.BodyHTML, "<p>The quick brown fox") || c.Email != "" || c.Username != "facebook-1787732238" {
		t.Errorf("post: %+v", c)
	}
	if c := r.comment(t, "299986072"); c.Username != "" || c.Author != "No Username" {
		t.Errorf("author without username: %+v", c)
	}
	if c := r.comment(t, "299986073"); c.Status != models.StatusSpam {
		t.Errorf("spam: %+v", c)
	}
	// The post without dsq:id is kept, with no ExternalID.
	if c := r.comment(t, ""); c.BodyHTML != "This comment had no ID" || c.ThreadExternalID != "247918464" {
		t.Errorf("post without id: %+v", c)
	}
	wantSkips(t, r, map[string]string{"disqus post x299986073": "createdAt"})
	if !strings.Contains(r.skips[0].Reason, "isSpam") {
		t.Errorf("skip reason should name both problems: %q", r.skips[0].Reason)
	}
}

func checkRemark42DeletedThread(t *testing.T, r *result) {
	if th := r.thread(t, "247937687"); !th.Deleted {
		t.Errorf("thread not deleted: %+v", th)
	}
	for id, want := range map[string]models.Status{
		"299619020": models.StatusRemoved, "299744309": models.StatusRemoved,
		"299986073": models.StatusSpam, "299986072": models.StatusApproved,
	} {
		if c := r.comment(t, id); c.Status != want {
			t.Errorf("post %s: %s, want %s", id, c.Status, want)
		}
	}
}

func checkIssoWordPress(t *testing.T, r *result) {
	parents := map[string]string{"18#2": "", "18#6": "", "18#7": "18#6", "18#8": "18#7", "18#9": "18#7", "18#10": ""}
	for id, p := range parents {
		if c := r.comment(t, id); c.ParentExternalID != p {
			t.Errorf("%s: parent %q, want %q", id, c.ParentExternalID, p)
		}
	}
	// Comment id 11 appears in two items; the ids stay distinct.
	a, b := r.comment(t, "18#11"), r.comment(t, "/?p=4#11")
	if a.ThreadKey != "/2014/test/" || b.ThreadKey != "/?p=4" || b.Author != "Anonymous" {
		t.Errorf("duplicate id 11: %+v / %+v", a, b)
	}
	if c := r.comment(t, "18#2"); c.Email != "test@example.org" || c.IP != "::ffff:82.119.20.0" ||
		c.Website != "http://example.tld/" || c.BodyHTML != "Erster!1" || c.Type != "comment" {
		t.Errorf("comment 2: %+v", c)
	}
	if c := r.comment(t, "18#7"); c.BodyHTML != "Drölfter!" {
		t.Errorf("comment 7: %+v", c)
	}
	// comment_date 12:13:14, comment_date_gmt 02:13:14: GMT wins, as UTC.
	wantTime(t, "comment 10", r.comment(t, "18#10").CreatedAt, "2022-06-06T02:13:14Z")
	// Only comment_date_gmt present.
	wantTime(t, "comment 7", r.comment(t, "18#7").CreatedAt, "2014-04-29T15:21:35Z")
	if c := r.comment(t, "18#10"); c.BodyHTML != "When you have a comment with multiple lines:\nWordPress exports it like this." {
		t.Errorf("multi-line body: %q", c.BodyHTML)
	}
	if p := r.post(t, "18"); p.Slug != "test" || p.OldPath != "/2014/test/" || p.Draft || p.Title != "Hello, World…" {
		t.Errorf("post: %+v", p)
	}
	wantOrder(t, r)
}

func checkPelicanWordPress(t *testing.T, r *result) {
	drafts := 0
	for _, p := range r.posts {
		if p.Draft {
			drafts++
		}
	}
	if drafts != 4 {
		t.Errorf("drafts: got %d, want 4", drafts)
	}
	if c := r.comment(t, "422#117"); c.ParentExternalID != "422#116" || c.Author != "Bob" {
		t.Errorf("reply: %+v", c)
	}
	// 121 is not in the file: the reply keeps its parent reference.
	if c := r.comment(t, "422#122"); c.ParentExternalID != "422#121" {
		t.Errorf("orphan reply: %+v", c)
	}
	if c := r.comment(t, "422#156"); c.Status != models.StatusRemoved || c.Type != "pingback" || c.Email != "" {
		t.Errorf("trashed pingback: %+v", c)
	}
	wantTime(t, "comment 116", r.comment(t, "422#116").CreatedAt, "2012-05-06T20:46:06Z")
	if p := r.post(t, "168"); !p.Draft || p.Slug != "post-168" || p.BodyHTML != "This is a draft with no title" {
		t.Errorf("untitled draft: %+v", p)
	}
	// GMT 0000-00-00: local date read at the item's offset, here none: UTC.
	wantTime(t, "draft date", r.post(t, "168").PublishedAt, "2012-02-15T21:23:57Z")
	if p := r.post(t, "422"); p.Slug != "with-comments" || p.Draft {
		t.Errorf("post: %+v", p)
	}
	wantOrder(t, r)
}

func checkGoogleWordPress(t *testing.T, r *result) {
	if c := r.comment(t, "1#459"); c.BodyHTML != "Nice picture!!!<br /><br />I mean <b>NICE</b> picture." || c.Email != "" {
		t.Errorf("comment: %+v", c)
	}
	if p := r.post(t, "233"); !p.Draft || p.Slug != "it’s-a-hard-life" || p.OldPath != "/1969/12/31/it%E2%80%99s-a-hard-life/" {
		t.Errorf("draft: %+v", p)
	}
	wantTime(t, "comment 460", r.comment(t, "4#460").CreatedAt, "2008-11-11T16:10:00Z")
	wantOrder(t, r)
}

// wantSkips checks the skips by Ref, each reason containing a fragment.
func wantSkips(t *testing.T, r *result, want map[string]string) {
	t.Helper()
	if len(r.skips) != len(want) {
		t.Errorf("skips: got %+v, want %v", r.skips, want)
	}
	for _, s := range r.skips {
		frag, ok := want[s.Ref]
		if !ok || !strings.Contains(s.Reason, frag) || s.Line == 0 {
			t.Errorf("unexpected skip %+v", s)
		}
	}
}

// wantOrder checks the WordPress guarantee: a comment's Thread comes
// before it, and the item's Post after its comments.
func wantOrder(t *testing.T, r *result) {
	t.Helper()
	seenThread := map[string]bool{}
	seenPost := map[string]bool{}
	for _, it := range r.items {
		switch v := it.(type) {
		case Thread:
			seenThread[v.ExternalID] = true
		case Post:
			seenPost[v.ExternalID] = true
		case Comment:
			if !seenThread[v.ThreadExternalID] || seenPost[v.ThreadExternalID] {
				t.Errorf("comment %s out of order", v.ExternalID)
			}
		}
	}
}
