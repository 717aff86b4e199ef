package handlers

import (
	"strings"
	"testing"
	"time"

	"parley/handlers/i18n"
	"parley/models"
	"parley/models/store"
)

func loadCatalogs(t *testing.T) *i18n.Catalogs {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestI18nReasonTexts(t *testing.T) {
	cat := loadCatalogs(t)
	de, es, en := cat.Get("de"), cat.Get("es"), cat.Get("en")
	for _, c := range []struct {
		r            models.Reason
		text, de, es string
	}{
		{models.Reason{Code: "links", Text: "Too many links", Detail: "3 links, limit 2"}, "Zu viele Links", "3 Links, Grenze 2", "3 enlaces, límite 2"},
		{models.Reason{Code: "old_post", Text: "Old post", Detail: "post published 1 days ago, limit 0"}, "", "Beitrag vor 1 Tag veröffentlicht, Grenze 0", "entrada publicada hace 1 día, límite 0"},
		{models.Reason{Code: "first_time", Text: "First-time commenter", Detail: "trusted after 2 approved comments"}, "", "vertrauenswürdig nach 2 freigegebenen Kommentaren", "de confianza tras 2 comentarios aprobados"},
		{models.Reason{Code: "hold_word", Text: "Held word", Detail: `"casino*" in body; "x" in user agent`}, "Zurückhaltendes Wort", `"casino*" im Feld Text; "x" im Feld User-Agent`, `"casino*" en texto; "x" en agente de usuario`},
		{models.Reason{Code: "shadow_ban", Text: "Shadow-banned commenter", Detail: "ip ban: talks: too much"}, "Schattengesperrte Person", "Sperre nach IP: talks: too much", "bloqueo por IP: talks: too much"},
		{models.Reason{Code: "banned", Text: "Banned commenter", Detail: "ban"}, "", "Sperre", "bloqueo"},
		{models.Reason{Code: "akismet", Text: "Akismet spam", Detail: "blatant spam (discard hint)"}, "", "eindeutiger Spam (Hinweis: verwerfen)", "spam evidente (sugerencia: descartar)"},
		{models.Reason{Code: "flags", Text: "Flagged by readers", Detail: `3 flags: spam ×2, off-topic — "buy now"`}, "Von Lesern gemeldet", `3 Meldungen: Spam ×2, themenfremd — "buy now"`, `3 denuncias: spam ×2, fuera de tema — "buy now"`},
		{models.Reason{Code: "imported", Text: "Imported", Detail: "pending in the disqus export"}, "", "wartend im Export von disqus", "pendiente en la exportación de disqus"},
		{models.Reason{Code: "pre_moderation", Text: "Pre-moderation", Detail: `unknown moderation mode "odd" treated as pre-moderation`}, "Vorab-Moderation", `unbekannter Moderationsmodus "odd", behandelt als Vorab-Moderation`, `modo de moderación desconocido "odd", tratado como moderación previa`},
		// Unknown codes and details show as stored.
		{models.Reason{Code: "future", Text: "Something new", Detail: "7 whatsits"}, "Something new", "7 whatsits", "7 whatsits"},
		{models.Reason{Code: "links", Text: "Too many links", Detail: "links galore"}, "", "links galore", "links galore"},
	} {
		if c.text != "" {
			if got := reasonText(de, c.r); got != c.text {
				t.Errorf("%s: text %q, want %q", c.r.Code, got, c.text)
			}
		}
		if got := reasonText(en, c.r); got != c.r.Text {
			t.Errorf("%s: English text %q, want the stored %q", c.r.Code, got, c.r.Text)
		}
		if got := reasonDetail(de, c.r); got != c.de {
			t.Errorf("%s: German detail %q, want %q", c.r.Code, got, c.de)
		}
		if got := reasonDetail(es, c.r); got != c.es {
			t.Errorf("%s: Spanish detail %q, want %q", c.r.Code, got, c.es)
		}
	}
	// English details read as the rules wrote them (plural fixed).
	if got := reasonDetail(en, models.Reason{Code: "links", Detail: "3 links, limit 2"}); got != "3 links, limit 2" {
		t.Errorf("English detail %q", got)
	}
}

func TestI18nAuditNotes(t *testing.T) {
	de := loadCatalogs(t).Get("de")
	for _, c := range []struct {
		action, note, want string
	}{
		{"delete", "deleted by author", "vom Autor gelöscht"},
		{"erase", "erased at its author's request", "auf Wunsch des Autors getilgt"},
		{"undo", "undo of entry #12", "Rücknahme von Eintrag #12"},
		{"settings", "site default, preset strict", "Website default, Vorlage strict"},
		{"settings", "own email notifications", "eigene E-Mail-Benachrichtigungen"},
		{"save_site", "site blog, origins: https://a.example https://b.example", "Website blog, Ursprünge: https://a.example https://b.example"},
		{"change role", "account ann@example.com", "Konto ann@example.com"},
		{"ban", "email x@example.com (shadow) until 2026-01-02 03:04 UTC: deleted by author", "E-Mail x@example.com (Schatten) bis 2026-01-02 03:04 UTC: deleted by author"},
		{"unban", "ip 10.0.0.1", "IP 10.0.0.1"},
		{"approved", "via email link", "per E-Mail-Link"},
		// A moderator's own words stay as typed, even when they look like Parley's.
		{"approved", "deleted by author", "deleted by author"},
		{"removed", "undo of entry #3", "undo of entry #3"},
		{"unban", "ip 10.0.0.1: because", "ip 10.0.0.1: because"},
		{"spam", "obvious", "obvious"},
	} {
		if got := systemNote(de, models.AuditEntry{Action: c.action, Note: c.note}); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.action, c.note, got, c.want)
		}
	}
}

func TestI18nHeldCommentTextGerman(t *testing.T) {
	f := newLinkFixture(t)
	de := f.s.i18n.Get("de")
	c := models.Comment{ID: 42, Author: "Ann", Email: "ann@example.com", Body: strings.Repeat("Wort ", 700), CreatedAt: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC),
		Reasons: []models.Reason{{Code: "hold_word", Text: "Held word", Detail: `"casino" in body`}}}
	var b strings.Builder
	f.s.writeHeldComment(&b, de, store.QueueItem{Comment: c, SiteID: models.DefaultSiteID, Page: "/p/1", ThreadTitle: "Titel"}, models.Site{ID: models.DefaultSiteID}, f.mod, time.Now().Add(time.Hour))
	f.s.writeMailFooter(&b, de, time.Date(2025, 1, 9, 3, 4, 0, 0, time.UTC), de.T("email.setting.digest"))
	text := b.String()
	for _, want := range []string{
		"Beitrag:      Titel\n", "Adresse:      http://parley.test/p/1\n", "Autor:        Ann <ann@example.com>\n",
		"Geschrieben:  2. Januar 2025 um 03:04 UTC\n", "Zurückgehalten wegen:\n  - Zurückhaltendes Wort (\"casino\" im Feld Text)\n",
		"[Hier gekürzt; die Seite des Freigabe-Links zeigt den ganzen Kommentar.]", "Freigeben:          http://parley.test/mod/actions/42.approve.",
		"Ein Link funktioniert einmal, bis zum 9. Januar 2025 um 03:04 UTC.\n", "„eine Übersicht der zurückgehaltenen Kommentare“",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("email text lacks %q:\n%s", want, text)
		}
	}
}
