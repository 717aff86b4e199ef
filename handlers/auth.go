package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"parley/handlers/i18n"
	"parley/models"
	"parley/models/store"
)

const (
	sessionCookie   = "parley_session"
	sessionLifetime = 12 * time.Hour
	moderatorKey    = "moderator"
	sessionIDKey    = "session_id"

	// Sign-in throttling: a few free tries per email and per IP, then a
	// doubling wait, forgotten after an hour without failures.
	freeLoginTries  = 3
	maxLoginWait    = 15 * time.Minute
	loginFailWindow = time.Hour
)

// sessionKeys returns hash/encryption key pairs, newest first, persisted in
// the database so restarts and other instances accept the same cookies.
func sessionKeys(ctx context.Context, st *store.Store) ([][]byte, error) {
	hashKeys, err := st.Secrets(ctx, "session-hash", 64)
	if err != nil {
		return nil, fmt.Errorf("handlers: session keys: %w", err)
	}
	blockKeys, err := st.Secrets(ctx, "session-block", 32)
	if err != nil {
		return nil, fmt.Errorf("handlers: session keys: %w", err)
	}
	var pairs [][]byte
	for i := range hashKeys {
		block := blockKeys[0]
		if i < len(blockKeys) {
			block = blockKeys[i]
		}
		pairs = append(pairs, hashKeys[i], block)
	}
	return pairs, nil
}

