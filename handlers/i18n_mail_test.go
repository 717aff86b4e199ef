package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/models"
	"parley/models/store"
)

// commentLang posts a comment through the API with an Accept-Language
// header and returns its id.
func (e *mailEnv) commentLang(lang, author, email, body string, parent uint, notify bool) uint {
	e.t.Helper()
	fields := fmt.Sprintf(`{"site":"default","page":%q,"author":%q,"email":%q,"body":%q,"notify":%v`, welcomePage, author, email, body, notify)
	if parent != 0 {
		fields += fmt.Sprintf(`,"parent_id":%d`, parent)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/comments", strings.NewReader(fields+"}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", lang)
	resp := e.do(e.client(), req)
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("create comment: %d %s", resp.StatusCode, resp.Body)
	}
	var out struct{ Comment struct{ ID uint } }
	decode(e.t, resp.Body, &out)
	return out.Comment.ID
}

func (e *mailEnv) setLanguage(lang string) {
	e.t.Helper()
	ctx := context.Background()
	site, err := e.store.Site(ctx, models.DefaultSiteID)
	if err != nil {
		e.t.Fatal(err)
	}
	site.Settings.Language = lang
	if err := e.store.SaveSite(ctx, &site); err != nil {
		e.t.Fatal(err)
	}
}

var confirmLinkRE = regexp.MustCompile(`(?m)^\S+:\s+(http\S+/replies/confirm/\S+)$`)

func TestI18nMailReaderGerman(t *testing.T) {
	e, smtp := replyEnv(t)
	ctx := context.Background()
	alice := e.commentLang("de-DE,de;q=0.9,en;q=0.5", "Alice", readerEmail, "Erster!", 0, true)
	got := e.mailTo(smtp, readerEmail)
	if len(got) != 1 {
		t.Fatalf("want one confirmation, got %d", len(got))
	}
	c := got[0]
	if !strings.HasPrefix(c.Subject, "Bitte bestätigen: E-Mails zu Antworten von ") {
		t.Errorf("Subject = %q", c.Subject)
	}
	wantContains(t, c.Body, "Hallo Alice,\n", "Bitte bestätigen Sie, dass diese Adresse Ihnen gehört", "Bestätigen:  http", "gilt bis zum ", " um ")
	wantNotContains(t, c.Body, "Please confirm", "Hello")
	m := confirmLinkRE.FindStringSubmatch(c.Body)
	if m == nil {
		t.Fatalf("no confirm link in:\n%s", c.Body)
	}
	e.postForm(nil, e.path(m[1]), nil)
	if sub, err := e.store.Subscriber(ctx, readerEmail); err != nil || sub.ConfirmedAt == nil || sub.Language != "de" {
		t.Fatalf("subscriber = %+v, %v", sub, err)
	}
	e.approve(alice)
	bob := e.commentLang("en", "Bob\u202e", "bob@example.com", "Danke <b>Alice</b>", alice, false)
	e.approve(bob)
	got = e.mailTo(smtp, readerEmail)
	if len(got) != 2 {
		t.Fatalf("want the reply email, got %d mails", len(got))
	}
	r := got[1]
	if r.Subject != "Bob hat auf Ihren Kommentar zu Welcome geantwortet" {
		t.Errorf("Subject = %q", r.Subject)
	}
	wantContains(t, r.Body, "Hallo Alice,\n", "Bob hat auf Ihren Kommentar zu Welcome geantwortet:\n\n> Danke <b>Alice</b>\n",
		"Lesen und antworten:\n", "„Antworten per E-Mail“ angekreuzt", "Alle E-Mails zu Antworten an diese Adresse abbestellen (ein Klick):\n"+e.srv.URL+"/replies/unsubscribe/")
	wantNotContains(t, r.Body, "\u202e", "replied", "Stop all")
}

