package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"parley/models"
)

type settingsView struct {
	Site    models.Site
	Sites   []models.Site
	Presets []models.Preset
	Preset  string // the preset the current values equal, if any
	Errors  map[string]string
	Saved   bool
	CanEdit bool
	Mail    mailPanel
	Reader  readerPanel
}

func (s *Server) settingsPage(c *gin.Context) {
	siteID := c.DefaultQuery("site", models.DefaultSiteID)
	s.showSettings(c, http.StatusOK, siteID, nil, nil, c.Query("saved") == "1")
}

// showSettings renders the settings of a site; edited, when not nil, is
// what the admin typed (shown again with errs).
func (s *Server) showSettings(c *gin.Context, status int, siteID string, edited *models.SiteSettings, errs map[string]string, saved bool) {
	ctx := c.Request.Context()
	site, ok := s.siteOr404(c, siteID)
	if !ok {
		return
	}
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if edited != nil {
		site.Settings = *edited
	}
	view := settingsView{Site: site, Sites: sites, Presets: models.Presets(), Errors: errs, Saved: saved,
		CanEdit: currentModerator(c).Role == models.RoleAdmin}
	view.Mail = s.mailPanel(c)
	view.Reader = typedReaderPanel(c, site.Settings, errs)
	for _, p := range view.Presets {
		if p.Moderation == site.Settings.Moderation && rulesEqual(p.Rules, site.Settings.Rules) {
			view.Preset = p.ID
		}
	}
	s.render(c, status, "admin_settings", pageData{Title: s.tr(c).T("settings.title"), Data: view})
}

func rulesEqual(a, b models.RuleSettings) bool {
	return fmt.Sprintf("%+v", a.Normalized()) == fmt.Sprintf("%+v", b.Normalized())
}

// saveSettings changes a site's moderation settings; admins only (routes). The
// "preset" button applies a preset's whole set of values in one click.
func (s *Server) saveSettings(c *gin.Context) {
	ctx := c.Request.Context()
	site, ok := s.siteOr404(c, c.PostForm("site"))
	if !ok {
		return
	}
	before := site.Settings
	next, errs := settingsFromForm(c, site.Settings)
	if errs != nil {
		s.showSettings(c, http.StatusUnprocessableEntity, site.ID, &next, errs, false)
		return
	}
	site.Settings = next.Normalized()
	if err := s.store.SaveSite(ctx, &site); err != nil {
		s.serverError(c, err)
		return
	}
	actor := actorOf(c)
	note := "site " + site.ID
	if p := c.PostForm("preset"); p != "" {
		note += ", preset " + p
	}
	if err := s.store.AddAudit(ctx, &models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name,
		Action: "settings", Before: before.Moderation, After: site.Settings.Moderation, Note: note}); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/settings?saved=1&site="+site.ID)
}

// settingsFromForm reads the settings form (or a preset) over cur.
func settingsFromForm(c *gin.Context, cur models.SiteSettings) (models.SiteSettings, map[string]string) {
	if id := c.PostForm("preset"); id != "" {
		p, ok := models.PresetByID(id)
		if !ok {
			return cur, map[string]string{"preset": "Unknown preset."}
		}
		cur.Moderation, cur.Rules = p.Moderation, p.Rules
		return cur, nil
	}
	v := &models.ValidationError{}
	next := cur
	next.Moderation = c.PostForm("moderation")
	switch next.Moderation {
	case models.ModerationPre, models.ModerationPost, models.ModerationSmart:
	default:
		v.Add("moderation", "Choose pre-moderation, smart or post-moderation.")
	}
	number := func(field string, lo, hi int, msg string) int {
		n, err := strconv.Atoi(strings.TrimSpace(c.PostForm(field)))
		if err != nil || n < lo || n > hi {
			v.Add(field, msg)
		}
		return n
	}
	next.MaxDepth = number("max_depth", 1, 10, "Reply depth must be a whole number from 1 to 10.")
	next.Rules.MaxLinks = number("max_links", 0, 100, "Links must be a whole number from 0 (no limit) to 100.")
	next.Rules.OldPostDays = number("old_post_days", 0, 36500, "Days must be a whole number, 0 to turn the rule off.")
	next.Rules.TrustAfter = number("trust_after", 1, 100, "Trust needs a whole number of approved comments from 1 to 100.")
	next.Rules.FlagThreshold = number("flag_threshold", 1, 100, "Flags must be a whole number from 1 to 100.")
	for field, msg := range ApplyReaderInput(&next, readerFormInput(c)) {
		v.Add(field, msg)
	}
	next.Rules.HoldWords = splitWords(c.PostForm("hold_words"))
	next.Rules.BlockWords = splitWords(c.PostForm("block_words"))
	for field, words := range map[string][]string{"hold_words": next.Rules.HoldWords, "block_words": next.Rules.BlockWords} {
		if len(words) > 500 {
			v.Add(field, "At most 500 words or phrases.")
		}
		for _, w := range words {
			if len(w) > 100 {
				v.Add(field, "Each word or phrase can have at most 100 characters.")
			}
		}
	}
	if !v.Empty() {
		return next, v.Fields
	}
	return next, nil
}

// splitWords reads a word list typed one per line or separated by commas.
func splitWords(raw string) []string {
	out := []string{}
	for _, w := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}
