package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"parley/models"
)

type settingsView struct {
	Site    models.Site
	Sites   []models.Site
	Errors  map[string]string
	Saved   bool
	CanEdit bool
}

func (s *Server) settingsPage(c *gin.Context) {
	siteID := c.DefaultQuery("site", models.DefaultSiteID)
	s.showSettings(c, http.StatusOK, siteID, nil, c.Query("saved") == "1")
}

func (s *Server) showSettings(c *gin.Context, status int, siteID string, errs map[string]string, saved bool) {
	ctx := c.Request.Context()
	site, err := s.store.Site(ctx, siteID)
	if isNotFound(err) {
		s.notFound(c)
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := settingsView{Site: site, Sites: sites, Errors: errs, Saved: saved,
		CanEdit: currentModerator(c).Role == models.RoleAdmin}
	s.render(c, status, "admin_settings", pageData{Title: "Settings", Data: view})
}

// saveSettings changes a site's moderation mode and reply depth; admins only.
func (s *Server) saveSettings(c *gin.Context) {
	mod := currentModerator(c)
	if mod.Role != models.RoleAdmin {
		s.fail(c, http.StatusForbidden, "forbidden", "Only admins can change settings.")
		return
	}
	ctx := c.Request.Context()
	site, err := s.store.Site(ctx, c.PostForm("site"))
	if isNotFound(err) {
		s.notFound(c)
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	v := &models.ValidationError{}
	mode := c.PostForm("moderation")
	switch mode {
	case models.ModerationPre, models.ModerationPost:
	default:
		v.Add("moderation", "Choose pre-moderation or post-moderation.")
	}
	depth, err := strconv.Atoi(c.PostForm("max_depth"))
	if err != nil || depth < 1 || depth > 10 {
		v.Add("max_depth", "Reply depth must be a whole number from 1 to 10.")
	}
	if !v.Empty() {
		s.showSettings(c, http.StatusUnprocessableEntity, site.ID, v.Fields, false)
		return
	}
	before := site.Settings.Moderation
	site.Settings.Moderation, site.Settings.MaxDepth = mode, depth
	if err := s.store.SaveSite(ctx, &site); err != nil {
		s.serverError(c, err)
		return
	}
	actor := actorOf(c)
	if err := s.store.AddAudit(ctx, &models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name,
		Action: "settings", Before: before, After: mode, Note: "site " + site.ID}); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/settings?saved=1&site="+site.ID)
}
