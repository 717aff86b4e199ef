package handlers

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"parley/handlers/i18n"
	"parley/models"
	"parley/views"
)

// templates holds every page view, each parsed with the layout and the
// partials on its first use. html/template binds functions at parse time,
// so each language gets its own clone of a view with "t", "tn", "th",
// "lang" and the date and count helpers bound to its catalog. Clones are
// made on a view's first use in a language (a clone costs about as much
// as a parse; most servers use one or two languages), from masters that
// are never executed, since html/template cannot clone after execution.
//
// Nothing is parsed at start-up: the views are embedded in the binary, so
// they cannot change after the build, and TestEveryViewParses parses them
// all. Parsing them all at start cost most of the start-up time and about
// 5 MB of memory for views a server may never show (the import page, the
// privacy pages).
type templates struct {
	cat      *i18n.Catalogs
	funcs    template.FuncMap
	partials []string

	mu      sync.RWMutex
	masters map[string]*template.Template            // view → parsed, never executed
	langs   map[string]map[string]*template.Template // language → view → clone
}

// pageViews lists the views; each is views/<name>.html.
var pageViews = []string{
	"index", "post", "error",
	"admin_login", "admin_queue", "admin_audit", "admin_posts", "admin_post_edit",
	"admin_settings", "admin_password", "admin_bans", "admin_moderators",
	"embed", "admin_sites", "admin_site_edit",
	"mod_action",
	"admin_import",
	"admin_dashboard",
	"comment_edit", "admin_comment_edit",
	"subscription", "privacy", "privacy_comments",
}

func parseTemplates(a *assets, cat *i18n.Catalogs) (*templates, error) {
	partials, err := fs.Glob(views.FS, "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	// Later maps win, as with successive Funcs calls.
	funcs := template.FuncMap{}
	for _, m := range []template.FuncMap{viewFuncs, langFuncs(cat.Get(i18n.Default)),
		{"asset": a.url, "langName": langName(cat)}} {
		maps.Copy(funcs, m)
	}
	return &templates{cat: cat, funcs: funcs, partials: partials,
		masters: map[string]*template.Template{}, langs: map[string]map[string]*template.Template{}}, nil
}

// master returns a view parsed with the layout and the partials, parsing it
// on first use; t.mu must be held for writing.
func (t *templates) master(name string) (*template.Template, error) {
	if m, ok := t.masters[name]; ok {
		return m, nil
	}
	if !slices.Contains(pageViews, name) {
		return nil, fmt.Errorf("views: no view %q", name)
	}
	files := append([]string{"layout.html", name + ".html"}, t.partials...)
	m, err := template.New("layout.html").Funcs(t.funcs).ParseFS(views.FS, files...)
	if err != nil {
		return nil, fmt.Errorf("views: parse %s: %w", name, err)
	}
	t.masters[name] = m
	return m, nil
}

// view returns a view bound to a language, cloning it on first use.
func (t *templates) view(lang, name string) (*template.Template, error) {
	t.mu.RLock()
	tmpl, ok := t.langs[lang][name]
	t.mu.RUnlock()
	if ok {
		return tmpl, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if tmpl, ok := t.langs[lang][name]; ok {
		return tmpl, nil
	}
	master, err := t.master(name)
	if err != nil {
		return nil, err
	}
	clone, err := master.Clone()
	if err != nil {
		return nil, fmt.Errorf("views: %s in %s: %w", name, lang, err)
	}
	clone.Funcs(langFuncs(t.cat.Get(lang)))
	if t.langs[lang] == nil {
		t.langs[lang] = map[string]*template.Template{}
	}
	t.langs[lang][name] = clone
	return clone, nil
}

// executeIn renders a view with the layout in the given language.
func (t *templates) executeIn(w io.Writer, lang, name string, data any) error {
	return t.executePartialIn(w, lang, name, "layout.html", data)
}

// executePartialIn renders one named partial template in a language.
func (t *templates) executePartialIn(w io.Writer, lang, page, partial string, data any) error {
	if !t.cat.Supported(lang) {
		lang = i18n.Default
	}
	tmpl, err := t.view(lang, page)
	if err != nil {
		return err
	}
	return tmpl.ExecuteTemplate(w, partial, data)
}

// langFuncs are the template functions bound to one language. In a view:
// {{t "key" "name" value}}, {{tn "key" .Count}} (plural, {n} is the count),
// {{th "key" …}} for catalog texts with their own <strong> or <code>,
// {{tx .Problem}} for English texts from Go code.
func langFuncs(tr *i18n.Translator) template.FuncMap {
	return template.FuncMap{
		"lang": tr.Lang,
		"t":    func(key string, args ...any) template.HTML { return template.HTML(tr.Safe(key, args...)) },
		"tn": func(key string, n any, args ...any) template.HTML {
			return template.HTML(tr.SafeN(key, toInt(n), args...))
		},
		"th": func(key string, args ...any) template.HTML { return template.HTML(tr.HTML(key, args...)) },
		// tx translates a message that Go code wrote in English (a form
		// problem shared with the JSON API) when the catalog has it.
		"tx": tr.FromEnglish,
		// jsText is the JSON of every message under a key prefix, for a
		// data- attribute that a script reads: scripts carry no catalogs.
		"jsText": func(prefix string) (string, error) {
			b, err := json.Marshal(tr.Messages(prefix))
			return string(b), err
		},
		// tv translates a value by key prefix ("value." .Status) and shows
		// the value itself when the catalog has no word for it.
		"tv": func(prefix string, v any) string {
			if key := prefix + fmt.Sprint(v); tr.Has(key) {
				return tr.T(key)
			}
			return fmt.Sprint(v)
		},
		"countLabel": func(n any) string { return tr.N("count.comments", toInt(n)) },
		// num writes a count with the language's digit grouping ("20,000").
		"num":       func(n any) string { return tr.Number(toInt(n)) },
		"relTime":   func(t time.Time) string { return tr.Ago(time.Since(t)) },
		"longTime":  tr.LongTime,
		"shortDate": tr.ShortDate,
		"dayShort":  tr.DayShort,
		"dayLong":   tr.DayLong,

		// reasonText and reasonDetail show a held comment's reason in the
		// page's language (see reasons.go).
		"reasonText":   func(r models.Reason) string { return reasonText(tr, r) },
		"reasonDetail": func(r models.Reason) string { return reasonDetail(tr, r) },
		// auditNote is an audit entry's note, Parley's own in the page's
		// language (see auditnotes.go).
		"auditNote": func(e models.AuditEntry) string { return systemNote(tr, e) },
	}
}

// langName names a language in itself ("Deutsch"), for a language menu;
// codes without a catalog are shown as they are.
func langName(cat *i18n.Catalogs) func(code string) string {
	return func(code string) string {
		if !cat.Supported(code) {
			return code
		}
		return cat.Get(code).T("language.self")
	}
}

// toInt reads a count of any integer type, as templates hand them over.
func toInt(n any) int {
	v := reflect.ValueOf(n)
	switch {
	case v.CanInt():
		return int(v.Int())
	case v.CanUint():
		return int(v.Uint())
	}
	return 0
}

var viewFuncs = template.FuncMap{
	"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// trusted marks HTML that went through the markup sanitizer.
	"trusted": func(s string) template.HTML { return template.HTML(s) },
	"title":   func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
}
