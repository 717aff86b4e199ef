package importer

import (
	"strings"
	"testing"
)

func TestPageKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/2010/05/my-title.html", "/2010/05/my-title.html"},
		{"http://example.com/2010/05/my-title.html", "/2010/05/my-title.html"},
		{"http://www.example.com/a/b/#comment-4", "/a/b/"},
		{"https://example.com", "/"},
		{"https://example.com/", "/"},
		{"http://example.com?p=4", "/?p=4"},
		{"http://example.tld/?p=4", "/?p=4"},
		{"http://example.tld/?p=4&lang=de#c1", "/?p=4&lang=de"},
		{"https://user:pw@example.com:8080/x", "/x"},
		{"//cdn.example.com/x/y", "/x/y"},
		{"/relative/path", "/relative/path"},
		{"relative", "/relative"},
		{"  https://example.com/trim  ", "/trim"},
		{"http://x.com/it%e2%80%99s-a-hard-life/", "/it%E2%80%99s-a-hard-life/"},
		{"http://x.com/it’s", "/it%E2%80%99s"},
		{"http://x.com/a%20b", "/a%20b"},
		{"", ""},
		{"   ", ""},
		{"http://[::1", ""},
		{"mailto:someone@example.com", ""},
	}
	for _, tt := range tests {
		if got := PageKey(tt.in); got != tt.want {
			t.Errorf("PageKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMapping(t *testing.T) {
	tests := []struct {
		in      string
		want    Mapping
		wantErr string
	}{
		{in: "/blog/=/posts/", want: Mapping{"/blog/", "/posts/"}},
		{in: " /old = /new ", want: Mapping{"/old", "/new"}},
		{in: "/=/archive/", want: Mapping{"/", "/archive/"}},
		{in: "/a=/b=c", want: Mapping{"/a", "/b=c"}},
		{in: "/blog/", wantErr: "want old=new"},
		{in: "blog=/posts", wantErr: "old prefix must start with /"},
		{in: "/blog=posts", wantErr: "new prefix must start with /"},
		{in: "/blog=", wantErr: "new prefix must start with /"},
		{in: "=", wantErr: "old prefix"},
	}
	for _, tt := range tests {
		got, err := ParseMapping(tt.in)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseMapping(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("ParseMapping(%q): %v", tt.in, err)
		case got != tt.want:
			t.Errorf("ParseMapping(%q) = %+v, want %+v", tt.in, got, tt.want)
		case got.String() != strings.ReplaceAll(strings.TrimSpace(tt.in), " ", ""):
			t.Errorf("String() = %q", got.String())
		}
	}
}

func TestApplyMappings(t *testing.T) {
	maps := []Mapping{
		{"/blog/2010/", "/old/"},
		{"/blog/", "/posts/"}, // shadowed for 2010 keys: first match wins
		{"/p/", "/"},
		{"/tmp", "/scratch"}, // plain prefix: also matches /tmpfoo
	}
	tests := []struct{ in, want string }{
		{"/blog/2010/05/x.html", "/old/05/x.html"},
		{"/blog/2011/x.html", "/posts/2011/x.html"},
		{"/blog/", "/posts/"},
		{"/p/feedback.html", "/feedback.html"},
		{"/tmpfoo", "/scratchfoo"},
		{"/other/?p=4", "/other/?p=4"},
		{"/", "/"},
	}
	for _, tt := range tests {
		if got := ApplyMappings(tt.in, maps); got != tt.want {
			t.Errorf("ApplyMappings(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := ApplyMappings("/x", nil); got != "/x" {
		t.Errorf("no mappings: %q", got)
	}
}

// Mappings given in Options rewrite thread and comment keys, not the
// posts' old paths.
func TestOptionsMappings(t *testing.T) {
	opts := Options{Mappings: []Mapping{{"/p/", "/pages/"}, {"/", "/site/"}}}
	f := openExport(t, "blogger/ghost-importer_blogger.xml", false)
	r, err := read("blogger", f, opts)
	if err != nil {
		t.Fatal(err)
	}
	if th := r.thread(t, "1099408231173381423"); th.Key != "/pages/feedback.html" {
		t.Errorf("thread key %q", th.Key)
	}
	if th := r.thread(t, "522026511341072484"); th.Key != "/site/2010/10/mo-words-for-win-phone-7.html" {
		t.Errorf("thread key %q", th.Key)
	}
	if p := r.post(t, "1099408231173381423"); p.OldPath != "/p/feedback.html" {
		t.Errorf("old path rewritten: %q", p.OldPath)
	}
	for _, c := range r.comments {
		if c.ThreadKey != "/pages/feedback.html" {
			t.Errorf("comment key %q", c.ThreadKey)
		}
	}

	d := openExport(t, "disqus/remark42_disqus.xml", false)
	r, err = read("disqus", d, Options{Mappings: []Mapping{{"/p/", "/podcast/"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := r.comment(t, "299619020"); c.ThreadKey != "/podcast/2011/03/05/podcast-229/" {
		t.Errorf("disqus comment key %q", c.ThreadKey)
	}
}

func TestSlugs(t *testing.T) {
	tests := []struct{ explicit, oldPath, title, want string }{
		{"", "/2010/05/my-title.html", "Whatever", "my-title"},
		{"", "/p/feedback.html", "", "feedback"},
		{"", "/2008/04/15/about-me/", "", "about-me"},
		{"", "/?p=168", "", "post-7"},
		{"", "", "Black as Egypt's Night", "black-as-egypts-night"},
		{"", "", "  Ünïcode — Title!  ", "ünïcode-title"},
		{"", "", "!!!", "post-7"},
		{"it%e2%80%99s-a-hard-life", "/x/", "", "it’s-a-hard-life"},
		{"", "/", "Home", "home"},
	}
	for _, tt := range tests {
		if got := postSlug(tt.explicit, tt.oldPath, tt.title, "post", "7"); got != tt.want {
			t.Errorf("postSlug(%q, %q, %q) = %q, want %q", tt.explicit, tt.oldPath, tt.title, got, tt.want)
		}
	}
}
