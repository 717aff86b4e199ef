package moderation

import (
	"slices"
	"strings"
	"testing"
)

func TestWordList(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		text     string
		want     string // matching pattern, "" for no match
	}{
		// Whole words.
		{"exact word", []string{"casino"}, "visit our casino today", "casino"},
		{"word at start and end", []string{"casino"}, "casino", "casino"},
		{"punctuation is a boundary", []string{"casino"}, "(casino!)", "casino"},
		{"inside a domain", []string{"casino"}, "https://best-casino.example/x", "casino"},
		{"no match inside a word", []string{"ass"}, "a class act", ""},
		{"no match at a word's start", []string{"ass"}, "assistant", ""},
		{"plain word does not take suffixes", []string{"casino"}, "casinos", ""},
		{"underscore separates words", []string{"casino"}, "casino_king", "casino"},
		{"digits are word characters", []string{"win"}, "win2win", ""},

		// Wildcards.
		{"trailing wildcard", []string{"casino*"}, "best casinos", "casino*"},
		{"trailing wildcard matches empty", []string{"casino*"}, "casino", "casino*"},
		{"leading wildcard", []string{"*coin"}, "buy bitcoin now", "*coin"},
		{"leading wildcard matches empty", []string{"*coin"}, "a coin", "*coin"},
		{"leading wildcard keeps the end", []string{"*coin"}, "coins", ""},
		{"inner wildcard", []string{"v*gra"}, "viagra", "v*gra"},
		{"wildcard stays inside a word", []string{"casino*"}, "casino-royale", "casino*"},
		{"wildcard does not cross words", []string{"cas*no"}, "cas is no", ""},
		{"repeated stars", []string{"casi**"}, "casinos", "casi**"},
		{"both ends", []string{"*cash*"}, "e-cashback", "*cash*"},

		// Phrases.
		{"phrase", []string{"payday loan"}, "get a payday loan today", "payday loan"},
		{"phrase across punctuation and newlines", []string{"payday loan"}, "Payday-\n  LOAN", "payday loan"},
		{"phrase with wildcard", []string{"payday loan*"}, "payday loans", "payday loan*"},
		{"phrase words must be adjacent", []string{"payday loan"}, "payday and a loan", ""},
		{"phrase needs a separator", []string{"payday loan"}, "paydayloan", ""},
		{"phrase spaces collapse", []string{"  payday    loan "}, "payday loan", "  payday    loan "},

		// Case and Unicode.
		{"case insensitive", []string{"Casino"}, "CASINO", "Casino"},
		{"full case folding", []string{"strasse"}, "STRAßE", "strasse"},
		{"zero-width space", []string{"admin"}, "ad\u200bmin", "admin"},
		{"soft hyphen and joiners", []string{"admin"}, "a\u00addm\u200di\u2060n\ufeff", "admin"},
		{"zero-width in the pattern", []string{"ad\u200bmin"}, "admin", "ad\u200bmin"},
		{"cyrillic a", []string{"admin"}, "\u0430dmin", "admin"},
		{"cyrillic capitals", []string{"casino"}, "\u0421\u0410SIN\u041e", "casino"},
		{"cyrillic mix", []string{"paypal"}, "\u0440\u0430y\u0440\u0430l", "paypal"},
		{"cyrillic i s j d", []string{"skid"}, "\u0455k\u0456\u0501", "skid"},
		{"cyrillic j", []string{"jax"}, "\u0458\u0430\u0445", "jax"},
		{"latin script g", []string{"google"}, "\u0261oo\u0261le", "google"},
		{"greek omicron alpha nu", []string{"nova"}, "\u03b7\u03bf\u03bd\u03b1", "nova"},
		{"greek capitals fold like small letters", []string{"\u03bd\u03bf\u03b1"}, "\u039d\u039f\u0391", "\u03bd\u03bf\u03b1"},
		{"fullwidth", []string{"admin"}, "\uff21\uff24\uff2d\uff29\uff2e", "admin"},
		{"mathematical bold", []string{"admin"}, "\U0001d41a\U0001d41d\U0001d426\U0001d422\U0001d427", "admin"},
		{"look-alike pattern", []string{"\u0430dmin"}, "ADMIN", "\u0430dmin"},
		{"cyrillic word matches its capitals", []string{"казино"}, "КАЗИНО онлайн", "казино"},
		{"non-latin whole word", []string{"казино"}, "казинолюбитель", ""},
		{"accents are not folded", []string{"cafe"}, "café", ""},

		// IP and address patterns.
		{"ip wildcard", []string{"203.0.113.*"}, "203.0.113.77", "203.0.113.*"},
		{"ip wildcard other net", []string{"203.0.113.*"}, "203.0.11.7", ""},
		{"ip wildcard longer first octet", []string{"203.0.113.*"}, "1203.0.113.7", ""},
		{"ip exact", []string{"198.51.100.7"}, "198.51.100.7", "198.51.100.7"},
		{"ip exact is whole", []string{"198.51.100.7"}, "198.51.100.71", ""},
		{"ipv6 prefix", []string{"2001:db8:*"}, "2001:db8:85a3::8a2e", "2001:db8:*"},
		{"email domain", []string{"*@spam.example"}, "bob.smith@spam.example", "*@spam.example"},
		{"email domain is whole", []string{"*@spam.example"}, "bob@spam.examples", ""},
		{"pattern starting with punctuation", []string{"@spam.example"}, "bob@spam.example", "@spam.example"},
		{"regexp characters are literal", []string{"c++"}, "I like c++ a lot", "c++"},
		{"regexp characters do not act", []string{"a.c"}, "abc", ""},

		// List behavior.
		{"first pattern in list order", []string{"bonus", "casino"}, "casino bonus", "bonus"},
		{"empty and star-only patterns are ignored", []string{"", "   ", "*", "* *", "--"}, "anything at all -- here", ""},
		{"no patterns", nil, "casino", ""},
		{"empty text", []string{"casino"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NewWordList(tt.patterns).Match(tt.text)
			if ok != (tt.want != "") || got != tt.want {
				t.Fatalf("Match(%q) with %q = %q, %v; want %q", tt.text, tt.patterns, got, ok, tt.want)
			}
		})
	}
}

