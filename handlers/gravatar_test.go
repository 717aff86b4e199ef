package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/models"
)

// setGravatar turns a site's Gravatar setting on or off.
func (e *env) setGravatar(siteID string, on bool) {
	e.t.Helper()
	ctx := context.Background()
	site, err := e.store.Site(ctx, siteID)
	if err != nil {
		e.t.Fatal(err)
	}
	site.Settings.Gravatar = on
	if err := e.store.SaveSite(ctx, &site); err != nil {
		e.t.Fatal(err)
	}
}

// commentWithEmail posts through the API and approves the comment; it
// returns the API's answer.
func (e *env) commentWithEmail(site, page, author, email, body string) response {
	e.t.Helper()
	req := map[string]any{"site": site, "page": page, "author": author, "email": email, "body": body}
	b, err := json.Marshal(req)
	if err != nil {
		e.t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/comments", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	if site != models.DefaultSiteID {
		r.Header.Set("Origin", blogOrigin)
	}
	resp := e.do(nil, r)
	wantStatus(e.t, resp, http.StatusCreated)
	var out struct{ Comment struct{ ID uint } }
	decode(e.t, resp.Body, &out)
	e.approve(out.Comment.ID)
	return resp
}

const gravatarHost = "https://www.gravatar.com"

// wantGravatar is the Gravatar of an email as Parley must build it: the
// SHA-256 of the trimmed, lower-cased address.
func wantGravatar(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return gravatarHost + "/avatar/" + hex.EncodeToString(sum[:]) + "?d=identicon&s=64"
}

func imgSrc(csp string) string {
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "img-src ") {
			return d
		}
	}
	return ""
}

func TestGravatarOffByDefault(t *testing.T) {
	e := newEnv(t)
	e.commentWithEmail(models.DefaultSiteID, welcomePage, "Ann", "Ann@Example.com", "Hello")
	page := e.get(nil, welcomePage)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, `src="/avatars/`)
	wantNotContains(t, page.Body, "gravatar", "Ann@Example.com", "ann@example.com")
	if src := imgSrc(page.Header.Get("Content-Security-Policy")); src != "img-src 'self' data:" {
		t.Errorf("CSP %q; without Gravatar images come only from Parley", src)
	}
	list := e.get(nil, "/api/v1/comments?site=default&page="+url.QueryEscape(welcomePage))
	wantContains(t, list.Body, `"avatar":"/avatars/`)
	wantNotContains(t, list.Body, "gravatar")
}

func TestGravatarOptInOnTheBlog(t *testing.T) {
	e := newEnv(t)
	e.setGravatar(models.DefaultSiteID, true)
	created := e.commentWithEmail(models.DefaultSiteID, welcomePage, "Ann", "  Ann@Example.COM ", "With an email")
	e.commentWithEmail(models.DefaultSiteID, welcomePage, "Bob", "", "Without an email")
	ann := wantGravatar("ann@example.com")
	var got struct{ Comment struct{ Avatar string } }
	decode(t, created.Body, &got)
	if got.Comment.Avatar != ann {
		t.Errorf("the new comment's avatar = %q, want %q", got.Comment.Avatar, ann)
	}

	page := e.get(nil, welcomePage)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, `src="`+strings.ReplaceAll(ann, "&", "&amp;")+`"`, `src="/avatars/`)
	wantNotContains(t, page.Body, "Ann@Example.COM", "ann@example.com")
	if src := imgSrc(page.Header.Get("Content-Security-Policy")); src != "img-src 'self' data: "+gravatarHost {
		t.Errorf("CSP img-src = %q; want Gravatar allowed", src)
	}

	var list struct {
		Comments []struct{ Author, Avatar string }
	}
	resp := e.get(nil, "/api/v1/comments?site=default&page="+url.QueryEscape(welcomePage))
	decode(t, resp.Body, &list)
	wantNotContains(t, resp.Body, "example.com\"", "Ann@Example")
	if len(list.Comments) != 2 || list.Comments[0].Avatar != ann || !strings.HasPrefix(list.Comments[1].Avatar, "/avatars/") {
		t.Errorf("API avatars = %+v; want Ann's Gravatar and Bob's identicon", list.Comments)
	}

	// The reader's own held comment shows their Gravatar too.
	held := e.postForm(e.client(), welcomePage+"/comments", url.Values{"author": {"Eve"}, "email": {"eve@example.com"}, "body": {"Held"}})
	wantStatus(t, held, http.StatusSeeOther)
	pending := e.get(nil, strings.SplitN(held.Header.Get("Location"), "#", 2)[0])
	wantContains(t, pending.Body, "awaiting moderation", strings.ReplaceAll(wantGravatar("eve@example.com"), "&", "&amp;"))
	wantNotContains(t, pending.Body, "eve@example.com")

	// Admin and other pages keep the strict policy.
	if src := imgSrc(e.get(nil, "/admin/login").Header.Get("Content-Security-Policy")); src != "img-src 'self' data:" {
		t.Errorf("login CSP img-src = %q", src)
	}
}

func TestGravatarOptInOnTheEmbed(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	page := "/2024/05/avatars.html"
	e.commentWithEmail(blogSite, page, "Ann", "ann@example.com", "Hello from the embed")

	off := e.get(nil, embedURL(page))
	wantStatus(t, off, http.StatusOK)
	wantNotContains(t, off.Body, "gravatar")
	if src := imgSrc(off.Header.Get("Content-Security-Policy")); src != "img-src 'self' data:" {
		t.Errorf("embed CSP img-src without Gravatar = %q", src)
	}

	e.setGravatar(blogSite, true)
	on := e.get(nil, embedURL(page))
	wantStatus(t, on, http.StatusOK)
	wantContains(t, on.Body, strings.ReplaceAll(wantGravatar("ann@example.com"), "&", "&amp;"))
	csp := on.Header.Get("Content-Security-Policy")
	if src := imgSrc(csp); src != "img-src 'self' data: "+gravatarHost {
		t.Errorf("embed CSP img-src with Gravatar = %q", src)
	}
	wantContains(t, csp, "frame-ancestors 'self' "+blogOrigin)

	// The blog's own setting is separate.
	if src := imgSrc(e.get(nil, welcomePage).Header.Get("Content-Security-Policy")); strings.Contains(src, "gravatar") {
		t.Errorf("the blog's CSP allows Gravatar (%q) though only the embedding site turned it on", src)
	}
}
