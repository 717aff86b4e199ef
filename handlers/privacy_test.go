package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/models"
)

var privacyLinkRE = regexp.MustCompile(`(?m)^(http\S+/privacy/comments/\S+)$`)

func TestPrivacyNoteFollowsSiteSettings(t *testing.T) {
	e := newEnv(t)
	page := e.get(nil, "/privacy")
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, "Deleted 30 days after you comment.", "parley_commenter", `name="email"`, `value="default"`)
	wantContains(t, e.get(nil, welcomePage).Body, `<a href="/privacy">`)
	ctx := context.Background()
	site, err := e.store.Site(ctx, models.DefaultSiteID)
	if err != nil {
		t.Fatal(err)
	}
	site.Settings.IPRetentionDays = -1
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	wantContains(t, e.get(nil, "/privacy?site=default").Body, "keeps them as long as the comment")
	wantStatus(t, e.get(nil, "/privacy?site=nope"), http.StatusNotFound)
	// Without mail the request form says so instead of pretending.
	resp := e.postForm(nil, "/privacy", url.Values{"site": {"default"}, "email": {"a@example.com"}})
	wantStatus(t, resp, http.StatusServiceUnavailable)
	wantContains(t, resp.Body, "cannot send email")
}

func TestPrivacyRequestListExportDelete(t *testing.T) {
	e, smtp := replyEnv(t)
	ctx := context.Background()
	e.setModeration(models.ModerationPost)
	mine := e.replyComment("Alice", readerEmail, "My words", 0, false)
	bob := e.replyComment("Bob", "bob@example.com", "Bob's reply", mine, false)
	e.setModeration(models.ModerationPre)
	e.replyComment("Alice", "Alice@Example.com", "Held words", 0, false)

	ask := func(email string) response {
		return e.postForm(e.client(), "/privacy", url.Values{"site": {"default"}, "email": {email}})
	}
	known, unknown := ask(readerEmail), ask("nobody@example.com")
	wantStatus(t, known, http.StatusOK)
	wantStatus(t, unknown, http.StatusOK)
	if strings.ReplaceAll(known.Body, readerEmail, "X") != strings.ReplaceAll(unknown.Body, "nobody@example.com", "X") {
		t.Error("the answer tells whether the address has comments")
	}
	wantContains(t, known.Body, "a link to them is on its way")
	wantStatus(t, ask("not an address"), http.StatusUnprocessableEntity)
	if got := e.mailTo(smtp, "nobody@example.com"); len(got) != 0 {
		t.Errorf("an address without comments was mailed")
	}
	got := e.mailTo(smtp, readerEmail)
	if len(got) != 1 {
		t.Fatalf("want one privacy email, got %d", len(got))
	}
	m := privacyLinkRE.FindStringSubmatch(got[0].Body)
	if m == nil {
		t.Fatalf("no link in:\n%s", got[0].Body)
	}
	link := e.path(m[1])

	list := e.get(nil, link)
	wantStatus(t, list, http.StatusOK)
	wantContains(t, list.Body, "My words", "Held words", "Download as JSON", "Delete all 2 comments")
	wantNotContains(t, list.Body, "Bob&#39;s reply")
	if list.Header.Get("Cache-Control") != "no-store" || list.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v", list.Header)
	}
	export := e.get(nil, link+"/export.json")
	wantStatus(t, export, http.StatusOK)
	var out struct {
		Email    string
		Comments []struct {
			ID         uint
			Body, IP   string
			Email      string
			Page, Site string
		}
	}
	decode(t, export.Body, &out)
	if out.Email != readerEmail || len(out.Comments) != 2 || out.Comments[1].ID != mine || out.Comments[1].IP == "" || out.Comments[1].Page != welcomePage {
		t.Errorf("export = %+v", out)
	}
	if !strings.Contains(export.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Disposition = %q", export.Header.Get("Content-Disposition"))
	}

	done := e.postForm(nil, link+"/delete", nil)
	wantStatus(t, done, http.StatusOK)
	wantContains(t, done.Body, "2 comments were deleted")
	post := e.get(nil, welcomePage)
	wantContains(t, post.Body, "This comment was removed.", "Bob&#39;s reply")
	wantNotContains(t, post.Body, "My words")
	if c, _ := e.store.Comment(ctx, bob); c.Status != models.StatusApproved {
		t.Errorf("Bob's reply is %s", c.Status)
	}
	wantContains(t, e.get(nil, link).Body, "no comments with this address")
	wantStatus(t, e.get(nil, link[:len(link)-3]+"abc"), http.StatusNotFound)

	// A few requests an hour per sender, then 429.
	c := e.client()
	status := 0
	for range 8 {
		status = e.postForm(c, "/privacy", url.Values{"site": {"default"}, "email": {"x@example.com"}}).StatusCode
	}
	if status != http.StatusTooManyRequests {
		t.Errorf("8th request: %d", status)
	}
}

func TestPrivacyLinkInEmbedNamesTheSite(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPre)
	resp := e.get(nil, embedURL("/2024/hello.html"))
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, resp.Body, `href="/privacy?site=`+blogSite+`"`, `name="notify"`)
	wantContains(t, e.get(nil, "/privacy?site="+blogSite).Body, "What Ann&#39;s blog keeps", `value="`+blogSite+`"`)
}
