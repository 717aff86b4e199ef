package handlers

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"time"

	"parley/views"
)

// templates holds every page view, each parsed with the layout and the
// partials once at start-up.
type templates struct {
	pages map[string]*template.Template
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
}

func parseTemplates(a *assets) (*templates, error) {
	partials, err := fs.Glob(views.FS, "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range pageViews {
		files := append([]string{"layout.html", name + ".html"}, partials...)
		tmpl, err := template.New("layout.html").Funcs(viewFuncs).Funcs(template.FuncMap{"asset": a.url}).ParseFS(views.FS, files...)
		if err != nil {
			return nil, fmt.Errorf("views: parse %s: %w", name, err)
		}
		t.pages[name] = tmpl
	}
	return t, nil
}

func (t *templates) execute(w io.Writer, name string, data any) error {
	tmpl, ok := t.pages[name]
	if !ok {
		return fmt.Errorf("views: no view %q", name)
	}
	return tmpl.ExecuteTemplate(w, "layout.html", data)
}

// executePartial renders one named partial template (e.g. the thread
// fragment) without the layout.
func (t *templates) executePartial(w io.Writer, page, partial string, data any) error {
	tmpl, ok := t.pages[page]
	if !ok {
		return fmt.Errorf("views: no view %q", page)
	}
	return tmpl.ExecuteTemplate(w, partial, data)
}

var viewFuncs = template.FuncMap{
	"countLabel": countLabel,
	"isoTime":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"longTime":   func(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") },
	"shortDate":  func(t time.Time) string { return t.UTC().Format("2 January 2006") },
	"relTime":    func(t time.Time) string { return relativeTime(time.Since(t)) },
	// trusted marks HTML that went through the markup sanitizer.
	"trusted": func(s string) template.HTML { return template.HTML(s) },
	"title":   func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
}

// countLabel words a comment count the way readers expect.
func countLabel(n int) string {
	switch n {
	case 0:
		return "No comments"
	case 1:
		return "1 comment"
	default:
		return fmt.Sprintf("%d comments", n)
	}
}

// relativeTime words how long ago something happened.
func relativeTime(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d < 365*24*time.Hour:
		return plural(int(d/(30*24*time.Hour)), "month")
	default:
		return plural(int(d/(365*24*time.Hour)), "year")
	}
}
