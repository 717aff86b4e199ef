package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"parley/handlers/i18n"
	"parley/models"
)

// languageKey holds the request's *i18n.Translator once it is known.
const languageKey = "parley.language"

// useSiteLanguage fixes the language of this request from a site's setting
// and the reader's Accept-Language: a fixed site language wins, "auto"
// follows the header. Handlers that load a site call it; see tr.
func (s *Server) useSiteLanguage(c *gin.Context, setting string) *i18n.Translator {
	if setting == "" || setting == models.LanguageAuto || !s.i18n.Supported(setting) {
		if h := c.Writer.Header(); !slices.Contains(h.Values("Vary"), "Accept-Language") {
			h.Add("Vary", "Accept-Language")
		}
	}
	tr := s.i18n.For(setting, c.GetHeader("Accept-Language"))
	c.Set(languageKey, tr)
	return tr
}

// tr returns the translator of the request. Without a site chosen by the
// handler, the moderation desk, emailed moderation links and the embed
// follow the reader's Accept-Language, and the blog's own pages follow the
// default site's setting.
func (s *Server) tr(c *gin.Context) *i18n.Translator {
	if v, ok := c.Get(languageKey); ok {
		return v.(*i18n.Translator)
	}
	setting := models.LanguageAuto
	p := c.Request.URL.Path
	if !isAdminPath(p) && !strings.HasPrefix(p, "/mod/") && !strings.HasPrefix(p, "/embed") && !isAPIPath(p) {
		if site, err := s.currentSite(c.Request.Context(), models.DefaultSiteID); err == nil {
			setting = site.Settings.Language
		}
	}
	return s.useSiteLanguage(c, setting)
}

// english is the translator of the machine-facing texts (JSON errors).
func (s *Server) english() *i18n.Translator { return s.i18n.Get(i18n.Default) }

// failT is fail with a catalog message: English in JSON, the request's
// language on an HTML page.
func (s *Server) failT(c *gin.Context, status int, code, key string, args ...any) {
	if wantsJSON(c) {
		c.AbortWithStatusJSON(status, apiErr(s.english().T(key, args...), code))
		return
	}
	tr := s.tr(c)
	s.renderError(c, status, tr.T(key, args...))
}

// renderError shows the error page with a message already in the request's
// language.
func (s *Server) renderError(c *gin.Context, status int, msg string) {
	tr := s.tr(c)
	title := http.StatusText(status)
	if key := "status." + strconv.Itoa(status); tr.Has(key) {
		title = tr.T(key)
	}
	s.render(c, status, "error", pageData{Title: title, Data: errorPage{Status: status, Message: msg}})
	c.Abort()
}

// countWords are the words count.js puts around a count, in the site's
// language (or the reader's, for "auto"): {"zero","one","many"}, with {n}
// standing for the number.
func countWords(tr *i18n.Translator) map[string]string {
	return map[string]string{"zero": tr.N("count.comments", 0), "one": tr.N("count.comments", 1), "many": tr.T("count.comments")}
}
