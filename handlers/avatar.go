package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// gravatarOrigin is the one outside host avatars may come from, and only on
// the pages of a site that turned Gravatar on.
const gravatarOrigin = "https://www.gravatar.com"

// gravatarURL returns the Gravatar image of an email address. Only the
// SHA-256 of the trimmed, lower-cased address leaves Parley; Gravatar draws
// an identicon for addresses it does not know.
func gravatarURL(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return gravatarOrigin + "/avatar/" + hex.EncodeToString(sum[:]) + "?d=identicon&s=64"
}

// gravatarFor returns the Gravatar of an email, or "" without one.
func gravatarFor(email string) string {
	if strings.TrimSpace(email) == "" {
		return ""
	}
	return gravatarURL(email)
}

// siteAvatar returns a commenter's avatar on a site: their Gravatar when the
// site opted in and they gave an email, otherwise the local identicon.
func siteAvatar(settings models.SiteSettings, email, name string) string {
	if g := gravatarFor(email); settings.Gravatar && g != "" {
		return g
	}
	return avatarURL(email, name)
}

// useGravatars shows, on a site that opted into Gravatar, the Gravatar of
// every comment whose author gave an email. Other sites keep the identicons.
func (v *threadView) useGravatars(settings models.SiteSettings) {
	if !settings.Gravatar {
		return
	}
	var walk func([]commentView)
	walk = func(list []commentView) {
		for i := range list {
			if g := list[i].gravatar; g != "" && !list[i].Removed {
				list[i].Avatar = g
			}
			walk(list[i].Replies)
		}
	}
	walk(v.Comments)
	if p := v.Pending; p != nil && p.gravatar != "" {
		p.Avatar = p.gravatar
	}
}

// useGravatarDTOs is useGravatars for the JSON API's comments.
func useGravatarDTOs(settings models.SiteSettings, list []commentDTO) {
	if !settings.Gravatar {
		return
	}
	for i := range list {
		if g := list[i].gravatar; g != "" && !list[i].removed {
			list[i].Avatar = g
		}
		useGravatarDTOs(settings, list[i].Replies)
	}
}

// allowGravatarImages lets the page being answered show Gravatar images:
// its CSP's img-src gains Gravatar's origin. Pages of sites without
// Gravatar keep images to Parley itself.
func allowGravatarImages(c *gin.Context, settings models.SiteSettings) {
	if !settings.Gravatar {
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", withSource(h.Get("Content-Security-Policy"), "img-src", gravatarOrigin))
}

// withSource adds a source to one directive of a CSP; a policy without
// that directive gets it with 'self' and the source.
func withSource(csp, directive, source string) string {
	var out []string
	found := false
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if name, _, _ := strings.Cut(d, " "); name == directive {
			d, found = d+" "+source, true
		}
		out = append(out, d)
	}
	if !found {
		out = append(out, directive+" 'self' "+source)
	}
	return strings.Join(out, "; ")
}

// avatar draws a 5×5 mirrored identicon from the hash in the URL. Nothing is
// fetched from outside; the same hash always gives the same picture.
func (s *Server) avatar(c *gin.Context) {
	name := strings.TrimSuffix(c.Param("name"), ".svg")
	seed, err := hex.DecodeString(name)
	if err != nil || len(seed) != 8 {
		s.notFound(c)
		return
	}
	hue := int(seed[0]) * 360 / 256
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 5 5" width="40" height="40" shape-rendering="crispEdges">`)
	fmt.Fprintf(&b, `<rect width="5" height="5" fill="hsl(%d,45%%,92%%)"/>`, hue)
	for y := 0; y < 5; y++ {
		for x := 0; x < 3; x++ {
			bit := y*3 + x
			if seed[1+bit/8]>>(bit%8)&1 == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="1" height="1" fill="hsl(%d,55%%,45%%)"/>`, x, y, hue)
			if x != 2 {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="1" height="1" fill="hsl(%d,55%%,45%%)"/>`, 4-x, y, hue)
			}
		}
	}
	b.WriteString(`</svg>`)
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Header("Cross-Origin-Resource-Policy", "cross-origin")
	c.Data(http.StatusOK, "image/svg+xml", []byte(b.String()))
}
