// Package handlers serves Parley over HTTP: the blog pages, the comment
// API, and the moderation desk. All routes are wired in routes().
package handlers

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"parley/handlers/i18n"
	"parley/models/mailer"
	"parley/models/markup"
	"parley/models/moderation/akismet"
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
	AkismetKey     string // optional; without it Akismet is never contacted
	AkismetURL     string // Akismet's REST base URL; empty for the real one
	SMTPURL        string // PARLEY_SMTP_URL; empty (with MailFrom) sends no mail
	MailFrom       string // PARLEY_MAIL_FROM, the sender of moderator emails
	RedisURL       string // PARLEY_REDIS_URL; when set, rate limits count in Redis
	MetricsToken   string // PARLEY_METRICS_TOKEN; empty serves /metrics to loopback clients only
	BackupDir      string // PARLEY_BACKUP_DIR, where scheduled backups go; shown on the dashboard
	// Now is the clock for edit windows, auto-close and form stamps; nil
	// means time.Now. Tests move it.
	Now func() time.Time
	// RenderCacheBytes bounds the in-memory cache of rendered threads; 0
	// means the default (16 MB), a negative value turns the cache off.
	RenderCacheBytes int
	// QueueScanWindow is how many of a tab's newest comments one page of a
	// queue text or author search reads; 0 means the default (20,000).
	// Tests make it small.
	QueueScanWindow int
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg     Config
	store   *store.Store
	markup  *markup.Renderer
	views   *templates
	i18n    *i18n.Catalogs // message catalogs; tr(c) picks a request's language
	assets  *assets
	log     *slog.Logger
	cookies *sessions.CookieStore
	// sessionCookies reads session ids out of cookies, remembering them.
	sessionCookies *sessionCookies
	// countsBodies remembers what counts request bodies decoded to.
	countsBodies *bytesMemo[countsQuery]
	signer       *signer
	limiter      limiter // shared through Redis, or the database on PostgreSQL
	akismet      *akismet.Client
	mail         *mailer.Mailer // nil when mail is off
	passwd       passwordChecker
	now          func() time.Time
	handler      http.Handler
	imports      *importRunner // uploaded imports running in the background
	metrics      *metrics      // Prometheus instruments, served at /metrics
	cache        *renderCache  // rendered threads by thread version; see threadcache.go
	sites        siteCache     // sites as last read; see sitecache.go
	// baseOrigin is the origin of cfg.BaseURL, or "" without one.
	baseOrigin string

	// privacyLimiter counts requests for a reader's comments by email.
	privacyLimiter limiter
	// queueScanWindow bounds a queue search (Config.QueueScanWindow).
	queueScanWindow int
}

