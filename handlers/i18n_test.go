package handlers_test

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"parley/handlers/i18n"
	"parley/models"
	"parley/views"
)

// TestI18nTemplateKeys: every key a view names literally ({{t "key"}},
// {{tn "key" n}}, {{th "key"}}) is in the English catalog, so no reader
// ever sees a key.
func TestI18nTemplateKeys(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := cat.Get(i18n.Default)
	call := regexp.MustCompile(`\{\{-?\s*(?:[^}]*[ (])?(?:t|tn|th) "([^"]+)"`)
	found := 0
	err = fs.WalkDir(views.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(views.FS, path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			found++
			if !en.Has(m[1]) {
				t.Errorf("%s: key %q is not in the catalogs", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 100 {
		t.Errorf("found only %d translated texts in the views; is the pattern right?", found)
	}
}

// setSiteLanguage fixes a site's language as the settings page would.
func (e *env) setSiteLanguage(siteID, lang string) {
	e.t.Helper()
	ctx := context.Background()
	site, err := e.store.Site(ctx, siteID)
	if err != nil {
		e.t.Fatal(err)
	}
	site.Settings.Language = lang
	if err := e.store.SaveSite(ctx, &site); err != nil {
		e.t.Fatal(err)
	}
}

// getLang fetches a page with an Accept-Language header.
func (e *env) getLang(c *http.Client, path, acceptLanguage string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	return e.do(c, req)
}

// TestI18nAdminFollowsAcceptLanguage: the moderation desk speaks the
// moderator's language, whatever the sites are set to.
func TestI18nAdminFollowsAcceptLanguage(t *testing.T) {
	e := newEnv(t)
	e.setSiteLanguage(models.DefaultSiteID, "es")
	r := e.getLang(nil, "/admin/login", "de-CH, de;q=0.9, en;q=0.5")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, `<html lang="de">`, "Anmelden", "E-Mail", "Passwort")
	wantNotContains(t, r.Body, "Sign in", "Iniciar sesión")
	if v := r.Header.Values("Vary"); !slices.Contains(v, "Accept-Language") {
		t.Errorf("Vary = %v, want Accept-Language", v)
	}
	r = e.getLang(nil, "/admin/login", "fr, it")
	wantContains(t, r.Body, `<html lang="en">`, "Sign in")

	admin := e.admin()
	r = e.getLang(admin, "/admin/moderators", "es")
	wantContains(t, r.Body, `<html lang="es">`, "Moderadores", "Añadir moderador", "Cerrar sesión")
	r = e.getLang(admin, "/admin/dashboard", "de")
	wantContains(t, r.Body, "Übersicht", "Kommentare pro Tag", "Warteschlange")

	bad := e.client()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/login", nil)
	req.Header.Set("Accept-Language", "es")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = e.do(bad, req)
	wantStatus(t, r, http.StatusUnauthorized)
	wantContains(t, r.Body, "El correo o la contraseña no son correctos.")
}

// TestI18nBlogFollowsDefaultSite: the blog's pages follow the default
// site's language; "auto" follows the reader.
func TestI18nBlogFollowsDefaultSite(t *testing.T) {
	e := newEnv(t)
	id, _ := e.comment("Ann", "Hello there", 0)
	e.approve(id)

	r := e.getLang(nil, "/", "de-DE,de;q=0.9")
	wantContains(t, r.Body, `<html lang="de">`, "1 Kommentar<", "Kommentare mit Parley.")
	r = e.getLang(nil, "/", "es")
	wantContains(t, r.Body, `<html lang="es">`, "1 comentario<")
	r = e.getLang(nil, "/", "")
	wantContains(t, r.Body, `<html lang="en">`, "1 comment<")

	e.setSiteLanguage(models.DefaultSiteID, "es")
	r = e.getLang(nil, "/", "de")
	wantContains(t, r.Body, `<html lang="es">`, "1 comentario<")
	wantNotContains(t, r.Body, "Kommentar")

	r = e.getLang(nil, "/posts/no-such-post", "de")
	wantStatus(t, r, http.StatusNotFound)
	wantContains(t, r.Body, "No encontrado", "Aquí no hay nada.", "Volver al blog")

	// Feeds follow the site's language too.
	r = e.getLang(nil, welcomePage+"/comments.atom", "")
	wantContains(t, r.Body, "Comentarios sobre Welcome", "Ann en Welcome")

	// JSON errors stay English: they are for programs, with codes.
	r = e.getLang(nil, "/api/v1/nothing-here", "es")
	wantContains(t, r.Body, "There is nothing here.")
}

// TestI18nCountWords: the counts API words its numbers in the site's
// language, so count.js needs no data-* words on a German blog.
func TestI18nCountWords(t *testing.T) {
	e := newEnv(t)
	req := func(lang string) map[string]string {
		body := strings.NewReader(`{"site":"default","pages":["/posts/welcome"]}`)
		r, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/counts", body)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept-Language", lang)
		resp := e.do(nil, r)
		wantStatus(t, resp, http.StatusOK)
		var out struct {
			Words map[string]string
			Lang  string
		}
		decode(t, resp.Body, &out)
		out.Words["lang"] = out.Lang // the language count.js groups digits by
		return out.Words
	}
	if got := req("de"); got["zero"] != "Keine Kommentare" || got["one"] != "1 Kommentar" || got["many"] != "{n} Kommentare" || got["lang"] != "de" {
		t.Errorf("German words: %v", got)
	}
	e.setSiteLanguage(models.DefaultSiteID, "es")
	if got := req("de"); got["one"] != "1 comentario" || got["many"] != "{n} comentarios" || got["lang"] != "es" {
		t.Errorf("a Spanish site's words: %v", got)
	}
}