func newCookieStore(keyPairs [][]byte, secure bool) *sessions.CookieStore {
	cs := sessions.NewCookieStore(keyPairs...)
	// gorilla's defaults (30 days, no HttpOnly, no SameSite) are not safe here.
	cs.Options = &sessions.Options{
		Path:     "/admin",
		MaxAge:   int(sessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	cs.MaxAge(cs.Options.MaxAge)
	return cs
}

type loginView struct {
	Email, Next, Error string
}

func (s *Server) loginPage(c *gin.Context) {
	s.render(c, http.StatusOK, "admin_login", pageData{Title: s.tr(c).T("login.title"), Data: loginView{Next: safeNext(c.Query("next"))}})
}

func (s *Server) login(c *gin.Context) {
	email := strings.ToLower(strings.TrimSpace(c.PostForm("email")))
	password := c.PostForm("password")
	view := loginView{Email: email, Next: safeNext(c.PostForm("next"))}
	ctx := c.Request.Context()
	keys := []string{"ip:" + s.clientKey(c), "email:" + email}
	tr := s.tr(c)
	title := tr.T("login.title")

	if wait, err := s.loginWait(ctx, keys); err != nil {
		s.serverError(c, err)
		return
	} else if wait > 0 {
		retryAfter(c, wait)
		view.Error = tr.T("login.throttled", "wait", waitWords(tr, wait))
		s.render(c, http.StatusTooManyRequests, "admin_login", pageData{Title: title, Data: view})
		return
	}

	mod, err := s.store.ModeratorByEmail(ctx, email)
	ok := false
	switch {
	case err == nil && !mod.Disabled && !unusableHash(mod.PasswordHash):
		ok, err = CheckPassword(mod.PasswordHash, password)
		if err != nil {
			s.serverError(c, err)
			return
		}
	case err == nil || errors.Is(err, models.ErrNotFound):
		s.passwd.waste(password)
	default:
		s.serverError(c, err)
		return
	}
	if !ok {
		for _, k := range keys {
			if err := s.store.RecordLoginFailure(ctx, k, loginFailWindow); err != nil {
				s.serverError(c, err)
				return
			}
		}
		view.Error = tr.T("login.wrong")
		s.render(c, http.StatusUnauthorized, "admin_login", pageData{Title: title, Data: view})
		return
	}
	for _, k := range keys {
		if err := s.store.ClearLoginFailures(ctx, k); err != nil {
			s.serverError(c, err)
			return
		}
	}
	if err := s.startSession(c, mod); err != nil {
		s.serverError(c, err)
		return
	}
	// The desk follows the browser's language; the moderator's emails,
	// written with no request at hand, follow the one they signed in with.
	if err := s.store.SetModeratorLanguage(ctx, mod.ID, tr.Lang()); err != nil {
		s.log.Error("login: moderator language", "moderator", mod.ID, "err", err)
	}
	next := view.Next
	if next == "" {
		next = "/admin"
	}
	c.Redirect(http.StatusSeeOther, next)
}

// loginWait returns how long the client must wait before trying again.
func (s *Server) loginWait(ctx context.Context, keys []string) (time.Duration, error) {
	var wait time.Duration
	for _, k := range keys {
		f, err := s.store.LoginFailures(ctx, k)
		if err != nil {
			return 0, err
		}
		if f.Failures < freeLoginTries || s.now().Sub(f.LastAt) > loginFailWindow {
			continue
		}
		delay := maxLoginWait
		if shift := f.Failures - freeLoginTries; shift < 20 {
			delay = min(time.Second<<shift, maxLoginWait)
		}
		if left := f.LastAt.Add(delay).Sub(s.now()); left > wait {
			wait = left
		}
	}
	return wait, nil
}

// startSession issues a fresh session id (never reusing one from before the
// sign-in) and stores it server-side so logout can revoke every copy.
func (s *Server) startSession(c *gin.Context, mod models.Moderator) error {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return fmt.Errorf("session id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(buf)
	now := s.now().UTC()
	if err := s.store.CreateSession(c.Request.Context(), &models.Session{ID: id, ModeratorID: mod.ID,
		CreatedAt: now, ExpiresAt: now.Add(sessionLifetime)}); err != nil {
		return err
	}
	sess := sessions.NewSession(s.cookies, sessionCookie)
	opts := *s.cookies.Options
	sess.Options = &opts
	sess.IsNew = true
	sess.Values[sessionIDKey] = id
	return s.cookies.Save(c.Request, c.Writer, sess)
}

func (s *Server) sessionID(c *gin.Context) string { return s.sessionCookies.id(c.Request) }

func (s *Server) logout(c *gin.Context) {
	if id := s.sessionID(c); id != "" {
		if err := s.store.DeleteSession(c.Request.Context(), id); err != nil {
			s.serverError(c, err)
			return
		}
	}
	sess := sessions.NewSession(s.cookies, sessionCookie)
	opts := *s.cookies.Options
	opts.MaxAge = -1
	sess.Options = &opts
	if err := s.cookies.Save(c.Request, c.Writer, sess); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/login")
}

// requireModerator lets signed-in moderators through and sends everyone
// else to the sign-in page.
func (s *Server) requireModerator(c *gin.Context) {
	id := s.sessionID(c)
	if id != "" {
		mod, err := s.store.SessionModerator(c.Request.Context(), id)
		if err == nil {
			c.Set(moderatorKey, mod)
			c.Set(sessionIDKey, id)
			c.Next()
			return
		}
		if !errors.Is(err, models.ErrNotFound) {
			s.serverError(c, err)
			return
		}
	}
	if wantsJSON(c) {
		c.AbortWithStatusJSON(http.StatusUnauthorized, apiErr("Sign in first.", "unauthorized"))
		return
	}
	next := ""
	if c.Request.Method == http.MethodGet {
		next = "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
	}
	c.Redirect(http.StatusSeeOther, "/admin/login"+next)
	c.Abort()
}

func currentModerator(c *gin.Context) models.Moderator {
	m, _ := c.Get(moderatorKey)
	mod, _ := m.(models.Moderator)
	return mod
}

func actorOf(c *gin.Context) store.Actor {
	mod := currentModerator(c)
	id := mod.ID
	return store.Actor{ModeratorID: &id, Name: mod.Email}
}

// safeNext keeps only local admin paths, so a crafted link cannot send a
// moderator to another site after signing in.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}

type passwordView struct {
	Error string
	Done  bool
}

func (s *Server) passwordPage(c *gin.Context) {
	s.render(c, http.StatusOK, "admin_password", pageData{Title: s.tr(c).T("password.title"), Data: passwordView{}})
}

// changePassword sets a new password; every session of the moderator,
// this one included, is revoked, and a fresh one is issued.
func (s *Server) changePassword(c *gin.Context) {
	mod := currentModerator(c)
	current, next := c.PostForm("current"), c.PostForm("new")
	ok, err := CheckPassword(mod.PasswordHash, current)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := passwordView{}
	tr := s.tr(c)
	switch {
	case !ok:
		view.Error = tr.T("password.wrong")
	case len(next) < 10:
		view.Error = tr.T("password.short")
	}
	if view.Error != "" {
		s.render(c, http.StatusUnprocessableEntity, "admin_password", pageData{Title: tr.T("password.title"), Data: view})
		return
	}
	hash, err := HashPassword(next)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if err := s.store.SetPassword(c.Request.Context(), mod.ID, hash); err != nil {
		s.serverError(c, err)
		return
	}
	if err := s.startSession(c, mod); err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_password", pageData{Title: tr.T("password.title"), Data: passwordView{Done: true}})
}

// waitWords words a waiting time in whole seconds, or minutes from two
// minutes on.
func waitWords(tr *i18n.Translator, d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs >= 120 {
		return tr.N("unit.minutes", (secs+59)/60)
	}
	return tr.N("unit.seconds", secs)
}
