// Package i18n holds Parley's message catalogs (one JSON file per language
// in locales/) and picks the language of a request.
//
// A catalog maps keys to messages. A message is a string or, for words that
// follow a count, an object of plural forms: "one" and "other", plus an
// optional "zero". Messages name their placeholders in braces: "{name}".
// Adding a language means copying locales/en.json to locales/<code>.json
// and translating the values; the tests insist that every key and every
// placeholder is present.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Default is the language of the source texts and the fallback for
// missing keys and unsupported requests.
const Default = "en"

// Auto is the site setting that follows the reader's Accept-Language.
const Auto = "auto"

//go:embed locales/*.json
var files embed.FS

// message is one catalog entry: plain text, or plural forms.
type message struct {
	text  string
	forms map[string]string // "zero" (optional), "one", "other"
}

func (m *message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.text)
	}
	if err := json.Unmarshal(b, &m.forms); err != nil {
		return err
	}
	if m.forms["one"] == "" || m.forms["other"] == "" {
		return fmt.Errorf(`plural message needs "one" and "other"`)
	}
	return nil
}

// Catalogs are every language's messages, loaded once at start-up.
type Catalogs struct {
	langs map[string]*Translator
	names []string
}

// Load reads the embedded catalogs. A broken file is an error, so start-up
// stops instead of showing keys to readers.
func Load() (*Catalogs, error) {
	return load(files)
}

