package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// maxOrigins caps how many origins one site lists.
const maxOrigins = 50

var siteIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidSiteID reports whether id can name a site: lowercase letters,
// digits, dots, dashes and underscores, at most 64, starting with a letter
// or digit.
func ValidSiteID(id string) bool { return siteIDPattern.MatchString(id) }

// ParseOrigins reads origins typed one per line (or separated by commas or
// spaces), normalizes each, and drops repeats. The second result lists what
// was not an origin.
func ParseOrigins(raw string) (origins, bad []string) {
	origins = []string{}
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		o, ok := NormalizeOrigin(f)
		switch {
		case !ok:
			bad = append(bad, f)
		case !seen[o]:
			seen[o] = true
			origins = append(origins, o)
		}
	}
	return origins, bad
}

// siteForm is the add/edit form of a site as typed.
type siteForm struct {
	ID, Name, Origins, Moderation string
}

type siteRow struct {
	models.Site
	Stats store.SiteStats
}

type sitesView struct {
	Sites   []siteRow
	Form    siteForm
	Errors  map[string]string
	CanEdit bool
}

type siteEditView struct {
	Site         models.Site
	Form         siteForm
	Errors       map[string]string
	Saved        bool
	CanEdit      bool
	Snippet      string
	CountSnippet string
	ScriptURL    string
	PreviewURL   string // the page the preview pretends to be on, or "" without origins
	PreviewTheme string
	Themes       []string
	Reader       readerPanel
}

func (s *Server) sitesPage(c *gin.Context) {
	s.showSites(c, http.StatusOK, siteForm{Moderation: models.ModerationPre}, nil)
}

