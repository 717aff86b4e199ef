package handlers

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

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
