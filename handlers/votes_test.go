package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/models"
)

// vote sends one API vote with a user agent and an optional commenter key.
func (e *env) vote(id uint, value int, userAgent, key string, origin string) response {
	e.t.Helper()
	body := fmt.Sprintf(`{"value": %d`, value)
	if key != "" {
		body += fmt.Sprintf(`, "commenter_key": %q`, key)
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/comments/%d/vote", e.srv.URL, id), strings.NewReader(body+"}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return e.do(nil, req)
}

func wantScore(t *testing.T, r response, score int) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var out struct{ Score *int }
	decode(t, r.Body, &out)
	if out.Score == nil || *out.Score != score {
		t.Fatalf("answer %s, want score %d", r.Body, score)
	}
}

// approvedComment posts and approves a comment on the welcome post.
func (e *env) approvedComment(author string) uint {
	e.t.Helper()
	id, _ := e.comment(author, "A comment by "+author, 0)
	e.approve(id)
	return id
}

func TestVoteAPIOncePerReader(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		id := e.approvedComment("Ann")
		wantScore(t, e.vote(id, 1, "UA one", "", ""), 1)
		wantScore(t, e.vote(id, 1, "UA one", "", ""), 1) // a repeat changes nothing
		// Same address, another browser: another reader (IP + user agent).
		wantScore(t, e.vote(id, 1, "UA two", "", ""), 2)
		// A vote of the other value switches the reader's vote.
		wantScore(t, e.vote(id, -1, "UA one", "", ""), 0)
		wantScore(t, e.vote(id, -1, "UA one", "", ""), 0)

		// A commenter key names the reader whatever their browser says.
		resp := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "Bo", "body": "hi"})
		var created struct {
			CommenterKey string `json:"commenter_key"`
		}
		decode(t, resp.Body, &created)
		if created.CommenterKey == "" {
			t.Fatal("no commenter key")
		}
		wantScore(t, e.vote(id, 1, "UA three", created.CommenterKey, ""), 1)
		wantScore(t, e.vote(id, 1, "UA four", created.CommenterKey, ""), 1)

		c, err := e.store.Comment(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Upvotes != 2 || c.Downvotes != 1 || c.Score != 1 {
			t.Errorf("stored up %d down %d score %d, want 2 1 1", c.Upvotes, c.Downvotes, c.Score)
		}
		// The score is in the thread's JSON.
		list := e.get(nil, "/api/v1/comments?site=default&page="+url.QueryEscape(welcomePage))
		wantContains(t, list.Body, fmt.Sprintf(`"id":%d`, id), `"score":1`)
	})
}

func TestVoteAPIRefusals(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		id := e.approvedComment("Ann")
		held, _ := e.comment("Held", "waiting", 0)
		r := e.vote(held, 1, "UA", "", "")
		wantStatus(t, r, http.StatusNotFound)
		wantContains(t, r.Body, `"code":"not_found"`)
		wantStatus(t, e.vote(999999, 1, "UA", "", ""), http.StatusNotFound)
		wantStatus(t, e.get(nil, "/api/v1/comments/x/vote"), http.StatusMethodNotAllowed)
		wantStatus(t, e.vote(id, 2, "UA", "", ""), http.StatusUnprocessableEntity)
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/comments/%d/vote", e.srv.URL, id), strings.NewReader("value=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, e.do(nil, req), http.StatusUnsupportedMediaType)

		ctx := context.Background()
		site, err := e.store.Site(ctx, models.DefaultSiteID)
		if err != nil {
			t.Fatal(err)
		}
		site.Settings.NoDownvotes = true
		if err := e.store.SaveSite(ctx, &site); err != nil {
			t.Fatal(err)
		}
		r = e.vote(id, -1, "UA", "", "")
		wantStatus(t, r, http.StatusForbidden)
		wantContains(t, r.Body, `"code":"downvotes_off"`)
		wantScore(t, e.vote(id, 1, "UA", "", ""), 1)
		// No downvote buttons on the page either.
		page := e.get(nil, welcomePage)
		wantContains(t, page.Body, "Upvote comment by Ann")
		wantNotContains(t, page.Body, "Downvote comment by")
	})
}

func TestVoteAPICORSForTheCommentsSite(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	seedComments(t, e, "/cors.html", 1)
	page := e.get(nil, "/api/v1/comments?site="+blogSite+"&page=/cors.html")
	var list struct{ Comments []struct{ ID uint } }
	decode(t, page.Body, &list)
	if len(list.Comments) != 1 {
		t.Fatalf("comments %s", page.Body)
	}
	r := e.vote(list.Comments[0].ID, 1, "UA", "", blogOrigin)
	wantScore(t, r, 1)
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != blogOrigin {
		t.Errorf("Access-Control-Allow-Origin %q, want %q", got, blogOrigin)
	}
	if got := r.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("credentials allowed: %q", got)
	}
	r = e.vote(list.Comments[0].ID, 1, "UA2", "", "https://evil.example")
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("another origin got Access-Control-Allow-Origin %q", got)
	}
}

func TestVoteFormsWithoutJavaScript(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		id := e.approvedComment("Ann")
		page := e.get(nil, welcomePage)
		action := fmt.Sprintf("%s/comments/%d/vote", welcomePage, id)
		wantContains(t, page.Body, `action="`+action+`"`, `aria-label="Upvote comment by Ann"`,
			`aria-label="Downvote comment by Ann"`, `<span class="visually-hidden">Score: </span><span data-score>0</span>`)
		// The server-rendered list is the same for everyone: no vote state.
		wantNotContains(t, page.Body, "aria-pressed")

		r := e.postForm(nil, action, url.Values{"value": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		want := fmt.Sprintf("%s?comment=%d#comment-%d", welcomePage, id, id)
		if loc := r.Header.Get("Location"); loc != want {
			t.Errorf("Location %q, want %q", loc, want)
		}
		wantContains(t, e.get(nil, welcomePage).Body, `<span data-score>1</span>`)
		wantStatus(t, e.postForm(nil, action, url.Values{"value": {"5"}}), http.StatusUnprocessableEntity)
		wantStatus(t, e.postForm(nil, welcomePage+"/comments/999999/vote", url.Values{"value": {"1"}}), http.StatusNotFound)
	})
}

func TestVoteEmbedForm(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	seedComments(t, e, "/v.html", 1)
	page := e.get(nil, embedURL("/v.html"))
	i := strings.Index(page.Body, `action="/embed/comments/`)
	if i < 0 {
		t.Fatalf("no vote form in the embed:\n%s", page.Body)
	}
	action := page.Body[i+len(`action="`):]
	action = html.UnescapeString(action[:strings.IndexByte(action, '"')])
	if !strings.Contains(action, "/vote?") || !strings.Contains(action, "site=blog") {
		t.Fatalf("vote action %q", action)
	}
	post := func(fetchSite string) response {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+action, strings.NewReader("value=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", fetchSite)
		return e.do(nil, req)
	}
	wantStatus(t, post("cross-site"), http.StatusForbidden)
	r := post("same-origin")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, action %q: %s", r.StatusCode, action, between(r.Body, `role="alert">`, "<"))
	}
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/embed?") || !strings.Contains(loc, "comment=") || !strings.Contains(loc, "#comment-") {
		t.Errorf("Location %q", loc)
	}
	wantContains(t, e.get(nil, loc[:strings.IndexByte(loc, '#')]).Body, `<span data-score>1</span>`)
}
