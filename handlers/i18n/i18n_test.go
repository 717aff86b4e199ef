package i18n

import (
	"reflect"
	"regexp"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

func loadAll(t *testing.T) *Catalogs {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestI18nCatalogsComplete: every language has every English key, no key
// English lacks, the same kind of message (plain or plural) and the same
// placeholders.
func TestI18nCatalogsComplete(t *testing.T) {
	c := loadAll(t)
	for _, want := range []string{"de", "en", "es"} {
		if !c.Supported(want) {
			t.Errorf("no catalog for %s", want)
		}
	}
	en := c.Get(Default)
	for _, lang := range c.Languages() {
		tr := c.Get(lang)
		for key, m := range en.msgs {
			got, ok := tr.msgs[key]
			if !ok {
				t.Errorf("%s: missing %q", lang, key)
				continue
			}
			if (m.forms == nil) != (got.forms == nil) {
				t.Errorf("%s: %q is plural in one language and plain in the other", lang, key)
			}
			if m.forms == nil && got.text == "" {
				t.Errorf("%s: %q is empty", lang, key)
			}
			if a, b := en.placeholders(key), tr.placeholders(key); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: %q has placeholders %v, English %v", lang, key, b, a)
			}
		}
		for key := range tr.msgs {
			if _, ok := en.msgs[key]; !ok {
				t.Errorf("%s: %q is not in the English catalog", lang, key)
			}
		}
	}
}

func TestI18nNegotiate(t *testing.T) {
	c := loadAll(t)
	for _, tc := range []struct{ site, header, want string }{
		{"auto", "", "en"},
		{"", "de", "de"},
		{"auto", "de-DE,de;q=0.9,en;q=0.8", "de"},
		{"auto", "fr-FR, es;q=0.7, en;q=0.5", "es"},
		{"auto", "en;q=0.4, es;q=0.9", "es"},
		{"auto", "es-MX", "es"},
		{"auto", "ES-ar", "es"},
		{"auto", "fr, it", "en"},
		{"auto", "de;q=0, es;q=0.1", "es"},
		{"auto", "de;q=abc, es;q=0.2", "es"},
		{"auto", "*", "en"},
		{"auto", "de;q=2", "en"},
		{"es", "de", "es"},
		{"de", "en-US,en;q=0.9", "de"},
		{"en", "de", "en"},
		{"fr", "de", "de"}, // a language without a catalog acts like auto
		{"xx", "", "en"},
	} {
		if got := c.Negotiate(tc.site, tc.header); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.site, tc.header, got, tc.want)
		}
		if got := c.For(tc.site, tc.header).Lang(); got != tc.want {
			t.Errorf("For(%q, %q) = %q, want %q", tc.site, tc.header, got, tc.want)
		}
	}
}

