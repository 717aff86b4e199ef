// Package views embeds Parley's html/template files. Parsing happens once,
// at start-up, in the handlers package.
package views

import "embed"

// FS holds every template: layout.html, the pages, and partials/.
//
//go:embed *.html partials/*.html
var FS embed.FS
