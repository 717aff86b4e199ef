package moderation

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold returns s in the form word patterns are matched in:
//
//  1. invisible characters are removed: format characters (category Cf,
//     e.g. U+200B–U+200F, U+2060, U+FEFF, the soft hyphen U+00AD),
//     variation selectors and the combining grapheme joiner;
//  2. NFKC normalization folds compatibility forms (fullwidth ＡＢＣ,
//     mathematical 𝐚𝐛𝐜, ligatures) to their plain letters;
//  3. full Unicode case folding;
//  4. Cyrillic, Greek, Armenian and Latin look-alikes are replaced by the
//     ASCII letter they imitate (Cyrillic а → a, Greek ο → o, ɡ → g).
//
// Case folding comes before the look-alike table so that the table only
// needs lower-case keys and both cases of a Cyrillic or Greek letter fold
// to the same letter; matching stays case-insensitive for those scripts.
// The table maps a letter whose capital or small form resembles a Latin
// letter; where the two forms resemble different letters (Greek η/Η,
// ν/Ν, μ/Μ, υ/Υ) the small form decides.
func Fold(s string) string {
	s = strings.Map(dropInvisible, s)
	s = norm.NFKC.String(s)
	s = cases.Fold().String(s) // a Caser is stateful: one per call
	return strings.Map(unconfuse, s)
}

// dropInvisible removes characters that render as nothing.
func dropInvisible(r rune) rune {
	switch {
	case unicode.Is(unicode.Cf, r),
		r == '\u034f', // combining grapheme joiner
		r >= '\ufe00' && r <= '\ufe0f',
		r >= 0xe0100 && r <= 0xe01ef: // variation selectors
		return -1
	}
	return r
}

// unconfuse maps a case-folded look-alike letter to its ASCII letter.
func unconfuse(r rune) rune {
	if r < 0x80 {
		return r
	}
	if l, ok := lookalikes[r]; ok {
		return l
	}
	return r
}

// lookalikes maps case-folded letters to the ASCII letter they imitate.
// It is read-only.
var lookalikes = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o',
	'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i',
	'ј': 'j', 'һ': 'h', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ү': 'y',
	// Greek
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'ζ': 'z', 'η': 'n', 'ι': 'i',
	'κ': 'k', 'μ': 'u', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'ω': 'w', 'ϳ': 'j',
	// Armenian
	'օ': 'o', 'ս': 'u', 'հ': 'h', 'ո': 'n',
	// Latin letters outside ASCII
	'ɑ': 'a', 'ɡ': 'g', 'ı': 'i', 'ȷ': 'j',
}
