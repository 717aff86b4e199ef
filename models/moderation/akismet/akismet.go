// Package akismet is a small client for the Akismet spam-checking REST
// API (https://akismet.com/developers/): comment-check, submit-spam,
// submit-ham and verify-key.
//
// A Client is only built when an API key is configured; the nil *Client
// is disabled: it never contacts anything, classifies every comment as
// ham and accepts every submission as a no-op. Callers turn a spam answer
// into moderation.Input.AkismetSpam (and Result.Discard into
// AkismetDiscard).
package akismet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the Akismet REST API, version 1.1.
const DefaultBaseURL = "https://rest.akismet.com/1.1"

// DefaultTimeout bounds every request when Config.HTTPClient is nil.
const DefaultTimeout = 10 * time.Second

// Responses and headers of the protocol.
const (
	submitThanks     = "Thanks for making the web a better place."
	headerProTip     = "X-Akismet-Pro-Tip"
	headerDebugHelp  = "X-Akismet-Debug-Help"
	headerAlertMsg   = "X-Akismet-Alert-Msg"
	maxResponseBytes = 64 << 10
)

// Errors returned by the client; test them with errors.Is.
var (
	// ErrInvalid means Akismet answered "invalid": a bad API key or a
	// missing required field. The error text carries Akismet's debug help.
	ErrInvalid = errors.New("akismet rejected the request as invalid")
	// ErrUnexpected means Akismet answered something the protocol does
	// not define.
	ErrUnexpected = errors.New("unexpected answer from akismet")
)

// Config configures a Client.
type Config struct {
	// Key is the Akismet API key; without it New returns a nil Client.
	Key string
	// Blog is the front page URL of the site the key is registered for.
	Blog string
	// Lang is sent as blog_lang, e.g. "en" or "en, fr_ca"; optional.
	Lang string
	// Charset is sent as blog_charset; "UTF-8" when empty.
	Charset string
	// BaseURL replaces DefaultBaseURL, e.g. for tests.
	BaseURL string
	// HTTPClient replaces the default client with DefaultTimeout.
	HTTPClient *http.Client
	// UserAgent identifies the application to Akismet.
	UserAgent string
}

// Client talks to Akismet. It is safe for concurrent use.
type Client struct {
	key, blog, lang, charset string
	base, userAgent          string
	http                     *http.Client
}

// New returns a client for cfg, or nil (disabled) when cfg.Key is empty.
// It fails when a key is given without a valid blog URL or base URL.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Key) == "" {
		return nil, nil
	}
	if u, err := url.Parse(cfg.Blog); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("akismet: blog must be an absolute URL, got %q", cfg.Blog)
	}
	c := &Client{
		key:       strings.TrimSpace(cfg.Key),
		blog:      cfg.Blog,
		lang:      cfg.Lang,
		charset:   cfg.Charset,
		base:      strings.TrimRight(cfg.BaseURL, "/"),
		userAgent: cfg.UserAgent,
		http:      cfg.HTTPClient,
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	if u, err := url.Parse(c.base); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("akismet: base URL must be an absolute URL, got %q", cfg.BaseURL)
	}
	if c.charset == "" {
		c.charset = "UTF-8"
	}
	if c.userAgent == "" {
		c.userAgent = "Parley | Akismet-Go/1.0"
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	return c, nil
}

// Enabled reports whether c will contact Akismet.
func (c *Client) Enabled() bool { return c != nil }

// Comment is what Akismet is told about one comment. UserIP is required;
// the more of the rest is filled, the better Akismet's answer.
type Comment struct {
	UserIP    string
	UserAgent string
	Referrer  string
	// Permalink is the URL of the page the comment was posted on.
	Permalink string
	// Type is sent as comment_type; "comment" when empty.
	Type        string
	Author      string
	AuthorEmail string
	AuthorURL   string
	Content     string
	// Date is when the comment was written; sent as comment_date_gmt.
	Date time.Time
	// PostModified is when the post was last changed; optional.
	PostModified time.Time
	// UserRole "administrator" tells Akismet never to call it spam.
	UserRole string
	// Test marks the call as a test (is_test=1) so Akismet does not learn
	// from it.
	Test bool
}

// Result is Akismet's answer to comment-check.
type Result struct {
	// Spam is true when Akismet classified the comment as spam.
	Spam bool
	// Discard is true when Akismet also sent the "discard" pro tip: the
	// comment is blatant spam that need not be kept.
	Discard bool
}

