package handlers

import (
	"errors"
	"html/template"
	"io"
	"strings"
	"testing"

	"parley/handlers/i18n"
)

// Views are parsed on first use, so this is where a broken view is caught:
// every view parses, with the layout and the partials, in every language.
func TestEveryViewParses(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	views, err := parseTemplates(mustAssets(t), cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range cat.Languages() {
		for _, name := range pageViews {
			if _, err := views.view(lang, name); err != nil {
				t.Errorf("%s in %s: %v", name, lang, err)
			}
			// html/template escapes (and finds a missing partial) on the
			// first execution; an error of its own type is such a fault,
			// while empty data may fail later, on a missing field.
			var tmplErr *template.Error
			if err := views.executeIn(io.Discard, lang, name, pageData{}); errors.As(err, &tmplErr) {
				t.Errorf("%s in %s: %v", name, lang, err)
			}
		}
	}
	if _, err := views.view(i18n.Default, "no_such_view"); err == nil {
		t.Error("an unknown view was found")
	}
}

func mustAssets(t *testing.T) *assets {
	t.Helper()
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAssetOfAnUnknownKindIsRefused(t *testing.T) {
	a := mustAssets(t)
	err := a.add("logo.webp", []byte("RIFF"))
	if err == nil || !strings.Contains(err.Error(), `no content type for ".webp" files`) {
		t.Fatalf("add(logo.webp) = %v, want an error naming the extension", err)
	}
	if _, ok := a.byName["logo.webp"]; ok {
		t.Fatal("the refused file was registered")
	}
}

// Views write counts with the page's digit grouping, and the queue keeps
// the plain number beside it for admin.js.
func TestViewsWriteCountsInThePagesLanguage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "900,000", "de": "900.000", "es": "900.000"} {
		num := langFuncs(cat.Get(lang))["num"].(func(any) string)
		if got := num(uint(900_000)); got != want {
			t.Errorf("%s: num 900000 = %q, want %q", lang, got, want)
		}
	}
}
