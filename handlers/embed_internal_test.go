package handlers

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"parley/models"
	"parley/static"
)

func TestNormalizeOrigin(t *testing.T) {
	cases := map[string]string{
		"https://blog.example.com":       "https://blog.example.com",
		" https://Blog.Example.COM/ ":    "https://blog.example.com",
		"https://blog.example.com:443":   "https://blog.example.com",
		"http://blog.example.com:80/":    "http://blog.example.com",
		"http://127.0.0.1:8081":          "http://127.0.0.1:8081",
		"HTTP://[::1]:3000":              "http://[::1]:3000",
		"https://Bücher.example":         "https://xn--bcher-kva.example",
		"https://blog.example.com/path":  "",
		"https://blog.example.com/?q=1":  "",
		"https://blog.example.com/#x":    "",
		"https://blog.example.com#":      "",
		"https://user@blog.example.com":  "",
		"https://*.example.com":          "",
		"ftp://blog.example.com":         "",
		"blog.example.com":               "",
		"javascript:alert(1)":            "",
		"https://blog.example.com:99999": "",
		"https://":                       "",
		"null":                           "",
		"":                               "",
	}
	for in, want := range cases {
		for range 2 { // made, then from originMemo
			got, ok := NormalizeOrigin(in)
			if got != want || ok != (want != "") {
				t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, ok, want)
			}
			if got, ok := urlOrigin(in); want != "" && strings.TrimSpace(in) == in && (got != want || !ok) {
				t.Errorf("urlOrigin(%q) = %q, %v; want %q", in, got, ok, want)
			}
		}
		got, _ := NormalizeOrigin(in)
		// siteAllowsOrigin relies on it: a normalized origin stays as it is.
		if again, ok := NormalizeOrigin(got); got != "" && (again != got || !ok) {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want it unchanged", got, again, ok)
		}
	}
}

func TestCleanFontAndAccent(t *testing.T) {
	fonts := map[string]string{
		"Georgia, serif":                     `"Georgia", serif`,
		`Iowan Old Style, "Source Sans 3"`:   `"Iowan Old Style", "Source Sans 3"`,
		"  'Noto Sans JP' ,  SANS-SERIF ":    `"Noto Sans JP", sans-serif`,
		"system-ui":                          "system-ui",
		"Arial;}body{display:none":           "",
		"Arial</style>":                      "",
		`a"b`:                                "",
		"url(x)":                             "",
		"a, b, c, d, e, f":                   "",
		strings.Repeat("Long", 60) + ",seri": "",
		",,":                                 "",
	}
	for in, want := range fonts {
		if got := cleanFont(in); got != want {
			t.Errorf("cleanFont(%q) = %q, want %q", in, got, want)
		}
	}
	accents := map[string]string{"#1F5FBF": "#1f5fbf", "#abc": "#aabbcc", "red": "", "#12345": "", "#1f5fbf;x": "", "": ""}
	for in, want := range accents {
		if got := cleanAccent(in); got != want {
			t.Errorf("cleanAccent(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"#ffffff": "#111111", "#ffcc00": "#111111", "#1f5fbf": "#ffffff", "#000000": "#ffffff"} {
		if got := accentForeground(in); got != want {
			t.Errorf("accentForeground(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestSmallHelpers(t *testing.T) {
	for h, want := range map[string]bool{"gzip": true, "br, gzip;q=0.5": true, "GZIP": true, "gzip;q=0": false,
		"gzip; q=0": false, "deflate": false, "": false, "x-gzip": false} {
		if acceptsGzip(h) != want {
			t.Errorf("acceptsGzip(%q) = %v", h, !want)
		}
	}
	csp := "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"
	if got := withFrameAncestors(csp, "'self' https://a.example"); got != "default-src 'self'; base-uri 'none'; frame-ancestors 'self' https://a.example" {
		t.Errorf("withFrameAncestors = %q", got)
	}
	for p, want := range map[string]bool{"/": true, "/a/b.html?p=1": true, "/caf%C3%A9": true, "/café": true,
		"a": false, "": false, "/a b": false, "/a\tb": false, "/" + strings.Repeat("x", 500): false} {
		if validPageKey(p) != want {
			t.Errorf("validPageKey(%q) = %v", p, !want)
		}
	}
	if got := cleanTitle("  A\n\ttitle\x00 here "); got != "A title here" {
		t.Errorf("cleanTitle = %q", got)
	}
	if got := cleanTitle(strings.Repeat("é", 400)); len([]rune(got)) != 300 {
		t.Errorf("cleanTitle kept %d runes", len([]rune(got)))
	}
}

// The embed's forced light and dark palettes repeat app.css's: keep them in step.
func TestEmbedPalettesMatchAppCSS(t *testing.T) {
	read := func(name string) string {
		b, err := fs.ReadFile(static.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	decls := regexp.MustCompile(`--(bg|fg|muted|line|soft|accent|accent-fg|danger|ok|warn-bg|warn-line):\s*([^;]+);`)
	palette := func(block string) map[string]string {
		out := map[string]string{}
		for _, m := range decls.FindAllStringSubmatch(block, -1) {
			out[m[1]] = strings.TrimSpace(m[2])
		}
		return out
	}
	between := func(s, from, to string) string {
		i := strings.Index(s, from)
		if i < 0 {
			t.Fatalf("no %q", from)
		}
		s = s[i+len(from):]
		return s[:strings.Index(s, to)]
	}
	app, embed := read("app.css"), read("embed.css")
	appLight := palette(between(app, ":root {", "}"))
	appDark := palette(between(app, "@media (prefers-color-scheme: dark) {\n  :root {", "}"))
	embedLight := palette(between(embed, "@media (prefers-color-scheme: dark) {\n  :root[data-theme=light] {", "}"))
	embedDark := palette(between(embed, ":root[data-theme=dark] {", "}"))
	if len(appLight) != 11 || len(appDark) != 11 {
		t.Fatalf("app.css palettes: %d and %d colors", len(appLight), len(appDark))
	}
	for name, pair := range map[string][2]map[string]string{"light": {appLight, embedLight}, "dark": {appDark, embedDark}} {
		for k, v := range pair[0] {
			if pair[1][k] != v {
				t.Errorf("%s --%s: app.css %q, embed.css %q", name, k, v, pair[1][k])
			}
		}
	}
}

func TestNormalizedOrigins(t *testing.T) {
	got := normalizedOrigins([]string{" https://Blog.Example.com/ ", "https://blog.example.com:443", "not an origin", "http://127.0.0.1:8081"})
	want := []string{"https://blog.example.com", "http://127.0.0.1:8081"}
	if !slices.Equal(got, want) {
		t.Fatalf("normalizedOrigins = %q, want %q", got, want)
	}
	site := models.Site{Origins: []string{"https://Blog.Example.com/"}} // as stored before normalizing
	if !siteAllowsNormalized(site, "https://blog.example.com") || siteAllowsNormalized(site, "https://evil.example") {
		t.Fatal("siteAllowsNormalized does not fall back to normalizing the stored origins")
	}
}
