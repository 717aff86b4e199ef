package moderation

import "testing"

func TestCountLinks(t *testing.T) {
	tests := []struct {
		name       string
		body, html string
		want       int
	}{
		{"none", "just text, example.com is not a link", "<p>just text</p>", 0},
		{"bare urls", "see https://a.example and http://b.example/x", "", 2},
		{"www", "go to www.a.example today", "", 1},
		{"upper case", "HTTPS://A.EXAMPLE/X and WwW.b.example", "", 2},
		{"www inside a word is not a link", "awww.a.example, www without a dot", "", 0},
		{"same url twice", "https://a.example https://a.example", "", 1},
		{"scheme, www, slash and case ignored", "http://A.example/ https://www.a.example", "", 1},
		{"markdown link counted once with its html",
			"[a](https://a.example/page)",
			`<p><a href="https://a.example/page" rel="nofollow">a</a></p>`, 1},
		{"autolinked www",
			"www.a.example",
			`<p><a href="http://www.a.example">www.a.example</a></p>`, 1},
		{"html only", "", `<a href="https://a.example">a</a> <A HREF='https://b.example'>b</A> <a class=x href=https://c.example>c</a>`, 3},
		{"entities decoded", "https://a.example/?x=1&y=2", `<a href="https://a.example/?x=1&amp;y=2">x</a>`, 1},
		{"percent-encoding ignored", "https://a.example/café", `<a href="https://a.example/caf%C3%A9">x</a>`, 1},
		{"fragment and relative hrefs ignored", "", `<a href="#fn:1">1</a><a href="/about">about</a><a name="x">x</a>`, 0},
		{"protocol-relative and mailto count", "", `<a href="//a.example">a</a><a href="mailto:x@b.example">b</a>`, 2},
		{"data-href is not href", "", `<a data-href="https://a.example">a</a>`, 0},
		{"trailing punctuation trimmed", "Read https://a.example/x. Then https://a.example/x!", "", 1},
		{"markdown parentheses", "[a](https://a.example/x) and (https://a.example/x)", "", 1},
		{"balanced parentheses kept",
			"[w](https://en.wikipedia.org/wiki/Go_(language))",
			`<a href="https://en.wikipedia.org/wiki/Go_(language)">w</a>`, 1},
		{"abbr is not a link", "", `<abbr title="https://a.example">a</abbr>`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountLinks(tt.body, tt.html); got != tt.want {
				t.Errorf("CountLinks = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMayHoldBareURLAgreesWithTheExpression(t *testing.T) {
	for _, body := range []string{"", "www", "www.", "WWW.", "wWw.x", "a://", "://", "ftp://x", "plain words.",
		"ww.x", "www,x", "café www.é", "\xffwww.x", "http:/x"} {
		if found := bareURL.MatchString(body); found && !mayHoldBareURL(body) {
			t.Errorf("%q: bareURL matches but mayHoldBareURL says no", body)
		}
	}
}

func BenchmarkCountLinks(b *testing.B) {
	plain := "I would love to see a follow-up post that compares the memory usage over a week. " +
		"The trick is `PRAGMA journal_mode=WAL`. Could you say more about how the cache is invalidated?"
	for _, tt := range []struct{ name, body, html string }{
		{"no links", plain, "<p>" + plain + "</p>"},
		{"one link", plain + " See https://a.example/x.", `<p>` + plain + ` See <a href="https://a.example/x">https://a.example/x</a>.</p>`},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				CountLinks(tt.body, tt.html)
			}
		})
	}
}
