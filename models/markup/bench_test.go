package markup

import (
	"strings"
	"testing"
)

// benchComment is a typical reader comment: two paragraphs, emphasis, a
// link, inline code and a short quote.
const benchComment = `> The cache should be invalidated on every vote.

I am not sure that is *needed*: votes change the score, and the score is only
shown as a number. See [the discussion](https://example.com/issues/42?tab=all)
and the ` + "`ETag`" + ` header, which already changes with the **body**.

Thanks for the write-up, it helped me a lot with my own setup on a small VPS.
`

// benchLongComment is a long comment (about 8 KB): several paragraphs, lists,
// a fenced code block, quotes and many links.
func benchLongComment() string {
	var b strings.Builder
	for i := 0; i < 8; i++ {
		b.WriteString("## Part of a long answer\n\n")
		b.WriteString("Here is what I found after _a week_ of testing on **three** machines, with links to ")
		b.WriteString("[the manual](https://example.org/manual#section-3) and https://example.net/notes.\n\n")
		b.WriteString("- first, measure with `go test -bench`\n- then read the profile\n- only then change the code\n\n")
		b.WriteString("```go\nfor b.Loop() {\n\tif _, err := r.Comment(src); err != nil {\n\t\tb.Fatal(err)\n\t}\n}\n```\n\n")
		b.WriteString("> Premature optimization is the root of all evil.\n> — somebody, *probably*\n\n")
		b.WriteString("1. one\n2. two with ~~strike~~\n3. three <b>typed tag</b>\n\n")
	}
	return b.String()
}

// benchImportedHTML is comment HTML as a Disqus or WordPress export holds
// it, with markup the allowlist must strip.
const benchImportedHTML = `<p>Great post! I tried it on <b>my</b> blog and it <i>just worked</i>.</p>
<p>One question: <a href="http://example.com/page?x=1&y=2" target="_blank" onclick="track()">this link</a>
and <a href="javascript:alert(1)">that one</a> behave differently.<br>Any idea why?</p>
<blockquote><p>Quoted from the <span style="color:red">article</span>.</p></blockquote>
<div class="wp-smiley"><img src="http://example.com/smile.png" onerror="x()"> :)</div>
<script>document.write('bad')</script><pre><code>some code &lt;tag&gt;</code></pre>
<ul><li>one</li><li>two <em>three</em></li></ul>`

func BenchmarkCommentTypical(b *testing.B) {
	benchRender(b, benchComment)
}

func BenchmarkCommentLong(b *testing.B) {
	benchRender(b, benchLongComment())
}

func benchRender(b *testing.B, src string) {
	r := New()
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		out, err := r.Comment(src)
		if err != nil {
			b.Fatal(err)
		}
		if out == "" {
			b.Fatal("empty output")
		}
	}
}

func BenchmarkSanitizeImported(b *testing.B) {
	r := New()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchImportedHTML)))
	for b.Loop() {
		if out := r.Sanitize(benchImportedHTML); strings.Contains(out, "<script") {
			b.Fatal("script survived")
		}
	}
}
