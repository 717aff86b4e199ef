// Package static embeds the CSS and the small scripts Parley serves.
package static

import "embed"

// FS holds the stylesheets and scripts, served under /static/.
//
//go:embed *.css *.js
var FS embed.FS
