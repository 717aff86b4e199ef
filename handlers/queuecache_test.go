package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/handlers"
	"parley/models"
)

// fetchAs GETs path as client c (nil: a new one) with the given
// Accept-Encoding ("" lets Go's client ask for gzip and unpack it).
func (e *env) fetchAs(c *http.Client, path, encoding string, header ...string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(c, req)
}

// sameQueue checks that the cached server answers every queue page exactly
// as the uncached one, twice (a miss, then a hit), compressed and not.
func sameQueue(t *testing.T, cached, fresh *env, cc, fc *http.Client, paths []string, when string, header ...string) {
	t.Helper()
	for _, p := range paths {
		for _, enc := range []string{"", "identity"} {
			want := fresh.fetchAs(fc, p, enc, header...)
			if want.StatusCode != http.StatusOK {
				t.Fatalf("%s: uncached %s answered %d: %.300s", when, p, want.StatusCode, want.Body)
			}
			for round := range 2 {
				got := cached.fetchAs(cc, p, enc, header...)
				if got.StatusCode != http.StatusOK || got.Body != want.Body {
					t.Fatalf("%s: %s (encoding %q, round %d): cached queue differs from uncached (%d, %d vs %d bytes)\n%s",
						when, p, enc, round, got.StatusCode, len(got.Body), len(want.Body), firstDifference(got.Body, want.Body))
				}
				if cc := got.Header.Get("Cache-Control"); cc != "no-store" {
					t.Fatalf("%s: %s: Cache-Control %q, want no-store", when, p, cc)
				}
			}
		}
	}
}

func TestQueueCacheAnswersLikeUncached(t *testing.T) {
	clock := newStoppedClock()
	e := newEnv(t, func(cfg *handlers.Config) { cfg.Now = clock.now })
	fresh := uncachedTwin(t, e, clock)
	ca, fa := e.admin(), fresh.admin()
	ctx := context.Background()

	var ids []uint
	for i := range 55 {
		ids = append(ids, e.heldComment("default", welcomePage, fmt.Sprintf("Reader %d", i), "",
			fmt.Sprintf("comment-%02d with <b>markup</b> & things", i), "links"))
	}
	paths := []string{
		"/admin/queue",
		"/admin/queue?status=approved",
		"/admin/queue?q=comment-1",
		fmt.Sprintf("/admin/queue?before=%d&status=pending", ids[10]),
		"/admin/queue?site=default&page=" + url.QueryEscape(welcomePage),
		"/admin/queue?reason=links",
	}
	sameQueue(t, e, fresh, ca, fa, paths, "start")

	e.heldComment("default", welcomePage, "Late", "late@example.com", "a new one", "first_time")
	sameQueue(t, e, fresh, ca, fa, paths, "after a new comment")

	wantStatus(t, e.postForm(ca, fmt.Sprintf("/admin/comments/%d/approve", ids[54]), url.Values{}), http.StatusSeeOther)
	sameQueue(t, e, fresh, ca, fa, paths, "after an approval")

	wantStatus(t, e.postForm(ca, fmt.Sprintf("/admin/comments/%d/edit", ids[53]),
		url.Values{"body": {"comment-53, edited by a moderator"}, "note": {"typo"}}), http.StatusSeeOther)
	sameQueue(t, e, fresh, ca, fa, paths, "after a moderator's edit")

	post, err := e.store.PostBySlug(ctx, models.DefaultSiteID, welcomeSlug)
	if err != nil {
		t.Fatal(err)
	}
	post.Post.Title = "A renamed post"
	if err := e.store.UpdatePost(ctx, &post.Post, false); err != nil {
		t.Fatal(err)
	}
	sameQueue(t, e, fresh, ca, fa, paths, "after the post's title changed")
	if body := e.fetchAs(ca, "/admin/queue", "").Body; !strings.Contains(body, "A renamed post") {
		t.Fatal("the queue still shows the post's old title")
	}

	if err := e.store.CreateSite(ctx, &models.Site{ID: "notes", Name: "Notes", Settings: models.DefaultSiteSettings()}); err != nil {
		t.Fatal(err)
	}
	sameQueue(t, e, fresh, ca, fa, paths, "after a new site")

	// A moderator's menu lacks the admin's links; German moderators get
	// their own rendering.
	addModerator(t, e.store, "mod@example.com", "moderator-password-1", models.RoleModerator)
	sameQueue(t, e, fresh, e.loginAs("mod@example.com", "moderator-password-1"),
		fresh.loginAs("mod@example.com", "moderator-password-1"), paths[:1], "as a moderator")
	sameQueue(t, e, fresh, ca, fa, paths[:2], "in German", "Accept-Language", "de")
}

func TestQueueVersionMovesWithEveryChange(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	last, err := e.store.QueueVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	moved := func(what string) {
		t.Helper()
		v, err := e.store.QueueVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v == last {
			t.Fatalf("%s did not move the queue's version (%d)", what, v)
		}
		last = v
	}
	id := e.heldComment("default", welcomePage, "Ann", "", "hello")
	moved("a new comment")
	e.approve(id)
	moved("an approval")
	wantScore(t, e.vote(id, 1, "agent", "", ""), 1)
	moved("a vote")
	site, err := e.store.Site(ctx, models.DefaultSiteID)
	if err != nil {
		t.Fatal(err)
	}
	site.Name = "Renamed"
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	moved("a site's change")
}

// The counts API's answers are cached under the queue's version, which a
// thread's count moves: they must match an uncached server's after every
// change to a count, to the site's language, and for every reader language.
func TestCountsCacheAnswersLikeUncached(t *testing.T) {
	clock := newStoppedClock()
	e := newEnv(t, func(cfg *handlers.Config) { cfg.Now = clock.now })
	e.setModeration(models.ModerationPost)
	fresh := uncachedTwin(t, e, clock)
	ask := map[string]any{"site": "default", "pages": []string{welcomePage, "/posts/none", welcomePage}}
	same := func(when string, header ...string) string {
		t.Helper()
		var got [3]string
		for i, srv := range []*env{fresh, e, e} { // the second asks the cache
			b, _ := json.Marshal(ask)
			req, _ := http.NewRequest(http.MethodPost, srv.srv.URL+"/api/v1/counts", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			for j := 0; j+1 < len(header); j += 2 {
				req.Header.Set(header[j], header[j+1])
			}
			resp := srv.do(nil, req)
			wantStatus(t, resp, http.StatusOK)
			got[i] = resp.Body
		}
		if got[1] != got[0] || got[2] != got[0] {
			t.Fatalf("%s: cached counts %s / %s, uncached %s", when, got[1], got[2], got[0])
		}
		return got[0]
	}
	wantContains(t, same("start"), `"/posts/welcome":0`)
	id, _ := e.comment("Ann", "one", 0)
	wantContains(t, same("after a comment"), `"/posts/welcome":1`)
	wantStatus(t, e.postForm(e.admin(), fmt.Sprintf("/admin/comments/%d/remove", id), url.Values{}), http.StatusSeeOther)
	wantContains(t, same("after a removal"), `"/posts/welcome":0`)
	e.comment("Bo", "two", 0)
	e.setSiteLanguage(models.DefaultSiteID, "de")
	wantContains(t, same("after the site's language changed"), `"/posts/welcome":1`, "Kommentar")
	e.setSiteLanguage(models.DefaultSiteID, models.LanguageAuto)
	wantContains(t, same("a Spanish reader", "Accept-Language", "es"), "comentario")
	ask["site"] = "nowhere"
	wantContains(t, same("an unknown site"), `"/posts/welcome":0`)
}