func TestI18nMailReaderSiteInSpanish(t *testing.T) {
	e, smtp := replyEnv(t)
	e.setLanguage("es")
	alice := e.commentLang("de", "Alice", readerEmail, "¡Primero!", 0, true)
	got := e.mailTo(smtp, readerEmail)
	if len(got) != 1 || !strings.HasPrefix(got[0].Subject, "Confirma los correos de respuestas de ") {
		t.Fatalf("want a Spanish confirmation, got %+v", got)
	}
	wantContains(t, got[0].Body, "Hola, Alice:\n", "Confirma que esta dirección es tuya", "Confirmar:  http", "funciona hasta el ")
	if _, err := e.store.ConfirmReplies(context.Background(), readerEmail, e.clock.now()); err != nil {
		t.Fatal(err)
	}
	e.approve(alice)
	bob := e.commentLang("en", "Bob", "bob@example.com", "Gracias", alice, false)
	e.approve(bob)
	got = e.mailTo(smtp, readerEmail)
	if len(got) != 2 || got[1].Subject != "Bob respondió a tu comentario en Welcome" {
		t.Fatalf("want a Spanish reply email, got %+v", got)
	}
	wantContains(t, got[1].Body, "Léela y responde:\n", "marcaste «Avisarme de respuestas por correo»", "(un clic):\n")
}

func TestI18nMailModeratorGerman(t *testing.T) {
	e, smtp := replyEnv(t)
	c := e.client()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/login",
		strings.NewReader(url.Values{"email": {adminEmail}, "password": {adminPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "de-CH, de;q=0.9")
	wantStatus(t, e.do(c, req), http.StatusSeeOther)
	if mod, err := e.store.ModeratorByEmail(context.Background(), adminEmail); err != nil || mod.Language != "de" {
		t.Fatalf("moderator language = %q, %v", mod.Language, err)
	}
	// The reader writes in English; the moderator reads German.
	e.commentLang("en", "Jörg", "jorg@example.net", "See http://a.example/ http://b.example/ http://c.example/", 0, false)
	got := e.mailTo(smtp, adminEmail)
	if len(got) != 1 {
		t.Fatalf("want one held-comment email, got %d", len(got))
	}
	m := got[0]
	if m.Subject != "Zurückgehaltener Kommentar von Jörg zu Welcome" {
		t.Errorf("Subject = %q", m.Subject)
	}
	wantContains(t, m.Body, "Ein Kommentar auf ", "wartet auf Moderation.\n",
		"Beitrag:      Welcome\n", "Autor:        Jörg <jorg@example.net>\n", "Geschrieben:  ",
		"Zurückgehalten wegen:\n", "  - Zu viele Links (3 Links, Grenze 2)\n",
		"  - Vorab-Moderation (die Website hält jeden neuen Kommentar zurück)\n",
		"Der Kommentar:\n", "Freigeben:          http", "Als Spam markieren: http",
		"Ein Link funktioniert einmal, bis zum ", "„eine E-Mail pro zurückgehaltenem Kommentar“")
	wantNotContains(t, m.Body, "Held because", "Too many links", "Approve")
}

func TestI18nQueueReasonsGerman(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.setModeration(models.ModerationPre)
		id, _ := e.comment("Ann", "See http://a.example/ http://b.example/ http://c.example/", 0)
		admin := e.admin()
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/admin/queue", nil)
		req.Header.Set("Accept-Language", "de")
		page := e.do(admin, req)
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, fmt.Sprintf(`id="q-%d"`, id), "Zu viele Links · 3 Links, Grenze 2",
			"Vorab-Moderation · die Website hält jeden neuen Kommentar zurück")
		wantNotContains(t, page.Body, "3 links, limit 2", "the site holds every new comment")
		// English desks see the stored text.
		wantContains(t, e.get(admin, "/admin/queue").Body, "Too many links · 3 links, limit 2")

		// Parley's own audit notes are translated; a typed note is not.
		ctx := context.Background()
		entries, err := e.store.Moderate(ctx, []uint{id}, models.StatusApproved, store.Actor{Name: "Admin"}, "looks fine to me")
		if err != nil || len(entries) != 1 {
			t.Fatal(entries, err)
		}
		if _, err := e.store.Undo(ctx, entries[0].ID, store.Actor{Name: "Admin"}); err != nil {
			t.Fatal(err)
		}
		req, _ = http.NewRequest(http.MethodGet, e.srv.URL+"/admin/audit", nil)
		req.Header.Set("Accept-Language", "de")
		audit := e.do(admin, req).Body
		wantContains(t, audit, fmt.Sprintf("Rücknahme von Eintrag #%d", entries[0].ID), "looks fine to me")
		wantNotContains(t, audit, "undo of entry")
	})
}
