package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
)

// seedWelcome puts n approved top-level comments on the welcome post, one
// minute apart (comment i is "Reader i"), with score i%7, and replies[i]
// replies under comment i. It returns the top-level ids in creation order.
func seedWelcome(t *testing.T, e *env, n int, replies map[int]int) []uint {
	t.Helper()
	ctx := context.Background()
	post, err := e.store.PostBySlug(ctx, models.DefaultSiteID, welcomeSlug)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var cs []models.Comment
	var parents []int
	var tops []int
	for i := range n {
		tops = append(tops, len(cs))
		cs = append(cs, models.Comment{ThreadID: post.ThreadID, Author: fmt.Sprintf("Reader %d", i), Body: "b", HTML: fmt.Sprintf("<p>Comment %d</p>", i),
			Status: models.StatusApproved, Score: i % 7, CreatedAt: base.Add(time.Duration(i) * time.Minute)})
		parents = append(parents, -1)
		for r := range replies[i] {
			cs = append(cs, models.Comment{ThreadID: post.ThreadID, Author: fmt.Sprintf("Replier %d.%d", i, r), Body: "r", HTML: "<p>reply</p>",
				Status: models.StatusApproved, CreatedAt: base.Add(time.Duration(i)*time.Minute + time.Duration(r+1)*time.Second)})
			parents = append(parents, tops[len(tops)-1])
		}
	}
	if err := e.store.SeedComments(ctx, cs, parents, 5); err != nil {
		t.Fatal(err)
	}
	ids := make([]uint, len(tops))
	for i, at := range tops {
		ids[i] = cs[at].ID
	}
	return ids
}

var topLevelRe = regexp.MustCompile(`<article class="comment[^"]*" id="comment-(\d+)">`)

// topLevelIDs returns the ids of the top-level comments of a thread page:
// the articles directly in the comment list, in order.
func topLevelIDs(t *testing.T, body string) []uint {
	t.Helper()
	var out []uint
	depth := 0
	if i := strings.Index(body, `id="comment-list"`); i >= 0 {
		body = body[i:] // past the post's own <article>
	}
	for _, tok := range regexp.MustCompile(`<article class="comment[^"]*" id="comment-\d+">|</article>`).FindAllString(body, -1) {
		if tok == "</article>" {
			depth--
			continue
		}
		if depth == 0 {
			var id uint
			fmt.Sscanf(topLevelRe.FindStringSubmatch(tok)[1], "%d", &id)
			out = append(out, id)
		}
		depth++
	}
	return out
}

