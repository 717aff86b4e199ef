// Package markup turns comment and post markdown into safe HTML: goldmark
// with raw HTML off, then one bluemonday allowlist built once.
package markup

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// Renderer converts markdown to sanitized HTML. It is safe for concurrent use.
type Renderer struct {
	comments goldmark.Markdown
	posts    goldmark.Markdown
	policy   *bluemonday.Policy // comments and imported HTML
	trusted  *bluemonday.Policy // posts, written by the blog's own authors
}

// New builds the markdown converters and the allowlist once.
func New() *Renderer {
	return &Renderer{
		comments: goldmark.New(
			goldmark.WithExtensions(extension.Linkify, extension.Strikethrough),
			// Raw HTML stays off (goldmark's default); typed tags show as text.
			goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(rawAsText{}, 100))),
		),
		posts: goldmark.New(
			goldmark.WithExtensions(extension.GFM),
			goldmark.WithParserOptions(parser.WithAutoHeadingID()),
			// Authors may write HTML in posts; the allowlist still cleans it.
			goldmark.WithRendererOptions(html.WithUnsafe()),
		),
		policy:  newPolicy(false),
		trusted: newPolicy(true),
	}
}

// newPolicy builds the allowlist. Posts may also link to the blog's own
// pages and show images; comments may not.
func newPolicy(post bool) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "em", "strong", "b", "i", "del", "s", "sup", "sub", "code", "pre", "blockquote",
		"ul", "ol", "li", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-z0-9-]{1,80}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+-]{1,30}$`)).OnElements("code")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(post)
	if post {
		p.AllowImages()
		p.AllowElements("div", "span", "figure", "figcaption", "small")
	}
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}

// Comment renders a comment's markdown to safe HTML.
func (r *Renderer) Comment(markdown string) (string, error) {
	return r.render(r.comments, r.policy, markdown)
}

// Post renders a post's markdown (tables, images, heading anchors and
// relative links allowed) to safe HTML.
func (r *Renderer) Post(markdown string) (string, error) {
	return r.render(r.posts, r.trusted, markdown)
}

// Sanitize cleans comment HTML from elsewhere (imports) with the same
// allowlist as comments written here.
func (r *Renderer) Sanitize(html string) string {
	return addRel(r.policy.Sanitize(html))
}

// SanitizePost cleans post HTML from elsewhere (imports) with the posts' allowlist.
func (r *Renderer) SanitizePost(html string) string {
	return addRel(r.trusted.Sanitize(html))
}

func (r *Renderer) render(md goldmark.Markdown, policy *bluemonday.Policy, src string) (string, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("markup: render: %w", err)
	}
	return addRel(policy.Sanitize(buf.String())), nil
}

var relAttr = regexp.MustCompile(`rel="nofollow noreferrer"`)

// addRel widens bluemonday's rel value to the full set Parley promises.
func addRel(html string) string {
	return relAttr.ReplaceAllLiteralString(html, `rel="nofollow ugc noopener noreferrer"`)
}