func TestI18nPluralsAndDates(t *testing.T) {
	c := loadAll(t)
	de, es, en := c.Get("de"), c.Get("es"), c.Get("en")
	day := time.Date(2026, 3, 5, 14, 7, 0, 0, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{en.N("count.comments", 0), "No comments"},
		{en.N("count.comments", 1), "1 comment"},
		{de.N("count.comments", 1), "1 Kommentar"},
		{de.N("count.comments", 3), "3 Kommentare"},
		{es.N("count.comments", 1), "1 comentario"},
		{es.N("count.comments", 3), "3 comentarios"},
		{de.N("count.comments", 0), "Keine Kommentare"},
		{en.N("count.comments", 1234), "1,234 comments"},
		{de.N("count.comments", 1234), "1.234 Kommentare"},
		{es.N("count.comments", 1234), "1234 comentarios"},
		{es.N("count.comments", 12_345), "12.345 comentarios"},
		{de.Ago(3 * time.Hour), "vor 3 Stunden"},
		{es.Ago(3 * time.Hour), "hace 3 horas"},
		{en.Ago(time.Hour), "1 hour ago"},
		{es.Ago(10 * time.Second), "ahora mismo"},
		{de.Ago(40 * 24 * time.Hour), "vor 1 Monat"},
		{en.ShortDate(day), "5 March 2026"},
		{de.ShortDate(day), "5. März 2026"},
		{es.ShortDate(day), "5 de marzo de 2026"},
		{de.LongTime(day), "5. März 2026 um 14:07 UTC"},
		{en.DayShort(day), "Thu 5 Mar"},
		{de.DayLong(day), "Do. 5. März"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestI18nFallbackAndPlaceholders(t *testing.T) {
	c, err := load(fstest.MapFS{
		"locales/en.json": {Data: []byte(`{"hi": "Hello, {name}!", "only.en": "English", "bold": "<strong>{who}</strong> wrote", "gone": "Gone."}`)},
		"locales/de.json": {Data: []byte(`{"hi": "Hallo, {name}!", "bold": "<strong>{who}</strong> schrieb", "gone": "Weg."}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	de := c.Get("de")
	for _, tc := range []struct{ got, want string }{
		{de.T("hi", "name", "Ann"), "Hallo, Ann!"},
		{de.T("only.en"), "English"},
		{de.T("missing.key"), "missing.key"},
		{de.HTML("bold", "who", "<b>x</b>"), "<strong>&lt;b&gt;x&lt;/b&gt;</strong> schrieb"},
		{de.FromEnglish("Gone."), "Weg."},
		{de.FromEnglish("Not in the catalog."), "Not in the catalog."},
		{c.Get("fr").T("hi", "name", "Bo"), "Hello, Bo!"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if _, err := load(fstest.MapFS{"locales/de.json": {Data: []byte(`{}`)}}); err == nil {
		t.Error("catalogs without English loaded")
	}
	if _, err := load(fstest.MapFS{"locales/en.json": {Data: []byte(`{"x": {"one": "1"}}`)}}); err == nil {
		t.Error("a plural without an other form loaded")
	}
}

func TestI18nFromEnglish(t *testing.T) {
	c, err := load(fstest.MapFS{
		"locales/en.json": {Data: []byte(`{
			"gone": "There is no such comment.",
			"site": "Parley has no site {site}. Check the snippet.",
			"wait": {"one": "Please wait {n} second.", "other": "Please wait {n} seconds."},
			"short": "{a} · {b}"}`)},
		"locales/de.json": {Data: []byte(`{
			"gone": "Diesen Kommentar gibt es nicht.",
			"site": "Parley kennt keine Website {site}. Prüfen Sie das Snippet.",
			"wait": {"one": "Bitte {n} Sekunde warten.", "other": "Bitte {n} Sekunden warten."},
			"short": "{a} – {b}"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	de := c.Get("de")
	for _, tc := range []struct{ in, want string }{
		{"There is no such comment.", "Diesen Kommentar gibt es nicht."},
		{`Parley has no site "blog". Check the snippet.`, `Parley kennt keine Website "blog". Prüfen Sie das Snippet.`},
		{"Please wait 1 second.", "Bitte 1 Sekunde warten."},
		{"Please wait 30 seconds.", "Bitte 30 Sekunden warten."},
		{"Please wait many seconds.", "Please wait many seconds."},
		{"x · y", "x · y"}, // mostly placeholders: never matched
		{"reason: There is no such comment.", "Diesen Kommentar gibt es nicht."},
		{"a: There is no such comment.; b: Please wait 2 seconds.", "Diesen Kommentar gibt es nicht. Bitte 2 Sekunden warten."},
		{"a: There is no such comment.; b: unknown", "a: There is no such comment.; b: unknown"},
		{"Something else entirely.", "Something else entirely."},
		{"", ""},
	} {
		if got := de.FromEnglish(tc.in); got != tc.want {
			t.Errorf("FromEnglish(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	real := loadAll(t)
	if got := real.Get("es").FromEnglish("There is nothing here."); got != "Aquí no hay nada." {
		t.Errorf("FromEnglish in the shipped catalogs = %q", got)
	}
}

func TestI18nMessagesForScripts(t *testing.T) {
	c, err := load(fstest.MapFS{
		"locales/en.json": {Data: []byte(`{"js.a": "A", "js.b": "B", "js.n": {"one": "{n} item", "other": "{n} items"}, "other": "x"}`)},
		"locales/de.json": {Data: []byte(`{"js.a": "Ä", "js.n": {"one": "{n} Ding", "other": "{n} Dinge"}, "other": "y"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Get("de").Messages("js.")
	want := map[string]any{"a": "Ä", "b": "B", "n": map[string]string{"one": "{n} Ding", "other": "{n} Dinge"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Messages = %v, want %v", got, want)
	}
}

// TestI18nEmailKeysStayOutOfFromEnglish: an email's label ("Post",
// "Address") shares its English with words of the pages; FromEnglish keeps
// answering with the pages' key.
func TestI18nEmailKeysStayOutOfFromEnglish(t *testing.T) {
	de := loadAll(t).Get("de")
	if de.T("email.field.post") != "Beitrag" {
		t.Fatalf("email.field.post = %q", de.T("email.field.post"))
	}
	if got, want := de.FromEnglish("Post"), de.T("sites.mode.post"); got != want {
		t.Errorf("FromEnglish(Post) = %q, want the page's %q", got, want)
	}
}

// TestI18nSpanishUsesTu: the Spanish catalog speaks to readers and
// moderators with "tú" throughout.
func TestI18nSpanishUsesTu(t *testing.T) {
	es := loadAll(t).Get("es")
	formal := regexp.MustCompile(`\b(usted|Escriba|Pulse|Marque|Copie|Pida|Inténtelo|Su comentario|Sus comentarios|Necesita su)\b`)
	for key, m := range es.msgs {
		texts := []string{m.text}
		for _, f := range m.forms {
			texts = append(texts, f)
		}
		for _, s := range texts {
			if w := formal.FindString(s); w != "" {
				t.Errorf("%s uses the formal %q: %s", key, w, s)
			}
		}
	}
}

// TestI18nEmailTexts: the emails' plural and date messages read right.
func TestI18nEmailTexts(t *testing.T) {
	c := loadAll(t)
	at := time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, got, want string }{
		{"en", c.Get("en").N("email.digest.subject", 1), "1 held comment waiting"},
		{"de", c.Get("de").N("email.digest.intro", 3), "3 zurückgehaltene Kommentare warten auf Moderation."},
		{"es", c.Get("es").N("email.digest.subject", 2), "2 comentarios retenidos en espera"},
		{"de", c.Get("de").T("email.footer.once", "time", c.Get("de").LongTime(at)), "Ein Link funktioniert einmal, bis zum 4. März 2026 um 05:06 UTC."},
		{"es", c.Get("es").T("email.confirm.until", "time", c.Get("es").LongTime(at)), "El enlace abre una página con un botón Confirmar y funciona hasta el 4 de marzo de 2026, 05:06 UTC."},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, tc.got, tc.want)
		}
	}
}

// The English index is built on first use; readers in several languages
// may arrive at once (run with -race).
func TestI18nFromEnglishFirstUseIsConcurrent(t *testing.T) {
	c := loadAll(t)
	var wg sync.WaitGroup
	for _, lang := range []string{"de", "es", "de", "es", "en"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := c.Get(lang).FromEnglish("There is nothing here."); got == "" {
				t.Errorf("%s: empty translation", lang)
			}
		}()
	}
	wg.Wait()
	if got := c.Get("es").FromEnglish("There is nothing here."); got != "Aquí no hay nada." {
		t.Errorf("after concurrent first use: %q", got)
	}
}

// TestI18nNumbersGroupDigitsAsBrowsersDo matches Intl.NumberFormat in
// Chromium for each language, which admin.js uses to update counts.
func TestI18nNumbersGroupDigitsAsBrowsersDo(t *testing.T) {
	c := loadAll(t)
	cases := map[string]map[int]string{
		"en": {0: "0", 999: "999", 1000: "1,000", 20_000: "20,000", 1_234_567: "1,234,567", -1234: "-1,234"},
		"de": {999: "999", 9000: "9.000", 900_000: "900.000"},
		"es": {999: "999", 9000: "9000", 20_000: "20.000", 1_234_567: "1.234.567", -12_345: "-12.345"},
	}
	for lang, want := range cases {
		for n, s := range want {
			if got := c.Get(lang).Number(n); got != s {
				t.Errorf("%s: Number(%d) = %q, want %q", lang, n, got, s)
			}
		}
	}
}
