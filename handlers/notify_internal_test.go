package handlers

import (
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
)

func TestHeldCommentTextForAnotherSite(t *testing.T) {
	f := newLinkFixture(t)
	site := models.Site{ID: "other", Name: "Other\u202e blog", Origins: []string{"https://blog.example.net/"}}
	c := models.Comment{ID: 42, Author: "Ann\r\nBcc: x", Body: strings.Repeat("long words ", 400), CreatedAt: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC),
		Reasons: []models.Reason{{Code: "words", Text: "Hold word", Detail: "casino\x1b"}}}
	item := store.QueueItem{Comment: c, SiteID: "other", Page: "/p/1"}
	var b strings.Builder
	f.s.writeHeldComment(&b, f.s.i18n.Get("en"), item, site, f.mod, time.Now().Add(time.Hour))
	text := b.String()
	for _, want := range []string{
		"Post:     /p/1\n", "Address:  https://blog.example.net/p/1\n", "Site:     Other blog\n",
		"Author:   Ann Bcc: x\n", "Written:  2 January 2025 at 03:04 UTC\n", "  - Hold word (casino)\n",
		"[Cut here; the approve link's page shows the whole comment.]", "Approve:      http://parley.test/mod/actions/42.approve.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("email text lacks %q:\n%s", want, text)
		}
	}
	if strings.ContainsAny(text, "\r\x1b\u202e") {
		t.Errorf("control characters reached the email: %q", text)
	}
}
