package i18n

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// englishIndex finds the catalog key of a message given as English text,
// placeholders and all: "Wait 5 seconds." matches "Wait {n} seconds." and
// yields n=5. It lets code that speaks English (the JSON API's error texts,
// shared with the HTML forms) reach a page in the reader's language.
//
// The index is built on first use: its few hundred patterns were a third of
// an idle server's heap and most servers never need them.
type englishIndex struct {
	en    map[string]message
	built sync.Once

	plain    map[string]string // text without placeholders → key
	patterns []englishPattern  // most literal text first
}

type englishPattern struct {
	re      *regexp.Regexp
	key     string
	names   []string
	plural  bool
	literal int
}

// minLiteral keeps patterns that are mostly placeholders ("{a} · {b}")
// from matching arbitrary text.
const minLiteral = 8

func newEnglishIndex(en map[string]message) *englishIndex {
	return &englishIndex{en: en}
}

// build fills the index from the English catalog.
func (ix *englishIndex) build() {
	en := ix.en
	ix.plain = map[string]string{}
	keys := make([]string, 0, len(en))
	for key := range en {
		keys = append(keys, key)
	}
	sort.Strings(keys) // a text under several keys maps to the first
	for _, key := range keys {
		if strings.HasPrefix(key, "email.") {
			continue // the texts of emails never come back as English
		}
		m := en[key]
		texts := []string{m.text}
		if m.forms != nil {
			texts = []string{m.forms["one"], m.forms["other"]}
		}
		for _, text := range texts {
			if !placeholder.MatchString(text) {
				if _, seen := ix.plain[text]; m.forms == nil && !seen {
					ix.plain[text] = key
				}
				continue
			}
			p := englishPattern{key: key, plural: m.forms != nil}
			var re strings.Builder
			re.WriteString("^")
			last := 0
			for _, loc := range placeholder.FindAllStringSubmatchIndex(text, -1) {
				lit := text[last:loc[0]]
				p.literal += len(lit)
				re.WriteString(regexp.QuoteMeta(lit))
				re.WriteString("(.+?)")
				p.names = append(p.names, text[loc[2]:loc[3]])
				last = loc[1]
			}
			p.literal += len(text) - last
			re.WriteString(regexp.QuoteMeta(text[last:]))
			re.WriteString("$")
			if p.literal < minLiteral {
				continue
			}
			p.re = regexp.MustCompile(re.String())
			ix.patterns = append(ix.patterns, p)
		}
	}
	sort.Slice(ix.patterns, func(i, j int) bool {
		if ix.patterns[i].literal != ix.patterns[j].literal {
			return ix.patterns[i].literal > ix.patterns[j].literal
		}
		return ix.patterns[i].key < ix.patterns[j].key
	})
}

// FromEnglish translates a message given as its English text, for texts
// that reach a page from code that speaks English (error messages passed
// to fail, form problems shared with the JSON API). Texts the English
// catalog does not have come back unchanged.
func (t *Translator) FromEnglish(text string) string {
	if t.english == nil || text == "" {
		return text
	}
	if out, ok := t.fromEnglish(text); ok {
		return out
	}
	// A validation error's text, "field: message; field: message", reads
	// as its translated messages without the field names.
	parts := strings.Split(text, "; ")
	done := 0
	for i, p := range parts {
		if m := fieldMessage.FindStringSubmatch(p); m != nil {
			if out, ok := t.fromEnglish(m[1]); ok {
				parts[i], done = out, done+1
			}
		}
	}
	if done == len(parts) {
		return strings.Join(parts, " ")
	}
	return text
}

var fieldMessage = regexp.MustCompile(`^[a-z_]+: (.+)$`)

func (t *Translator) fromEnglish(text string) (string, bool) {
	t.english.built.Do(t.english.build)
	if key, ok := t.english.plain[text]; ok {
		return t.T(key), true
	}
	for _, p := range t.english.patterns {
		m := p.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		args := make([]any, 0, 2*len(p.names))
		n, counted := 0, false
		for i, name := range p.names {
			if name == "n" && p.plural {
				v, err := strconv.Atoi(m[i+1])
				if err != nil {
					break
				}
				n, counted = v, true
				continue
			}
			args = append(args, name, m[i+1])
		}
		if p.plural {
			if !counted {
				continue
			}
			return t.N(p.key, n, args...), true
		}
		return t.T(p.key, args...), true
	}
	return text, false
}
