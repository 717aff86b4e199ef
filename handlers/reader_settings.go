package handlers

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"parley/handlers/i18n"
	"parley/models"
)

// Limits of the reader settings.
const (
	maxEditWindow    = 7 * 24 * time.Hour
	maxAutoCloseDays = 36500
	maxIPRetention   = 3650
)

// ReaderInput is a site's reader settings as typed in the admin or on the
// command line. An empty field leaves its setting as it is.
type ReaderInput struct {
	EditWindow      string // a Go duration ("15m", "90s"); "off" or "0" turns reader edits off
	Downvotes       string // "on" or "off"
	AutoCloseDays   string // days after publication; 0 never closes
	Language        string // "auto" or a language with a catalog
	Gravatar        string // "on" or "off"
	IPRetentionDays string // days; 0 keeps addresses for good
}

// ReaderInputOf shows settings as they are typed back.
func ReaderInputOf(s models.SiteSettings) ReaderInput {
	in := ReaderInput{EditWindow: FormatEditWindow(s), Downvotes: onOff(!s.NoDownvotes),
		AutoCloseDays: strconv.Itoa(s.AutoCloseDays), Language: s.Language, Gravatar: onOff(s.Gravatar),
		IPRetentionDays: strconv.Itoa(int(s.IPRetention() / (24 * time.Hour)))}
	if in.Language == "" {
		in.Language = models.LanguageAuto
	}
	return in
}

// FormatEditWindow writes a site's edit window as a short Go duration
// ("15m", "1h30m") or "off".
func FormatEditWindow(s models.SiteSettings) string {
	d := s.EditWindow()
	if d <= 0 {
		return "off"
	}
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// SiteLanguages lists the values the language setting takes: "auto" and
// every language with a catalog.
func SiteLanguages() []string { return append([]string(nil), siteLanguages()...) }

// siteLanguages reads the catalogs once; they are embedded and never change.
var siteLanguages = sync.OnceValue(func() []string {
	out := []string{models.LanguageAuto}
	if cat, err := i18n.Load(); err == nil {
		return append(out, cat.Languages()...)
	}
	return append(out, i18n.Default)
})

// ApplyReaderInput checks in and writes its non-empty fields into s. It
// returns one message per bad field, keyed by the field's form name
// (edit_window, downvotes, auto_close_days, language, gravatar,
// ip_retention_days), or nil.
func ApplyReaderInput(s *models.SiteSettings, in ReaderInput) map[string]string {
	v := &models.ValidationError{}
	if raw := strings.TrimSpace(in.EditWindow); raw != "" {
		if raw == "off" || raw == "0" {
			s.EditWindowSeconds = -1
		} else if d, err := time.ParseDuration(raw); err != nil || d < time.Second || d > maxEditWindow {
			v.Add("edit_window", "Give the edit window as a duration from 1s to 168h, like 15m or 1h30m, or off.")
		} else {
			s.EditWindowSeconds = int(d / time.Second)
		}
	}
	onOffField := func(field, raw string, set func(bool)) {
		switch strings.TrimSpace(raw) {
		case "":
		case "on":
			set(true)
		case "off":
			set(false)
		default:
			v.Add(field, "Choose on or off.")
		}
	}
	onOffField("downvotes", in.Downvotes, func(on bool) { s.NoDownvotes = !on })
	onOffField("gravatar", in.Gravatar, func(on bool) { s.Gravatar = on })
	days := func(field, raw string, hi int, msg string, set func(int)) {
		if raw = strings.TrimSpace(raw); raw == "" {
			return
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > hi {
			v.Add(field, msg)
			return
		}
		set(n)
	}
	days("auto_close_days", in.AutoCloseDays, maxAutoCloseDays, "Auto-close needs a whole number of days, 0 to keep threads open.",
		func(n int) { s.AutoCloseDays = n })
	days("ip_retention_days", in.IPRetentionDays, maxIPRetention, fmt.Sprintf("Keep IP addresses a whole number of days up to %d, or 0 to keep them.", maxIPRetention),
		func(n int) {
			s.IPRetentionDays = n
			if n == 0 {
				s.IPRetentionDays = -1
			}
		})
	if raw := strings.ToLower(strings.TrimSpace(in.Language)); raw != "" {
		ok := false
		for _, l := range SiteLanguages() {
			ok = ok || l == raw
		}
		if ok {
			s.Language = raw
		} else {
			v.Add("language", "Choose auto or one of: "+strings.Join(SiteLanguages()[1:], ", ")+".")
		}
	}
	return v.Fields
}

// readerFormInput reads the reader settings fields of an admin form.
func readerFormInput(c *gin.Context) ReaderInput {
	return ReaderInput{EditWindow: c.PostForm("edit_window"), Downvotes: c.PostForm("downvotes"),
		AutoCloseDays: c.PostForm("auto_close_days"), Language: c.PostForm("language"),
		Gravatar: c.PostForm("gravatar"), IPRetentionDays: c.PostForm("ip_retention_days")}
}

// readerPanel is the data of the "reader-settings" partial.
type readerPanel struct {
	Input     ReaderInput
	Languages []string
	Errors    map[string]string
}

// newReaderPanel shows settings, or what the admin typed when typed is set.
func newReaderPanel(s models.SiteSettings, typed *ReaderInput, errs map[string]string) readerPanel {
	p := readerPanel{Input: ReaderInputOf(s), Languages: SiteLanguages(), Errors: errs}
	if typed != nil {
		p.Input = *typed
	}
	return p
}

// typedReaderPanel shows the settings, or on a form sent back with errors
// what the admin typed.
func typedReaderPanel(c *gin.Context, s models.SiteSettings, errs map[string]string) readerPanel {
	if c.Request.Method == "POST" && errs != nil && c.PostForm("preset") == "" {
		typed := readerFormInput(c)
		return newReaderPanel(s, &typed, errs)
	}
	return newReaderPanel(s, nil, errs)
}