func (s *Server) showSites(c *gin.Context, status int, form siteForm, errs map[string]string) {
	ctx := c.Request.Context()
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	stats, err := s.store.AllSiteStats(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := sitesView{Form: form, Errors: errs, CanEdit: currentModerator(c).Role == models.RoleAdmin}
	for _, site := range sites {
		view.Sites = append(view.Sites, siteRow{Site: site, Stats: stats[site.ID]})
	}
	s.render(c, status, "admin_sites", pageData{Title: s.tr(c).T("sites.title"), Data: view})
}

// readSiteForm checks the typed fields; the id and moderation mode only
// when creating.
func readSiteForm(c *gin.Context, creating bool) (siteForm, []string, map[string]string) {
	form := siteForm{ID: strings.TrimSpace(c.PostForm("id")), Name: strings.TrimSpace(c.PostForm("name")),
		Origins: c.PostForm("origins"), Moderation: c.PostForm("moderation")}
	v := &models.ValidationError{}
	if creating {
		if !ValidSiteID(form.ID) {
			v.Add("id", "Use 1 to 64 lowercase letters, digits, dots, dashes or underscores, like my-blog.")
		}
		switch form.Moderation {
		case models.ModerationPre, models.ModerationSmart, models.ModerationPost:
		default:
			v.Add("moderation", "Choose pre-moderation, smart or post-moderation.")
		}
	}
	if n := utf8.RuneCountInString(form.Name); n == 0 || n > 200 {
		v.Add("name", "Give the site a name of at most 200 characters.")
	}
	origins, bad := ParseOrigins(form.Origins)
	switch {
	case len(bad) > 0:
		v.Add("origins", fmt.Sprintf("Not an origin: %s. Write each like https://blog.example.com — scheme and host, no path.", strings.Join(bad, ", ")))
	case len(origins) > maxOrigins:
		v.Add("origins", fmt.Sprintf("A site can have at most %d origins.", maxOrigins))
	}
	return form, origins, v.Fields
}

// createSite adds a site; admins only.
func (s *Server) createSite(c *gin.Context) {
	form, origins, errs := readSiteForm(c, true)
	if errs != nil {
		s.showSites(c, http.StatusUnprocessableEntity, form, errs)
		return
	}
	site := models.Site{ID: form.ID, Name: form.Name, Origins: origins, Settings: models.DefaultSiteSettings()}
	site.Settings.Moderation = form.Moderation
	ctx := c.Request.Context()
	if err := s.store.CreateSite(ctx, &site); errors.Is(err, models.ErrConflict) {
		s.showSites(c, http.StatusUnprocessableEntity, form, map[string]string{"id": "A site with this id exists already."})
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	if !s.auditSite(c, "add_site", site) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/sites/"+url.PathEscape(site.ID)+"?saved=1")
}

func (s *Server) siteEditPage(c *gin.Context) {
	s.showSite(c, http.StatusOK, nil, nil, c.Query("saved") == "1")
}

// showSite renders one site; typed, when not nil, is the form as the admin
// sent it (shown again with errs).
func (s *Server) showSite(c *gin.Context, status int, typed *siteForm, errs map[string]string, saved bool) {
	site, ok := s.siteOr404(c, c.Param("id"))
	if !ok {
		return
	}
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	view := siteEditView{Site: site, Errors: errs, Saved: saved, CanEdit: currentModerator(c).Role == models.RoleAdmin,
		Form:      siteForm{ID: site.ID, Name: site.Name, Origins: strings.Join(site.Origins, "\n")},
		ScriptURL: "/static/embed.js", PreviewTheme: "auto", Themes: []string{"auto", "light", "dark"}}
	if typed != nil {
		view.Form = *typed
	}
	view.Snippet = fmt.Sprintf("<script src=\"%s/static/embed.js\" data-site=\"%s\" async></script>\n<div id=\"parley-thread\"></div>", base, site.ID)
	view.CountSnippet = fmt.Sprintf("<a href=\"/my-post.html#comments\" data-parley-count=\"/my-post.html\">Comments</a>\n<script src=\"%s/static/count.js\" data-site=\"%s\" async></script>", base, site.ID)
	view.Reader = typedReaderPanel(c, site.Settings, errs)
	if t := c.Query("theme"); t == "light" || t == "dark" {
		view.PreviewTheme = t
	}
	if len(site.Origins) > 0 {
		view.PreviewURL = site.Origins[0] + "/"
	}
	s.render(c, status, "admin_site_edit", pageData{Title: site.Name, Data: view})
}

// saveSite changes a site's name and origins; admins only. Moderation
// settings have their own page.
func (s *Server) saveSite(c *gin.Context) {
	ctx := c.Request.Context()
	site, ok := s.siteOr404(c, c.Param("id"))
	if !ok {
		return
	}
	form, origins, errs := readSiteForm(c, false)
	if readerErrs := ApplyReaderInput(&site.Settings, readerFormInput(c)); readerErrs != nil {
		if errs == nil {
			errs = map[string]string{}
		}
		for field, msg := range readerErrs {
			errs[field] = msg
		}
	}
	if errs != nil {
		form.ID = site.ID
		s.showSite(c, http.StatusUnprocessableEntity, &form, errs, false)
		return
	}
	site.Name, site.Origins = form.Name, origins
	if err := s.store.SaveSite(ctx, &site); err != nil {
		s.serverError(c, err)
		return
	}
	if !s.auditSite(c, "save_site", site) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/sites/"+url.PathEscape(site.ID)+"?saved=1")
}

// auditSite records a site change; false when it failed and was answered.
func (s *Server) auditSite(c *gin.Context, action string, site models.Site) bool {
	actor := actorOf(c)
	note := truncate(fmt.Sprintf("site %s, origins: %s", site.ID, strings.Join(site.Origins, " ")), 500)
	err := s.store.AddAudit(c.Request.Context(), &models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name,
		Action: action, After: truncate(site.Name, 64), Note: note})
	if err != nil {
		s.serverError(c, err)
		return false
	}
	return true
}

// siteOr404 loads the site an admin page names; on false it has answered
// with the not-found page or a server error.
func (s *Server) siteOr404(c *gin.Context, id string) (models.Site, bool) {
	site, err := s.store.Site(c.Request.Context(), id)
	if isNotFound(err) {
		s.notFound(c)
		return site, false
	} else if err != nil {
		s.serverError(c, err)
		return site, false
	}
	return site, true
}
