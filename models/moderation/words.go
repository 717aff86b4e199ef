package moderation

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WordList is a compiled list of word patterns. Patterns are matched
// case-insensitively against Fold-ed text, as whole words:
//
//   - "casino" matches "Casino!" and "best-casino.com" but not "casinos";
//     "ass" does not match "class".
//   - "*" matches any run of letters and digits (possibly empty) inside a
//     word: "casino*" matches "casinos", "*coin" matches "bitcoin".
//   - Whitespace in a pattern matches any run of spaces and punctuation,
//     so "payday loan" matches "payday-loan" and "Payday\nLoan".
//   - Other characters match themselves, so "203.0.113.*" matches the IP
//     address 203.0.113.7 but not 203.0.11.7 or 1203.0.113.7.
//
// Patterns are Fold-ed too, so look-alike and fullwidth letters in either
// the pattern or the text do not matter. Non-ASCII punctuation and symbols
// (dashes, curly quotes, emoji) act as spaces in both. A pattern without
// any letter or digit is ignored, since it would match nearly everything.
//
// A WordList is immutable and safe for concurrent use; the nil *WordList
// matches nothing.
type WordList struct {
	patterns []wordPattern
}

// wordPattern is one compiled pattern.
type wordPattern struct {
	source string         // the pattern as given
	needle string         // a literal run that every match contains
	re     *regexp.Regexp // the whole-word matcher over folded text
}

// Character classes of the matcher over matchForm text, in which every
// non-ASCII rune is a word character (a letter, mark or digit). They are
// ASCII-only because Unicode classes make regexp compilation slow.
const (
	wordClass    = `[0-9A-Za-z\x{80}-\x{10FFFF}]`
	nonWordClass = `[^0-9A-Za-z\x{80}-\x{10FFFF}]`
)

// matchForm returns Fold(s) with every non-ASCII rune that is not a
// letter, mark or digit (dashes, quotes, symbols, emoji) replaced by a
// space, so that only ASCII characters separate words.
func matchForm(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x80 && !isWordRune(r) {
			return ' '
		}
		return r
	}, Fold(s))
}

// NewWordList compiles patterns once for repeated matching. Empty and
// unusable patterns are skipped; the others keep their order.
func NewWordList(patterns []string) *WordList {
	w := &WordList{}
	for _, p := range patterns {
		if c, ok := compilePattern(p); ok {
			w.patterns = append(w.patterns, c)
		}
	}
	return w
}

// Len returns the number of usable patterns.
func (w *WordList) Len() int {
	if w == nil {
		return 0
	}
	return len(w.patterns)
}

// Match reports the first pattern, in list order, that matches text.
func (w *WordList) Match(text string) (pattern string, ok bool) {
	if w.Len() == 0 || text == "" {
		return "", false
	}
	folded := matchForm(text)
	for _, p := range w.patterns {
		if !strings.Contains(folded, p.needle) {
			continue // cheap pre-check before the regexp
		}
		if p.re.MatchString(folded) {
			return p.source, true
		}
	}
	return "", false
}

// compilePattern turns one pattern into a whole-word regexp.
func compilePattern(source string) (wordPattern, bool) {
	folded := strings.Join(strings.Fields(matchForm(source)), " ")
	if !strings.ContainsFunc(folded, isWordRune) {
		return wordPattern{}, false
	}

	var b strings.Builder
	var lit strings.Builder // the literal run being collected
	needle := ""
	flush := func() {
		if lit.Len() == 0 {
			return
		}
		s := lit.String()
		if utf8.RuneCountInString(s) > utf8.RuneCountInString(needle) {
			needle = s
		}
		b.WriteString(regexp.QuoteMeta(s))
		lit.Reset()
	}

	first, _ := utf8.DecodeRuneInString(folded)
	last, _ := utf8.DecodeLastRuneInString(folded)
	if first == '*' || isWordRune(first) {
		b.WriteString(`(?:^|` + nonWordClass + `)`)
	}
	prevStar := false
	for _, r := range folded {
		switch {
		case r == '*':
			flush()
			if !prevStar {
				b.WriteString(wordClass + `*`)
			}
		case r == ' ':
			flush()
			b.WriteString(nonWordClass + `+`)
		default:
			lit.WriteRune(r)
		}
		prevStar = r == '*'
	}
	flush()
	if last == '*' || isWordRune(last) {
		b.WriteString(`(?:` + nonWordClass + `|$)`)
	}

	re, err := regexp.Compile(b.String())
	if err != nil || needle == "" {
		return wordPattern{}, false // cannot happen for quoted literals; skip defensively
	}
	return wordPattern{source: source, needle: needle, re: re}, true
}

// isWordRune reports whether r is a letter, a mark or a digit.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
}
