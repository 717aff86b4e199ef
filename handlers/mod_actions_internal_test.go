package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// linkFixture is a server with one held comment and one moderator, driven
// in-process so the test can make links at any time it likes.
type linkFixture struct {
	s       *Server
	comment models.Comment
	mod     models.Moderator
}

func newLinkFixture(t *testing.T) linkFixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		t.Fatal(err)
	}
	mod := models.Moderator{Email: "mod@example.com", Name: "M", PasswordHash: "x", Role: models.RoleModerator}
	if err := st.CreateModerator(ctx, &mod); err != nil {
		t.Fatal(err)
	}
	thread, err := st.Thread(ctx, models.DefaultSiteID, "/posts/welcome")
	if err != nil {
		t.Fatal(err)
	}
	c := models.Comment{ThreadID: thread.ID, Author: "Ann", Body: "held", HTML: "<p>held</p>", Status: models.StatusPending}
	if err := st.CreateComment(ctx, &c, 5); err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, Config{BaseURL: "http://parley.test"}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return linkFixture{s: s, comment: c, mod: mod}
}

func (f linkFixture) link(t *testing.T, action string, expires time.Time) string {
	t.Helper()
	u, err := url.Parse(f.s.modActionLink(modAction{CommentID: f.comment.ID, Action: action, ModeratorID: f.mod.ID, Expires: expires}))
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

func (f linkFixture) serve(method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.s.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func (f linkFixture) status(t *testing.T) models.Status {
	t.Helper()
	c, err := f.s.store.Comment(context.Background(), f.comment.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func TestExpiredLinkIsRefused(t *testing.T) {
	f := newLinkFixture(t)
	issued := time.Now()
	path := f.link(t, "approve", issued.Add(modLinkLifetime))
	// Eight days later the link has expired, though its signature is good.
	f.s.now = func() time.Time { return issued.Add(8 * 24 * time.Hour) }
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		rec := f.serve(method, path)
		if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "This link has expired") {
			t.Fatalf("%s expired link: %d %s", method, rec.Code, rec.Body)
		}
	}
	if f.status(t) != models.StatusPending {
		t.Fatal("an expired link changed the comment")
	}
	// The same link a day after it was sent still works.
	f.s.now = func() time.Time { return issued.Add(24 * time.Hour) }
	if rec := f.serve(http.MethodPost, path); rec.Code != http.StatusOK || f.status(t) != models.StatusApproved {
		t.Fatalf("fresh link: %d, status %s", rec.Code, f.status(t))
	}
}

func TestLinkOfDisabledModeratorIsRefused(t *testing.T) {
	f := newLinkFixture(t)
	off := models.Moderator{Email: "off@example.com", Name: "O", PasswordHash: "x", Role: models.RoleAdmin, Disabled: true}
	if err := f.s.store.CreateModerator(context.Background(), &off); err != nil {
		t.Fatal(err)
	}
	f.mod = off
	path := f.link(t, "spam", time.Now().Add(time.Hour))
	if rec := f.serve(http.MethodPost, path); rec.Code != http.StatusForbidden || f.status(t) != models.StatusPending {
		t.Fatalf("disabled moderator's link: %d, status %s", rec.Code, f.status(t))
	}
}

func TestLinkForDeletedCommentOrUnknownAction(t *testing.T) {
	f := newLinkFixture(t)
	gone := f.s.modActionLink(modAction{CommentID: f.comment.ID + 100, Action: "approve", ModeratorID: f.mod.ID, Expires: time.Now().Add(time.Hour)})
	u, _ := url.Parse(gone)
	if rec := f.serve(http.MethodPost, u.Path); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "no longer exists") {
		t.Fatalf("missing comment: %d %s", rec.Code, rec.Body)
	}
	// "restore" is a queue action, but no email offers it: a signed link for
	// it is still refused.
	restore := f.s.signer.sign(modActionPurpose, modAction{CommentID: f.comment.ID, Action: "restore", ModeratorID: f.mod.ID,
		Expires: time.Now().Add(time.Hour)}.value())
	if rec := f.serve(http.MethodPost, modActionsPath+restore); rec.Code != http.StatusNotFound {
		t.Fatalf("restore link: %d", rec.Code)
	}
	// A form-time stamp is signed by the same keys for another purpose.
	if rec := f.serve(http.MethodGet, modActionsPath+f.s.signer.formStamp(time.Now())); rec.Code != http.StatusNotFound {
		t.Fatalf("form stamp as link: %d", rec.Code)
	}
}
