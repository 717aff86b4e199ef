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
		s.fail(c, http.StatusForbidden, "forbidden", "Only admins can do this; moderators work the queue.")
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
	s.showModerators(c, http.StatusOK, moderatorsView{Form: moderatorForm{Role: models.RoleModerator}, Done: doneMessage(c.Query("done"))})
}

func doneMessage(code string) string {
	return map[string]string{
		"added":    "The account is created. Give them their email and password; they can change it after signing in.",
		"disabled": "The account is disabled and signed out everywhere.",
		"enabled":  "The account is enabled again.",
		"role":     "The role is changed.",
		"password": "The password is reset and the account is signed out everywhere.",
	}[code]
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
	s.render(c, status, "admin_moderators", pageData{Title: "Moderators", Data: view})
}

// addModerator creates an account with an initial password.
func (s *Server) addModerator(c *gin.Context) {
	form := moderatorForm{Email: strings.TrimSpace(c.PostForm("email")), Name: strings.TrimSpace(c.PostForm("name")),
		Role: c.PostForm("role")}
	password := c.PostForm("password")
	v := &models.ValidationError{}
	if addr, err := mail.ParseAddress(form.Email); err != nil || addr.Address != form.Email || len(form.Email) > 254 {
		v.Add("email", "Give an email address such as ann@example.com.")
	}
	if form.Name == "" || utf8.RuneCountInString(form.Name) > 100 {
		v.Add("name", "Give a name of at most 100 characters.")
	}
	if form.Role != models.RoleAdmin && form.Role != models.RoleModerator {
		v.Add("role", "Choose admin or moderator.")
	}
	if len(password) < minPasswordLen || len(password) > 1000 {
		v.Add("password", "The password needs at least 10 characters.")
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
			Errors: map[string]string{"email": "An account with this email exists already."}})
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
			s.fail(c, http.StatusBadRequest, "bad_role", "Choose admin or moderator.")
			return
		}
		_, err = s.store.SetModeratorRole(ctx, uint(id), role, actor)
	case "password":
		password := c.PostForm("password")
		if len(password) < minPasswordLen || len(password) > 1000 {
			s.showModerators(c, http.StatusUnprocessableEntity, moderatorsView{Form: moderatorForm{Role: models.RoleModerator},
				Problem: "Not reset: the new password needs at least 10 characters."})
			return
		}
		if uint(id) == currentModerator(c).ID {
			s.showModerators(c, http.StatusUnprocessableEntity, moderatorsView{Form: moderatorForm{Role: models.RoleModerator},
				Problem: "Change your own password on the Change password page; it asks for the current one."})
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
		problem = "You cannot disable your own account or change your own role. Ask another admin."
	case errors.Is(err, store.ErrLastAdmin):
		problem = "At least one enabled admin must remain. Make someone else an admin first."
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