// New builds the server and its routes. Templates and assets are parsed
// here, so a broken view stops start-up instead of failing a request.
func New(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) (*Server, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	catalogs, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	views, err := parseTemplates(assets, catalogs)
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
	ak, err := akismet.New(akismet.Config{Key: cfg.AkismetKey, Blog: cfg.BaseURL, BaseURL: cfg.AkismetURL, UserAgent: "Parley/" + cfg.Version})
	if err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		store:   st,
		markup:  markup.New(),
		views:   views,
		i18n:    catalogs,
		assets:  assets,
		log:     log,
		cookies: newCookieStore(cookieKeys, cfg.SecureCookies),
		signer:  &signer{keys: tokenKeys},
		akismet: ak,
		passwd:  newPasswordChecker(),
		now:     time.Now,
		imports: newImportRunner(ctx),
		metrics: newMetrics(st),
	}
	s.queueScanWindow = cmp.Or(cfg.QueueScanWindow, queueScanWindow)
	s.sessionCookies = newSessionCookies(s.cookies)
	s.countsBodies = newBytesMemo[countsQuery](maxRememberedCountsBodies)
	if cfg.Now != nil {
		s.now = cfg.Now
	}
	if o, ok := urlOrigin(cfg.BaseURL); ok {
		s.baseOrigin = o
	}
	s.cache = newRenderCache(cacheBytes(cfg.RenderCacheBytes))
	s.cache.hits, s.cache.misses = s.metrics.cacheLookup("hit"), s.metrics.cacheLookup("miss")
	if s.mail, err = newMailer(cfg); err != nil {
		return nil, err
	}
	if s.limiter, err = newLimiter(cfg.CommentRate, time.Minute, st, cfg.RedisURL, log); err != nil {
		return nil, err
	}
	if s.privacyLimiter, err = newLimiter(privacyRequestsPerHour, time.Hour, st, cfg.RedisURL, log); err != nil {
		return nil, err
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
	r.Use(s.assignRequestID, s.accessLog, s.observeRequests, s.recoverPanics, securityHeaders, limitBody)
	r.Use(compress(), s.apiCORS)
	r.NoRoute(s.noRoute) // old addresses of imported posts redirect, the rest is 404
	r.NoMethod(s.methodNotAllowed)

	// Public pages and files answer HEAD too (link checkers, monitors):
	// the same handler, whose body net/http then leaves out.
	read := func(path string, h gin.HandlerFunc) {
		r.GET(path, h)
		r.HEAD(path, h)
	}
	read("/healthz", s.healthz)
	r.GET("/metrics", s.metricsPage)
	read("/static/*file", s.static)
	read("/avatars/:name", s.avatar)

	read("/", s.index)
	read("/posts/:slug", s.postPage)
	read("/posts/:slug/comments.atom", s.postCommentsFeed)
	read("/comments.atom", s.siteCommentsFeed)
	read("/feed.atom", s.postsFeed)
	r.POST("/posts/:slug/comments", s.postCommentForm)
	r.POST("/posts/:slug/comments/:id/flag", s.flagForm)
	r.GET("/posts/:slug/comments/:id/edit", s.blogEditPage)
	r.POST("/posts/:slug/comments/:id/edit", s.blogEdit)
	r.POST("/posts/:slug/comments/:id/delete", s.blogDelete)
	r.POST("/posts/:slug/comments/:id/vote", s.voteForm)
	read("/embed", s.embedPage)
	r.POST("/embed/comments", s.embedComment)
	r.POST("/embed/comments/:id/flag", s.embedFlag)
	r.GET("/embed/comments/:id/edit", s.embedEditPage)
	r.POST("/embed/comments/:id/edit", s.embedEdit)
	r.POST("/embed/comments/:id/delete", s.embedDelete)
	r.POST("/embed/comments/:id/vote", s.embedVote)
	read("/embed/theme.css", s.embedThemeCSS)
	// Emailed moderation links: outside /admin, the signed token is the authority.
	r.GET("/mod/actions/:token", s.modActionPage)
	r.POST("/mod/actions/:token", s.modActionConfirm)
	// Reply emails: the signed token is the authority; POST works without
	// cookies, as mail programs send the one-click unsubscribe (RFC 8058).
	r.GET("/replies/confirm/:token", s.replyConfirm)
	r.POST("/replies/confirm/:token", s.replyConfirm)
	r.GET("/replies/unsubscribe/:token", s.replyUnsubscribe)
	r.POST("/replies/unsubscribe/:token", s.replyUnsubscribe)
	r.GET("/privacy", s.privacyPage)
	r.POST("/privacy", s.privacyRequest)
	r.GET("/privacy/comments/:token", s.privacyComments)
	r.GET("/privacy/comments/:token/export.json", s.privacyExport)
	r.POST("/privacy/comments/:token/delete", s.privacyDelete)

	api := r.Group("/api/v1")
	api.GET("/comments", s.apiListComments)
	api.HEAD("/comments", s.apiListComments)
	api.POST("/comments", s.apiCreateComment)
	api.POST("/counts", s.apiCounts)
	api.POST("/preview", s.apiPreview)
	api.POST("/comments/:id/flag", s.apiFlag)
	api.POST("/comments/:id/vote", s.apiVote)
	api.PATCH("/comments/:id", s.apiEditComment)
	api.DELETE("/comments/:id", s.apiDeleteComment)
	api.GET("/comments/:id/source", s.apiCommentSource)

	admin := r.Group("/admin")
	admin.GET("/login", s.loginPage)
	admin.POST("/login", s.login)
	admin.POST("/logout", s.logout)
	mod := admin.Group("", s.requireModerator)
	mod.GET("", s.adminHome)
	mod.GET("/queue", s.queuePage)
	mod.POST("/comments/bulk", s.bulkAction)
	mod.POST("/comments/:id/:action", s.commentAction)
	mod.GET("/comments/:id/edit", s.modEditPage)
	mod.GET("/audit", s.auditPage)
	mod.POST("/audit/:id/undo", s.undoAudit)
	admins := mod.Group("", s.requireAdmin)
	// An import writes many comments at once, past the moderation rules.
	admins.GET("/import", s.importPage)
	admins.POST("/import", s.startImport)
	admins.GET("/import/:id", s.importJobPage)
	admins.GET("/export", s.exportDump)
	admins.GET("/dashboard", s.dashboardPage)
	admins.GET("/moderators", s.moderatorsPage)
	admins.POST("/moderators", s.addModerator)
	admins.POST("/moderators/:id/:action", s.changeModerator)
	admins.GET("/posts", s.postsPage)
	admins.GET("/posts/new", s.newPostPage)
	admins.POST("/posts", s.savePost)
	admins.GET("/posts/:id/edit", s.editPostPage)
	admins.POST("/posts/:id", s.savePost)
	mod.GET("/bans", s.bansPage)
	mod.POST("/bans", s.createBan)
	mod.POST("/bans/:id/delete", s.deleteBan)
	mod.GET("/sites", s.sitesPage)
	admins.POST("/sites", s.createSite)
	mod.GET("/sites/:id", s.siteEditPage)
	admins.POST("/sites/:id", s.saveSite)
	mod.GET("/settings", s.settingsPage)
	admins.POST("/settings", s.saveSettings)
	mod.GET("/password", s.passwordPage)
	mod.POST("/password", s.changePassword)
	mod.POST("/mail/notify", s.saveNotifyMode)
	mod.POST("/mail/test", s.sendTestMail)

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

// isAPIPath reports whether a request path is one of the JSON API's.
func isAPIPath(p string) bool { return strings.HasPrefix(p, "/api/") }

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