func TestWordListLen(t *testing.T) {
	var nilList *WordList
	if nilList.Len() != 0 {
		t.Error("nil list has patterns")
	}
	if _, ok := nilList.Match("casino"); ok {
		t.Error("nil list matched")
	}
	if n := NewWordList([]string{"a", "", "*", "b c"}).Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "hello"},
		{"\uff28\uff45\uff4c\uff4c\uff4f", "hello"},
		{"he\u200bl\u00adlo\ufe0f", "hello"},
		{"\u0410\u0412\u0421", "abc"},
		{"\u0430\u0432\u0441", "abc"},
		{"\u039f\u03bf", "oo"},
		{"Straße", "strasse"},
		{"ﬁne", "fine"}, // ligature
		{"日本語", "日本語"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzWordList checks that compiling and matching never panic, that a
// match names one of the given patterns, and that a plain ASCII word
// always matches itself.
func FuzzWordList(f *testing.F) {
	f.Add("casino*", "best casinos", "")
	f.Add("*coin", "bitcoin", "payday loan")
	f.Add("203.0.113.*", "203.0.113.7", "a\u200bb")
	f.Add("ad\u200bmin", "\u0430dmin", "\uff21")
	f.Add("(", "[", "\\")
	f.Add("\xff\xfe", "\xc3", "*")
	f.Fuzz(func(t *testing.T, p1, text, p2 string) {
		patterns := []string{p1, p2}
		w := NewWordList(patterns)
		if got, ok := w.Match(text); ok && !slices.Contains(patterns, got) {
			t.Fatalf("Match returned %q, not one of %q", got, patterns)
		}
		word := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, p1)
		if word != "" {
			if _, ok := NewWordList([]string{word}).Match(word); !ok {
				t.Fatalf("word %q does not match itself", word)
			}
		}
	})
}
