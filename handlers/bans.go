package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// Timeouts from the queue: "b" bans the author for a day by default.
const (
	defaultTimeoutHours = 24
	maxBanHours         = 24 * 365 * 10
	recentWindow        = 24 * time.Hour
)

// banFromComment bans the author of a comment in one action: by commenter
// key when the comment has one, else by IP (or email when asked), for N
// hours (0 = until lifted), optionally shadow, optionally removing their
// comments of the last 24 hours.
func (s *Server) banFromComment(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	ctx := c.Request.Context()
	cm, err := s.store.Comment(ctx, uint(id))
	if isNotFound(err) {
		s.notFound(c)
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	kind := c.DefaultPostForm("kind", "")
	if kind == "" {
		kind = models.BanKey
		if cm.CommenterKey == "" {
			kind = models.BanIP
		}
	}
	who := models.Commenter{IP: cm.IP, Email: cm.Email, Key: cm.CommenterKey} // the ban's value is normalized below
	var value string
	switch kind {
	case models.BanKey:
		value = who.Key
	case models.BanIP:
		value = who.IP
	case models.BanEmail:
		value = who.Email
	case models.BanDomain:
		_, value, _ = strings.Cut(who.Email, "@")
	}
	value, ok := models.NormalizeBanValue(kind, value)
	if !ok {
		s.failT(c, http.StatusUnprocessableEntity, "invalid", "bans.err_nothing."+banKindKey(kind))
		return
	}
	hours, ok := banHours(c.DefaultPostForm("hours", strconv.Itoa(defaultTimeoutHours)))
	if !ok {
		s.failT(c, http.StatusUnprocessableEntity, "invalid", "bans.err_hours")
		return
	}
	thread, err := s.store.ThreadByID(ctx, cm.ThreadID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	ban := models.Ban{SiteID: thread.SiteID, Kind: kind, Value: value, Shadow: c.PostForm("shadow") == "on",
		Note: strings.TrimSpace(c.PostForm("note")), CreatedBy: currentModerator(c).Email}
	if hours > 0 {
		until := s.now().UTC().Add(time.Duration(hours) * time.Hour)
		ban.ExpiresAt = &until
	}
	var since *time.Time
	if c.PostForm("remove_recent") == "on" {
		t := s.now().Add(-recentWindow)
		since = &t
	}
	if _, err := s.store.CreateBan(ctx, &ban, actorOf(c), since, who); err != nil {
		s.serverError(c, err)
		return
	}
	s.backToQueue(c)
}

func banHours(raw string) (int, bool) {
	h, err := strconv.Atoi(strings.TrimSpace(raw))
	return h, err == nil && h >= 0 && h <= maxBanHours
}

type bansView struct {
	Bans   []models.Ban
	Sites  []models.Site
	Kinds  []string
	Now    time.Time
	Errors map[string]string
	Form   banForm
}

type banForm struct {
	SiteID, Kind, Value, Hours, Note string
	Shadow                           bool
}

func (s *Server) bansPage(c *gin.Context) {
	s.showBans(c, http.StatusOK, banForm{Kind: models.BanIP, Hours: "0"}, nil)
}

func (s *Server) showBans(c *gin.Context, status int, form banForm, errs map[string]string) {
	ctx := c.Request.Context()
	bans, err := s.store.Bans(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, status, "admin_bans", pageData{Title: s.tr(c).T("bans.title"), Data: bansView{Bans: bans, Sites: sites,
		Kinds: models.BanKinds, Now: s.now(), Errors: errs, Form: form}})
}

// createBan adds a ban typed in by hand on the bans page.
func (s *Server) createBan(c *gin.Context) {
	form := banForm{SiteID: c.PostForm("site"), Kind: c.PostForm("kind"), Value: c.PostForm("value"),
		Hours: c.DefaultPostForm("hours", "0"), Note: strings.TrimSpace(c.PostForm("note")), Shadow: c.PostForm("shadow") == "on"}
	v, tr := &models.ValidationError{}, s.tr(c)
	value, ok := models.NormalizeBanValue(form.Kind, form.Value)
	if !ok {
		v.Add("value", tr.T("bans.err_value."+banKindKey(form.Kind)))
	}
	hours, ok := banHours(form.Hours)
	if !ok {
		v.Add("hours", tr.T("bans.err_hours"))
	}
	if form.SiteID != "" {
		if _, err := s.store.Site(c.Request.Context(), form.SiteID); err != nil {
			v.Add("site", tr.T("bans.err_site"))
		}
	}
	if !v.Empty() {
		s.showBans(c, http.StatusUnprocessableEntity, form, v.Fields)
		return
	}
	ban := models.Ban{SiteID: form.SiteID, Kind: form.Kind, Value: value, Shadow: form.Shadow, Note: form.Note,
		CreatedBy: currentModerator(c).Email}
	if hours > 0 {
		until := s.now().UTC().Add(time.Duration(hours) * time.Hour)
		ban.ExpiresAt = &until
	}
	if _, err := s.store.CreateBan(c.Request.Context(), &ban, actorOf(c), nil, models.Commenter{}); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/bans")
}

// banKindKey names a ban kind in catalog keys; "unknown" for anything else.
func banKindKey(kind string) string {
	for _, k := range models.BanKinds {
		if k == kind {
			return k
		}
	}
	return "unknown"
}

func (s *Server) deleteBan(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if err := s.store.DeleteBan(c.Request.Context(), uint(id), actorOf(c)); isNotFound(err) {
		s.notFound(c)
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/bans")
}