func load(fsys fs.FS) (*Catalogs, error) {
	paths, err := fs.Glob(fsys, "locales/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	c := &Catalogs{langs: map[string]*Translator{}}
	for _, p := range paths {
		lang := strings.TrimSuffix(path.Base(p), ".json")
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		msgs := map[string]message{}
		if err := json.Unmarshal(b, &msgs); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		c.langs[lang] = &Translator{lang: lang, msgs: msgs}
		c.names = append(c.names, lang)
	}
	en, ok := c.langs[Default]
	if !ok {
		return nil, fmt.Errorf("i18n: no %s catalog", Default)
	}
	index := newEnglishIndex(en.msgs)
	for _, t := range c.langs {
		t.english = index
		if t != en {
			t.fallback = en
		}
	}
	sort.Strings(c.names)
	return c, nil
}

// Languages lists the codes of the languages with a catalog, sorted.
func (c *Catalogs) Languages() []string { return append([]string(nil), c.names...) }

// Supported reports whether lang has a catalog.
func (c *Catalogs) Supported(lang string) bool {
	_, ok := c.langs[lang]
	return ok
}

// Get returns the translator of lang, or of English when lang has no
// catalog.
func (c *Catalogs) Get(lang string) *Translator {
	if t, ok := c.langs[lang]; ok {
		return t
	}
	return c.langs[Default]
}

// For picks the language of a request: a site's fixed language wins; with
// "auto" (or "", or a language without a catalog) the reader's
// Accept-Language decides, and English when nothing there is supported.
func (c *Catalogs) For(siteLanguage, acceptLanguage string) *Translator {
	return c.Get(c.Negotiate(siteLanguage, acceptLanguage))
}

// Negotiate is For, answering the language code.
func (c *Catalogs) Negotiate(siteLanguage, acceptLanguage string) string {
	if lang := strings.ToLower(strings.TrimSpace(siteLanguage)); lang != Auto && c.Supported(lang) {
		return lang
	}
	for _, tag := range parseAcceptLanguage(acceptLanguage) {
		if c.Supported(tag) {
			return tag
		}
		if i := strings.IndexByte(tag, '-'); i > 0 && c.Supported(tag[:i]) {
			return tag[:i]
		}
	}
	return Default
}

// parseAcceptLanguage returns the header's language tags, lower case, best
// first; tags with q=0 or a broken weight are left out.
func parseAcceptLanguage(h string) []string {
	type weighted struct {
		tag string
		q   float64
	}
	var tags []weighted
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" || tag == "*" || len(tag) > 35 {
			continue
		}
		q := 1.0
		if p := strings.TrimSpace(params); p != "" {
			v, ok := strings.CutPrefix(p, "q=")
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if !ok || err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > 0 {
			tags = append(tags, weighted{tag, q})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	out := make([]string, len(tags))
	for i, w := range tags {
		out[i] = w.tag
	}
	return out
}

// Translator answers the messages of one language.
type Translator struct {
	lang     string
	msgs     map[string]message
	fallback *Translator   // English; nil for English itself
	english  *englishIndex // English text → key, for FromEnglish
}

// Has reports whether key is in the catalogs.
func (t *Translator) Has(key string) bool {
	_, ok := t.lookup(key)
	return ok
}

// Lang is the translator's language code, as in <html lang>.
func (t *Translator) Lang() string { return t.lang }

func (t *Translator) lookup(key string) (message, bool) {
	if m, ok := t.msgs[key]; ok {
		return m, true
	}
	if t.fallback != nil {
		return t.fallback.lookup(key)
	}
	return message{}, false
}

// T returns the message of key with its placeholders filled from args,
// given as name, value pairs. An unknown key comes back as the key itself.
func (t *Translator) T(key string, args ...any) string {
	m, ok := t.lookup(key)
	if !ok {
		return key
	}
	text := m.text
	if m.forms != nil {
		text = m.forms["other"]
	}
	return fill(text, args, false)
}

// N returns the plural form of key that fits n, with {n} (written with the
// language's digit grouping, see Number) and the other placeholders filled.
func (t *Translator) N(key string, n int, args ...any) string {
	m, ok := t.lookup(key)
	if !ok {
		return key
	}
	text := m.text
	if m.forms != nil {
		text = m.forms[pluralForm(m.forms, n)]
	}
	return fill(text, append([]any{"n", t.Number(n)}, args...), false)
}

// HTML is T for messages that carry a little markup of their own (<strong>,
// <code>): the catalog text is trusted, the values are escaped.
func (t *Translator) HTML(key string, args ...any) string {
	m, ok := t.lookup(key)
	if !ok {
		return html.EscapeString(key)
	}
	return fill(m.text, args, true)
}

// Safe is T as HTML: the catalog text with <, > and & escaped and the
// values escaped as html/template escapes them. Templates get it as
// template.HTML, so "it's" reads the same in the page source as text
// typed into a template would.
func (t *Translator) Safe(key string, args ...any) string {
	m, ok := t.lookup(key)
	if !ok {
		return html.EscapeString(key)
	}
	text := m.text
	if m.forms != nil {
		text = m.forms["other"]
	}
	return fill(textEscaper.Replace(text), args, true)
}

// SafeN is N as HTML, escaped like Safe.
func (t *Translator) SafeN(key string, n int, args ...any) string {
	m, ok := t.lookup(key)
	if !ok {
		return html.EscapeString(key)
	}
	text := m.text
	if m.forms != nil {
		text = m.forms[pluralForm(m.forms, n)]
	}
	return fill(textEscaper.Replace(text), append([]any{"n", t.Number(n)}, args...), true)
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// pluralForm is the rule of English, German and Spanish: one for 1,
// other for the rest; zero when the message has a form for it.
func pluralForm(forms map[string]string, n int) string {
	switch {
	case n == 0 && forms["zero"] != "":
		return "zero"
	case n == 1:
		return "one"
	}
	return "other"
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

func fill(text string, args []any, escape bool) string {
	if len(args) == 0 {
		return text
	}
	values := map[string]string{}
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		v := valueText(args[i+1])
		if _, markup := args[i+1].(template.HTML); escape && !markup {
			v = html.EscapeString(v)
		}
		values[name] = v
	}
	return placeholder.ReplaceAllStringFunc(text, func(p string) string {
		if v, ok := values[p[1:len(p)-1]]; ok {
			return v
		}
		return p
	})
}

// valueText prints a placeholder's value; pointers (like an optional id)
// print what they point to, nil prints nothing.
func valueText(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return ""
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return ""
	}
	return fmt.Sprint(rv.Interface())
}

// placeholders lists the placeholder names a message uses in any of its
// forms; the tests compare them across languages.
func (t *Translator) placeholders(key string) []string {
	m := t.msgs[key]
	texts := []string{m.text}
	for _, f := range m.forms {
		texts = append(texts, f)
	}
	seen := map[string]bool{}
	for _, s := range texts {
		for _, p := range placeholder.FindAllStringSubmatch(s, -1) {
			seen[p[1]] = true
		}
	}
	delete(seen, "n") // a zero form may leave the count out
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Messages returns the texts of every key that starts with prefix, keyed
// by the rest of the key, for a script to read from a data- attribute:
// plain texts as strings, plural ones as {"one": …, "other": …}. Keys only
// English has come in English.
func (t *Translator) Messages(prefix string) map[string]any {
	out := map[string]any{}
	for _, tr := range []*Translator{t.fallback, t} {
		if tr == nil {
			continue
		}
		for key, m := range tr.msgs {
			name, ok := strings.CutPrefix(key, prefix)
			if !ok {
				continue
			}
			if m.forms != nil {
				out[name] = m.forms
			} else {
				out[name] = m.text
			}
		}
	}
	return out
}
