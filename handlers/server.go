// Package handlers serves Parley over HTTP: the blog pages, the comment
// API, and the moderation desk. All routes are wired in routes().
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"parley/models/markup"
	"parley/models/store"
)

// Config is what the handlers need to know about their deployment.
type Config struct {
	BaseURL        string
	SecureCookies  bool
	CommentRate    int           // new comments per client per minute; 0 turns the limit off
	FormMinTime    time.Duration // a form sent back sooner is treated as a bot; 0 turns it off
	TrustedProxies []string      // CIDRs whose X-Forwarded-For is believed
	Version        string
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg     Config
	store   *store.Store
	markup  *markup.Renderer
	views   *templates
	assets  *assets
	log     *slog.Logger
	cookies *sessions.CookieStore
	signer  *signer
	limiter *rateLimiter
	passwd  passwordChecker
	now     func() time.Time
	handler http.Handler
}

// New builds the server and its routes. Templates and assets are parsed
// here, so a broken view stops start-up instead of failing a request.
func New(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) (*Server, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	views, err := parseTemplates(assets)
	if err != nil {
		return nil, err
	}
	cookieKeys, err := sessionKeys(ctx, st)
	if err != nil {
		return nil, err
	}
	tokenKeys, err := st.Secrets(ctx, "tokens", 32)
	if err != nil {
		return nil, fmt.Errorf("handlers: token keys: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		store:   st,
		markup:  markup.New(),
		views:   views,
		assets:  assets,
		log:     log,
		cookies: newCookieStore(cookieKeys, cfg.SecureCookies),
		signer:  &signer{keys: tokenKeys},
		limiter: newRateLimiter(cfg.CommentRate, time.Minute),
		passwd:  newPasswordChecker(),
		now:     time.Now,
	}
	h, err := s.routes()
	if err != nil {
		return nil, err
	}
	s.handler = h
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() (http.Handler, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = true
	if err := r.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("handlers: trusted proxies: %w", err)
	}
	r.Use(s.accessLog, s.recoverPanics, securityHeaders, limitBody)
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.healthz)
	r.GET("/static/*file", s.static)
	r.GET("/avatars/:name", s.avatar)

	r.GET("/", s.index)
	r.GET("/posts/:slug", s.postPage)
	r.POST("/posts/:slug/comments", s.postCommentForm)

	api := r.Group("/api/v1")
	api.GET("/comments", s.apiListComments)
	api.POST("/comments", s.apiCreateComment)
	api.POST("/counts", s.apiCounts)

	admin := r.Group("/admin")
	admin.GET("/login", s.loginPage)
	admin.POST("/login", s.login)
	admin.POST("/logout", s.logout)
	mod := admin.Group("", s.requireModerator)
	mod.GET("", s.adminHome)
	mod.GET("/queue", s.queuePage)
	mod.POST("/comments/bulk", s.bulkAction)
	mod.POST("/comments/:id/:action", s.commentAction)
	mod.GET("/audit", s.auditPage)
	mod.GET("/posts", s.postsPage)
	mod.GET("/posts/new", s.newPostPage)
	mod.POST("/posts", s.savePost)
	mod.GET("/posts/:id/edit", s.editPostPage)
	mod.POST("/posts/:id", s.savePost)
	mod.GET("/settings", s.settingsPage)
	mod.POST("/settings", s.saveSettings)
	mod.GET("/password", s.passwordPage)
	mod.POST("/password", s.changePassword)

	// Every state change under /admin is refused when it comes from another
	// origin (Sec-Fetch-Site / Origin checks in net/http).
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		http.Error(w, "Cross-origin request refused.", http.StatusForbidden)
	}))
	protected := csrf.Handler(r)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if isAdminPath(req.URL.Path) {
			protected.ServeHTTP(w, req)
			return
		}
		r.ServeHTTP(w, req)
	}), nil
}

func isAdminPath(p string) bool {
	return p == "/admin" || len(p) > 7 && p[:7] == "/admin/"
}

func (s *Server) healthz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
