package handlers

import (
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

const minPasswordLen = 10

// requireAdmin lets only admins through; moderators get 403. It runs after
// requireModerator and guards every admin-only route (see routes).
func (s *Server) requireAdmin(c *gin.Context) {
	if currentModerator(c).Role != models.RoleAdmin {
		s.failT(c, http.StatusForbidden, "forbidden", "mods.admins_only")
		return
	}
	c.Next()
}

// moderatorForm is the "add a moderator" form as typed.
type moderatorForm struct {
	Email, Name, Role string
}

// moderatorRow is one account as the page shows it: no password hash.
type moderatorRow struct {
	ID          uint
	Email, Name string
	Role        string
	Disabled    bool
	Self        bool
}

type moderatorsView struct {
	Moderators []moderatorRow
	Form       moderatorForm
	Errors     map[string]string
	Problem    string // a refused change to one account
	Done       string // what the last change did
}

func (s *Server) moderatorsPage(c *gin.Context) {
	view := moderatorsView{Form: moderatorForm{Role: models.RoleModerator}}
	switch done := c.Query("done"); done {
	case "added", "disabled", "enabled", "role", "password":
		view.Done = s.tr(c).T("mods.done." + done)
	}
	s.showModerators(c, http.StatusOK, view)
}

func (s *Server) showModerators(c *gin.Context, status int, view moderatorsView) {
	list, err := s.store.Moderators(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	me := currentModerator(c).ID
	for _, m := range list {
		view.Moderators = append(view.Moderators, moderatorRow{ID: m.ID, Email: m.Email, Name: m.Name,
			Role: m.Role, Disabled: m.Disabled, Self: m.ID == me})
	}
	s.render(c, status, "admin_moderators", pageData{Title: s.tr(c).T("mods.title"), Data: view})
}

// addModerator creates an account with an initial password.
func (s *Server) addModerator(c *gin.Context) {
	form := moderatorForm{Email: strings.TrimSpace(c.PostForm("email")), Name: strings.TrimSpace(c.PostForm("name")),
		Role: c.PostForm("role")}
	password := c.PostForm("password")
	v, tr := &models.ValidationError{}, s.tr(c)
	if addr, err := mail.ParseAddress(form.Email); err != nil || addr.Address != form.Email || len(form.Email) > 254 {
		v.Add("email", tr.T("mods.err_email"))
	}
	if form.Name == "" || utf8.RuneCountInString(form.Name) > 100 {
		v.Add("name", tr.T("mods.err_name"))
	}
	if form.Role != models.RoleAdmin && form.Role != models.RoleModerator {
		v.Add("role", tr.T("mods.err_role"))
	}
	if len(password) < minPasswordLen || len(password) > 1000 {
		v.Add("password", tr.T("password.short"))
	}
	if !v.Empty() {
		s.showModerators(c, http.StatusUnprocessableEntity, moderatorsView{Form: form, Errors: v.Fields})
		return
	}
	hash, err := HashPassword(password)
	if err != nil {
		s.serverError(c, err)
		return
	}
	m := models.Moderator{Email: form.Email, Name: form.Name, PasswordHash: hash, Role: form.Role}
	if err := s.store.AddModerator(c.Request.Context(), &m, actorOf(c)); errors.Is(err, models.ErrConflict) {
		s.showModerators(c, http.StatusUnprocessableEntity, moderatorsView{Form: form,
			Errors: map[string]string{"email": tr.T("mods.err_exists")}})
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/moderators?done=added")
}

// changeModerator handles the per-account actions: disable, enable, role
// and password.
func (s *Server) changeModerator(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	ctx, actor, done := c.Request.Context(), actorOf(c), c.Param("action")
	switch done {
	case "disable", "enable":
		_, err = s.store.SetModeratorDisabled(ctx, uint(id), done == "disable", actor)
		done += "d"
	case "role":
		role := c.PostForm("role")
		if role != models.RoleAdmin && role != models.RoleModerator {
			s.failT(c, http.StatusBadRequest, "bad_role", "mods.err_role")
			return
		}
		_, err = s.store.SetModeratorRole(ctx, uint(id), role, actor)
	case "password":
		password := c.PostForm("password")
		if len(password) < minPasswordLen || len(password) > 1000 {
			s.showModerators(c, http.StatusUnprocessableEntity, moderatorsView{Form: moderatorForm{Role: models.RoleModerator},
				Problem: s.tr(c).T("mods.err_reset_short")})
			return
		}
		if uint(id) == currentModerator(c).ID {
			s.showModerators(c, http.StatusUnprocessableEntity, moderatorsView{Form: moderatorForm{Role: models.RoleModerator},
				Problem: s.tr(c).T("mods.err_reset_self")})
			return
		}
		var hash string
		if hash, err = HashPassword(password); err == nil {
			_, err = s.store.ResetModeratorPassword(ctx, uint(id), hash, actor)
		}
	default:
		s.notFound(c)
		return
	}
	problem := ""
	switch {
	case isNotFound(err):
		s.notFound(c)
		return
	case errors.Is(err, store.ErrSelf):
		problem = s.tr(c).T("mods.err_self")
	case errors.Is(err, store.ErrLastAdmin):
		problem = s.tr(c).T("mods.err_last_admin")
	case err != nil:
		s.serverError(c, err)
		return
	}
	if problem != "" {
		s.showModerators(c, http.StatusConflict, moderatorsView{Form: moderatorForm{Role: models.RoleModerator}, Problem: problem})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/moderators?done="+done)
}
