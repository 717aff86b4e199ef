package handlers

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"
)

// embedTheme is how a site owner styles the embedded thread from the
// snippet: data-theme, data-accent and data-font on the script tag. Every
// value is checked here; anything else is dropped, never passed on.
type embedTheme struct {
	Mode   string // light, dark or auto (follows prefers-color-scheme)
	Accent string // #rrggbb, or ""
	Font   string // a CSS font-family list built from safe names, or ""
}

// ColorScheme is the page's color-scheme for its mode.
func (t embedTheme) ColorScheme() string {
	if t.Mode == "auto" {
		return "light dark"
	}
	return t.Mode
}

// StylesheetURL is the generated stylesheet with the accent and font, or ""
// when the snippet sets neither.
func (t embedTheme) StylesheetURL() string {
	if t.Accent == "" && t.Font == "" {
		return ""
	}
	q := url.Values{}
	if t.Accent != "" {
		q.Set("accent", t.Accent)
	}
	if t.Font != "" {
		q.Set("font", t.Font)
	}
	return "/embed/theme.css?" + q.Encode()
}

func (t embedTheme) addTo(q url.Values) {
	if t.Mode != "auto" {
		q.Set("theme", t.Mode)
	}
	if t.Accent != "" {
		q.Set("accent", t.Accent)
	}
	if t.Font != "" {
		q.Set("font", t.Font)
	}
}

// readTheme takes the theme from the query, dropping what is not valid.
func readTheme(c *gin.Context) embedTheme {
	t := embedTheme{Mode: "auto", Accent: cleanAccent(c.Query("accent")), Font: cleanFont(c.Query("font"))}
	if m := c.Query("theme"); m == "light" || m == "dark" {
		t.Mode = m
	}
	return t
}

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// cleanAccent accepts #rgb or #rrggbb and returns it as lowercase #rrggbb.
func cleanAccent(s string) string {
	if !hexColor.MatchString(s) {
		return ""
	}
	s = strings.ToLower(s)
	if len(s) == 4 {
		s = "#" + strings.Repeat(s[1:2], 2) + strings.Repeat(s[2:3], 2) + strings.Repeat(s[3:4], 2)
	}
	return s
}

// genericFonts are the CSS generic family keywords, which stay unquoted.
var genericFonts = map[string]bool{
	"serif": true, "sans-serif": true, "monospace": true, "cursive": true, "fantasy": true, "system-ui": true,
	"ui-serif": true, "ui-sans-serif": true, "ui-monospace": true, "ui-rounded": true, "math": true,
}

// cleanFont turns a list such as `Iowan Old Style, "Source Sans 3", serif`
// into a safe font-family value: at most five families of letters, digits,
// spaces, dots, dashes and underscores, each quoted unless generic. Anything
// else rejects the whole list.
func cleanFont(s string) string {
	if s == "" || len(s) > 200 {
		return ""
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.Trim(strings.TrimSpace(f), `"'`))
		if f == "" {
			continue
		}
		if len(out) == 5 || strings.IndexFunc(f, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '_' && r != '.'
		}) >= 0 {
			return ""
		}
		if lower := strings.ToLower(f); genericFonts[lower] {
			out = append(out, lower)
		} else {
			out = append(out, `"`+strings.Join(strings.Fields(f), " ")+`"`)
		}
	}
	return strings.Join(out, ", ")
}

// accentForeground picks near-black or white text for buttons in the
// accent color, whichever contrasts more.
func accentForeground(hex string) string {
	lum := 0.0
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += weight * c
	}
	const darkLum = 0.0056 // #111111
	if (lum+0.05)/(darkLum+0.05) > 1.05/(lum+0.05) {
		return "#111111"
	}
	return "#ffffff"
}

// embedThemeCSS is GET /embed/theme.css: the site owner's accent and font
// as CSS custom properties. It is a stylesheet rather than inline style so
// the embed keeps its strict Content-Security-Policy.
func (s *Server) embedThemeCSS(c *gin.Context) {
	var decls []string
	if a := cleanAccent(c.Query("accent")); a != "" {
		decls = append(decls, "--accent: "+a, "--accent-fg: "+accentForeground(a))
	}
	if f := cleanFont(c.Query("font")); f != "" {
		decls = append(decls, "--font: "+f)
	}
	css := ""
	if len(decls) > 0 {
		// The same specificity as embed.css's theme rules, and loaded
		// after them, so the owner's values win in light and dark.
		css = fmt.Sprintf(":root[data-theme] { %s; }\n", strings.Join(decls, "; "))
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "text/css; charset=utf-8", []byte(css))
}