// Check asks Akismet whether c is spam. A nil Client answers ham without
// a request.
func (c *Client) Check(ctx context.Context, cm Comment) (Result, error) {
	if c == nil {
		return Result{}, nil
	}
	body, hdr, err := c.post(ctx, "comment-check", c.form(cm))
	if err != nil {
		return Result{}, err
	}
	switch body {
	case "true":
		return Result{Spam: true, Discard: strings.EqualFold(hdr.Get(headerProTip), "discard")}, nil
	case "false":
		return Result{}, nil
	}
	return Result{}, answerError("comment-check", body, hdr)
}

// CommentCheck reports whether Akismet classifies c as spam. A nil Client
// answers false without a request.
func (c *Client) CommentCheck(ctx context.Context, cm Comment) (spam bool, err error) {
	r, err := c.Check(ctx, cm)
	return r.Spam, err
}

// SubmitSpam tells Akismet that a comment it let through is spam. A nil
// Client does nothing.
func (c *Client) SubmitSpam(ctx context.Context, cm Comment) error {
	return c.submit(ctx, "submit-spam", cm)
}

// SubmitHam tells Akismet that a comment it called spam is not. A nil
// Client does nothing.
func (c *Client) SubmitHam(ctx context.Context, cm Comment) error {
	return c.submit(ctx, "submit-ham", cm)
}

// VerifyKey checks the API key and blog with Akismet; it returns an error
// wrapping ErrInvalid when Akismet rejects them. A nil Client returns nil.
func (c *Client) VerifyKey(ctx context.Context) error {
	if c == nil {
		return nil
	}
	form := url.Values{"api_key": {c.key}, "blog": {c.blog}}
	body, hdr, err := c.post(ctx, "verify-key", form)
	if err != nil {
		return err
	}
	if body == "valid" {
		return nil
	}
	return answerError("verify-key", body, hdr)
}

// submit posts a spam or ham report.
func (c *Client) submit(ctx context.Context, method string, cm Comment) error {
	if c == nil {
		return nil
	}
	body, hdr, err := c.post(ctx, method, c.form(cm))
	if err != nil {
		return err
	}
	if body == submitThanks {
		return nil
	}
	return answerError(method, body, hdr)
}

// form encodes a comment with the client's key and blog.
func (c *Client) form(cm Comment) url.Values {
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	set("api_key", c.key)
	set("blog", c.blog)
	set("blog_lang", c.lang)
	set("blog_charset", c.charset)
	set("user_ip", cm.UserIP)
	set("user_agent", cm.UserAgent)
	set("referrer", cm.Referrer)
	set("permalink", cm.Permalink)
	typ := cm.Type
	if typ == "" {
		typ = "comment"
	}
	set("comment_type", typ)
	set("comment_author", cm.Author)
	set("comment_author_email", cm.AuthorEmail)
	set("comment_author_url", cm.AuthorURL)
	set("comment_content", cm.Content)
	if !cm.Date.IsZero() {
		set("comment_date_gmt", cm.Date.UTC().Format(time.RFC3339))
	}
	if !cm.PostModified.IsZero() {
		set("comment_post_modified_gmt", cm.PostModified.UTC().Format(time.RFC3339))
	}
	set("user_role", cm.UserRole)
	if cm.Test {
		set("is_test", "1")
	}
	return f
}

// post sends a form to one API method and returns the trimmed body.
func (c *Client) post(ctx context.Context, method string, form url.Values) (string, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+method, strings.NewReader(form.Encode()))
	if err != nil {
		return "", nil, fmt.Errorf("akismet %s: build request: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("akismet %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return "", nil, fmt.Errorf("akismet %s: read response: %w", method, err)
	}
	body := strings.TrimSpace(string(raw))
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("akismet %s: HTTP %d %q: %w", method, resp.StatusCode, snippet(body), ErrUnexpected)
	}
	return body, resp.Header, nil
}

// answerError describes an answer outside the protocol's success values,
// with Akismet's debug help or alert message when it sent one.
func answerError(method, body string, hdr http.Header) error {
	base := ErrUnexpected
	if body == "invalid" {
		base = ErrInvalid
	}
	detail := hdr.Get(headerDebugHelp)
	if detail == "" {
		detail = hdr.Get(headerAlertMsg)
	}
	if detail == "" && base == ErrUnexpected {
		detail = fmt.Sprintf("%q", snippet(body))
	}
	if detail == "" {
		return fmt.Errorf("akismet %s: %w", method, base)
	}
	return fmt.Errorf("akismet %s: %w: %s", method, base, detail)
}

// snippet shortens an unexpected body for an error message.
func snippet(s string) string {
	const n = 80
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
