package handlers

import "testing"

func TestGravatarWithSource(t *testing.T) {
	for _, c := range []struct{ csp, want string }{
		{"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
			"default-src 'self'; img-src 'self' data: https://www.gravatar.com; frame-ancestors 'none'"},
		{"default-src 'self'", "default-src 'self'; img-src 'self' https://www.gravatar.com"},
		{"", "img-src 'self' https://www.gravatar.com"},
		// A directive whose name only starts like img-src is another one.
		{"img-src-x a; img-src 'self'", "img-src-x a; img-src 'self' https://www.gravatar.com"},
	} {
		if got := withSource(c.csp, "img-src", gravatarOrigin); got != c.want {
			t.Errorf("withSource(%q) = %q, want %q", c.csp, got, c.want)
		}
	}
}

func TestGravatarURLHashesTheNormalizedEmail(t *testing.T) {
	// sha256("ann@example.com"), as sha256sum prints it.
	const want = "https://www.gravatar.com/avatar/71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476?d=identicon&s=64"
	for _, email := range []string{"ann@example.com", "  Ann@Example.COM "} {
		if got := gravatarURL(email); got != want {
			t.Errorf("gravatarURL(%q) = %q, want %q", email, got, want)
		}
	}
	if gravatarFor(" ") != "" {
		t.Error("a blank email has a Gravatar")
	}
}
