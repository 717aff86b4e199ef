package markup

import (
	"regexp"
	"strings"
	"testing"
)

// unsafeTag finds a real tag (not escaped text) that could run script.
var unsafeTag = regexp.MustCompile(`(?i)<(script|iframe|img|object|embed|style|svg)|<[a-z][^>]*\s(on[a-z]+|style)=|<a[^>]*href="(javascript|data|vbscript):`)

func TestCommentRendersSafeHTML(t *testing.T) {
	r := New()
	tests := []struct {
		name, in      string
		want, notWant []string
	}{
		{"emphasis", "**bold** and _it_", []string{"<strong>bold</strong>", "<em>it</em>"}, nil},
		{"script as text", "<script>alert(1)</script>", []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}, []string{"<script"}},
		{"html block as text", "<div onclick=\"x()\">hi</div>", []string{"&lt;div"}, []string{"<div"}},
		{"img onerror", "<img src=x onerror=alert(1)>", nil, []string{"<img"}},
		{"javascript link", "[x](javascript:alert(1))", nil, []string{"javascript:", "<a"}},
		{"data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:", "<a"}},
		{"relative link dropped", "[x](/admin)", nil, []string{"<a"}},
		{"https link gets rel", "[x](https://example.com/a?b=1&c=2)", []string{`href="https://example.com/a?b=1&amp;c=2"`, `rel="nofollow ugc noopener noreferrer"`}, nil},
		{"autolink", "see http://example.com now", []string{`<a href="http://example.com"`}, nil},
		{"mailto", "[m](mailto:a@example.com)", []string{`href="mailto:a@example.com"`}, nil},
		{"image dropped", "![alt](https://example.com/x.png)", nil, []string{"<img"}},
		{"code keeps brackets", "`<b>`", []string{"<code>&lt;b&gt;</code>"}, nil},
		{"quote", "> quoted", []string{"<blockquote>"}, nil},
		{"attribute breakout", `[x](https://e.com/"onmouseover="alert(1))`, nil, []string{`"onmouseover`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Comment(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Comment(%q) = %q, want it to contain %q", tt.in, got, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("Comment(%q) = %q, must not contain %q", tt.in, got, w)
				}
			}
		})
	}
}

func TestSanitizeImportedHTML(t *testing.T) {
	r := New()
	got := r.Sanitize(`<p onclick="x()">hi <a href="http://x.com" rel="evil" target="_blank">l</a><iframe src="x"></iframe><b>b</b></p>`)
	for _, bad := range []string{"onclick", "iframe", "evil", "target"} {
		if strings.Contains(got, bad) {
			t.Errorf("Sanitize kept %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, `rel="nofollow ugc noopener noreferrer"`) {
		t.Errorf("Sanitize did not set rel: %s", got)
	}
}

func TestPostAllowsHeadingsAndTables(t *testing.T) {
	got, err := New().Post("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`<h1 id="title">`, "<table>", "<td>1</td>"} {
		if !strings.Contains(got, w) {
			t.Errorf("Post() = %q, want %q", got, w)
		}
	}
}

func TestPostAllowsOwnLinksImagesAndCleanHTML(t *testing.T) {
	got, err := New().Post("[admin](/admin) ![cat](https://example.com/cat.png)\n\n<div onclick=\"x()\"><script>alert(1)</script><b>bold</b></div>")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`href="/admin"`, `<img src="https://example.com/cat.png" alt="cat"`, "<b>bold</b>"} {
		if !strings.Contains(got, w) {
			t.Errorf("Post() = %q, want %q", got, w)
		}
	}
	if strings.Contains(got, "<script") || strings.Contains(got, "onclick") || strings.Contains(got, "alert") {
		t.Errorf("Post() kept unsafe HTML: %q", got)
	}
}

func FuzzComment(f *testing.F) {
	for _, s := range []string{"<script>", "[a](javascript:x)", "**x**", "<a href=x onclick=y>"} {
		f.Add(s)
	}
	r := New()
	f.Fuzz(func(t *testing.T, s string) {
		got, err := r.Comment(s)
		if err != nil {
			t.Fatal(err)
		}
		if unsafeTag.MatchString(got) {
			t.Fatalf("Comment(%q) produced %q", s, got)
		}
	})
}