// nextHref returns the page's "More comments" link, or "".
func nextHref(body string) string {
	m := regexp.MustCompile(`<p class="more-comments"><a class="button secondary" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestThreadPagingHTMLWalksEveryCommentOnce(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ids := seedWelcome(t, e, 120, map[int]int{3: 2, 70: 1})
		c := e.client()
		var seen []uint
		path, pages := welcomePage, 0
		for path != "" {
			if pages++; pages > 5 {
				t.Fatal("paging does not end")
			}
			r := e.get(c, path)
			wantStatus(t, r, http.StatusOK)
			got := topLevelIDs(t, r.Body)
			if len(got) > 50 {
				t.Fatalf("page %d has %d top-level comments", pages, len(got))
			}
			seen = append(seen, got...)
			path = nextHref(r.Body)
			if path != "" && (!strings.Contains(path, "cursor=") || !strings.HasSuffix(path, "#comments")) {
				t.Fatalf("next link %q", path)
			}
		}
		if pages != 3 || !slices.Equal(seen, ids) {
			t.Fatalf("%d pages gave %d comments, want all 120 once in order", pages, len(seen))
		}
	})
}

func TestThreadSortInHTMLAndJSON(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ids := seedWelcome(t, e, 9, nil)
		c := e.client()
		r := e.get(c, welcomePage)
		wantContains(t, r.Body, `<nav class="thread-sort" aria-label="Sort comments">`, `href="/posts/welcome?sort=newest#comments"`,
			`data-sort="oldest" aria-current="true">Oldest</a>`)
		if got := topLevelIDs(t, r.Body); got[0] != ids[0] {
			t.Errorf("oldest first: %v", got)
		}
		newest := topLevelIDs(t, e.get(c, welcomePage+"?sort=newest").Body)
		if newest[0] != ids[8] || newest[8] != ids[0] {
			t.Errorf("newest: %v", newest)
		}
		// Remembered in a cookie: the next plain visit is still newest first.
		again := e.get(c, welcomePage)
		if got := topLevelIDs(t, again.Body); got[0] != ids[8] {
			t.Errorf("remembered sort: %v", got)
		}
		wantContains(t, again.Body, `data-sort="newest" aria-current="true"`)
		// Top: scores are i%7, so Reader 6 (score 6) leads, ties oldest first.
		top := topLevelIDs(t, e.get(c, welcomePage+"?sort=top").Body)
		if top[0] != ids[6] || top[1] != ids[5] || top[len(top)-1] != ids[7] {
			t.Errorf("top: %v (ids %v)", top, ids)
		}
		// Another reader has their own order.
		if got := topLevelIDs(t, e.get(e.client(), welcomePage).Body); got[0] != ids[0] {
			t.Errorf("a new reader sees %v", got)
		}

		var list struct {
			Comments []struct {
				ID    uint
				Score int
			}
		}
		decode(t, e.get(nil, "/api/v1/comments?site=default&page=/posts/welcome&sort=top").Body, &list)
		for i := 1; i < len(list.Comments); i++ {
			if list.Comments[i].Score > list.Comments[i-1].Score {
				t.Errorf("JSON top order: %+v", list.Comments)
			}
		}
		decode(t, e.get(nil, "/api/v1/comments?site=default&page=/posts/welcome&sort=newest").Body, &list)
		if list.Comments[0].ID != ids[8] {
			t.Errorf("JSON newest order: %+v", list.Comments)
		}
	})
}

func TestThreadPagingJSONCursorWalksEveryCommentOnce(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ids := seedWelcome(t, e, 57, map[int]int{10: 3})
		for _, sortBy := range []string{"oldest", "newest", "top"} {
			var seen []uint
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				q := url.Values{"site": {"default"}, "page": {welcomePage}, "sort": {sortBy}, "limit": {"10"}}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				var out struct {
					Thread     struct{ Count int }
					Comments   []struct{ ID uint }
					NextCursor *string `json:"next_cursor"`
				}
				r := e.get(nil, "/api/v1/comments?"+q.Encode())
				wantStatus(t, r, http.StatusOK)
				decode(t, r.Body, &out)
				if out.Thread.Count != 60 {
					t.Fatalf("count %d, want 60", out.Thread.Count)
				}
				for _, c := range out.Comments {
					seen = append(seen, c.ID)
				}
				if out.NextCursor == nil {
					break
				}
				cursor = *out.NextCursor
			}
			slices.Sort(seen)
			if !slices.Equal(seen, ids) {
				t.Errorf("%s: pages gave %v", sortBy, seen)
			}
		}
		bad := e.get(nil, "/api/v1/comments?site=default&page=/posts/welcome&sort=top&cursor=eyJzIjoib2xkZXN0In0")
		wantStatus(t, bad, http.StatusBadRequest)
	})
}

func TestThreadPermalinkOpensItsPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ids := seedWelcome(t, e, 130, map[int]int{110: 2})
		c := e.client()
		// Page 3 by following the links.
		p2 := e.get(c, nextHref(e.get(c, welcomePage).Body))
		p3 := e.get(c, nextHref(p2.Body))
		want := topLevelIDs(t, p3.Body)
		// Comment 110 is on page 3, and so are the replies under it.
		r := e.get(c, fmt.Sprintf("%s?comment=%d", welcomePage, ids[110]))
		if got := topLevelIDs(t, r.Body); !slices.Equal(got, want) {
			t.Fatalf("permalink page %v, want page 3 %v", got, want)
		}
		replyID := between(between(r.Body, fmt.Sprintf(`id="comment-%d"`, ids[110]), "Replier 110.0"), `<article class="comment" id="comment-`, `"`)
		viaReply := e.get(c, welcomePage+"?comment="+replyID)
		if got := topLevelIDs(t, viaReply.Body); replyID == "" || !slices.Equal(got, want) {
			t.Errorf("permalink to reply %q opened %v", replyID, got)
		}
		wantContains(t, r.Body, fmt.Sprintf(`id="comment-%d"`, ids[110]), "Back to the first comments")
		// Every comment's time links to its permalink.
		wantContains(t, r.Body, fmt.Sprintf(`class="permalink" href="/posts/welcome?comment=%d#comment-%d"`, ids[110], ids[110]))
		// The blog's permalink to the first page has no cursor.
		first := e.get(c, fmt.Sprintf("%s?comment=%d", welcomePage, ids[0]))
		if got := topLevelIDs(t, first.Body); got[0] != ids[0] {
			t.Errorf("permalink to the first comment opened %v", got[:3])
		}
		// A bad comment id opens the first page.
		wantStatus(t, e.get(nil, welcomePage+"?comment=nonsense&cursor=nonsense&sort=nonsense"), http.StatusOK)
	})
}

func TestThreadMoreRepliesAndFragment(t *testing.T) {
	e := newEnv(t)
	ids := seedWelcome(t, e, 3, map[int]int{1: 14})
	r := e.get(nil, welcomePage)
	wantContains(t, r.Body, "Show 4 more replies", "Replier 1.9")
	wantNotContains(t, r.Body, "Replier 1.10")
	link := html.UnescapeString(between(r.Body, `<p class="more-replies"><a href="`, `"`))
	all := e.get(nil, link)
	wantContains(t, all.Body, "Replier 1.10", "Replier 1.13")
	wantNotContains(t, all.Body, "more replies")

	frag := e.get(nil, welcomePage+"?fragment=1")
	wantStatus(t, frag, http.StatusOK)
	wantNotContains(t, frag.Body, "<html", `id="comment-form"`)
	wantContains(t, frag.Body, fmt.Sprintf(`id="comment-%d"`, ids[2]))
}

func TestThreadEmbedPagingAndPermalink(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	seedComments(t, e, "/paged.html", 120) // 108 top-level, every tenth a reply
	first := e.get(nil, embedURL("/paged.html"))
	next := nextHref(first.Body)
	if !strings.HasPrefix(next, "/embed?") || !strings.Contains(next, "cursor=") || !strings.Contains(next, "site=blog") {
		t.Fatalf("embed next link %q", next)
	}
	second := e.get(nil, next)
	wantStatus(t, second, http.StatusOK)
	a, b := topLevelIDs(t, first.Body), topLevelIDs(t, second.Body)
	if len(a) != 50 || len(b) != 50 || slices.Contains(a, b[0]) {
		t.Fatalf("embed pages %v / %v", a, b)
	}
	// The permalink of a comment on the second page is on the host page,
	// opened as the whole window; embed.js then asks for the thread at that
	// comment (comment=ID), which opens the second page.
	id := strconv.FormatUint(uint64(b[0]), 10)
	wantContains(t, second.Body, `class="permalink" href="https://blog.example.com/paged.html#parley-comment-`+id+`" target="_top"`)
	if got := topLevelIDs(t, e.get(nil, embedURL("/paged.html", "comment", id)).Body); !slices.Equal(got, b) {
		t.Errorf("the thread at comment %s opened %v, want %v", id, got[:3], b[:3])
	}
	wantContains(t, first.Body, `data-sort="top"`, `/static/reader.`)
}

// TestThreadTenThousandCommentsLoadsOnlyItsPage: the first page of a
// 10,000-comment thread costs the queries a small thread's does, and none
// of them reads the thread's comments without naming the page's roots.
// The render cache is off: the queries of a page as rendered afresh count.
func TestThreadTenThousandCommentsLoadsOnlyItsPage(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.RenderCacheBytes = -1 })
	var n atomic.Int64
	var unbounded atomic.Value
	if err := e.store.OnStatement(func(sql string) {
		n.Add(1)
		if strings.Contains(sql, "FROM `comments`") || strings.Contains(sql, `FROM "comments"`) {
			if !strings.Contains(sql, "root_id") && !strings.Contains(sql, "LIMIT") {
				unbounded.Store(sql)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	count := func(path string) int64 {
		n.Store(0)
		r := e.get(nil, path)
		wantStatus(t, r, http.StatusOK)
		return n.Load()
	}
	seedWelcome(t, e, 10, map[int]int{0: 1})
	e.get(nil, "/api/v1/comments?site=default&page=/posts/welcome") // reads the site once
	small, smallAPI := count(welcomePage), count("/api/v1/comments?site=default&page=/posts/welcome")
	replies := map[int]int{}
	for i := 0; i < 9000; i += 9 {
		replies[i] = 1
	}
	seedWelcome(t, e, 9000, replies)
	if big := count(welcomePage); big != small {
		t.Errorf("post page: %d queries with 10,000 comments, %d with 11", big, small)
	}
	if big := count("/api/v1/comments?site=default&page=/posts/welcome"); big != smallAPI {
		t.Errorf("API: %d queries with 10,000 comments, %d with 11", big, smallAPI)
	}
	if sql, _ := unbounded.Load().(string); sql != "" {
		t.Errorf("a query read comments without a page bound: %s", sql)
	}
	r := e.get(nil, welcomePage)
	if got := len(topLevelIDs(t, r.Body)); got != 50 {
		t.Errorf("first page has %d top-level comments", got)
	}
}
