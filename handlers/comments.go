package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/models"
)

// Limits on what a reader may send, checked before anything is stored.
const (
	maxBodyRunes   = 10000
	maxBodyBytes64 = 64 << 10
	maxAuthorRunes = 64
	maxEmailLen    = 254
	maxWebsiteLen  = 200
)

// newComment is a comment as a reader sent it, from the form or the API.
// It is copied field by field into the model; nothing binds to the model.
type newComment struct {
	SiteID, Page string
	ParentID     *uint
	Author       string
	Email        string
	Website      string
	Body         string
	// Notify asks for an email on each approved reply (with an email only).
	Notify bool

	// Signals only the HTML form carries.
	FromForm  bool
	Honeypot  string
	FormStamp string

	IP, UserAgent string

	// The embedding page's title and address, for a thread that an embedded
	// page's first comment creates.
	PageTitle, PageURL string
	// CommenterKey is the verified key id of the sender's browser, or "" for
	// a first comment (a new key is made and returned).
	CommenterKey string
	// AcceptLanguage is the sender's Accept-Language header: the language
	// of their reply emails when the site does not fix one.
	AcceptLanguage string
}

// createdComment is what a successful create returns.
type createdComment struct {
	Comment   models.Comment
	Thread    models.Thread
	Site      models.Site
	EditToken string
	// CommenterToken is set when this comment gave the browser its key.
	CommenterToken string
	// Shadow: the sender is shadow-banned; answer as if the comment were public.
	Shadow bool
}

// validate trims the fields and checks every limit, collecting one message
// per field.
func (in *newComment) validate() error {
	v := &models.ValidationError{}
	in.Author = strings.TrimSpace(in.Author)
	in.Email = strings.TrimSpace(in.Email)
	in.Website = strings.TrimSpace(in.Website)
	for field, val := range map[string]string{"author": in.Author, "email": in.Email, "website": in.Website, "body": in.Body} {
		if !utf8.ValidString(val) {
			v.Add(field, "This contains characters that are not valid text.")
		}
	}
	switch n := utf8.RuneCountInString(in.Author); {
	case n == 0:
		v.Add("author", "Please give your name.")
	case n > maxAuthorRunes:
		v.Add("author", fmt.Sprintf("Your name can have at most %d characters.", maxAuthorRunes))
	case strings.IndexFunc(in.Author, unicode.IsControl) >= 0:
		v.Add("author", "Your name cannot contain control characters.")
	}
	if in.Email != "" {
		if len(in.Email) > maxEmailLen {
			v.Add("email", fmt.Sprintf("The email address can have at most %d characters.", maxEmailLen))
		} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			v.Add("email", "This does not look like an email address.")
		}
	}
	if in.Website != "" {
		if len(in.Website) > maxWebsiteLen {
			v.Add("website", fmt.Sprintf("The website address can have at most %d characters.", maxWebsiteLen))
		} else if !validWebsite(in.Website) {
			v.Add("website", "Use a full web address that starts with https:// or http://.")
		}
	}
	switch {
	case strings.TrimSpace(in.Body) == "":
		v.Add("body", "Please write a comment.")
	case len(in.Body) > maxBodyBytes64 || utf8.RuneCountInString(in.Body) > maxBodyRunes:
		v.Add("body", fmt.Sprintf("A comment can have at most %d characters.", maxBodyRunes))
	}
	return v.Err()
}

// validWebsite accepts only absolute http(s) URLs with a host.
func validWebsite(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && !strings.ContainsAny(raw, " \t\r\n\"'<>`")
}

// errRateLimited carries how long the client must wait.
type errRateLimited struct{ wait time.Duration }

func (e errRateLimited) Error() string { return "too many comments; wait " + e.wait.String() }

// createComment is the one code path for every new comment: validate,
// find the thread, judge, store.
func (s *Server) createComment(ctx context.Context, in newComment) (createdComment, error) {
	var out createdComment
	if err := in.validate(); err != nil {
		return out, err
	}
	if ok, wait := s.limiter.allow(ipKey(in.IP), s.now()); !ok {
		return out, errRateLimited{wait: wait}
	}
	if in.Email != "" {
		if ok, wait := s.limiter.allow("email:"+strings.ToLower(in.Email), s.now()); !ok {
			return out, errRateLimited{wait: wait}
		}
	}
	site, err := s.currentSite(ctx, in.SiteID)
	if errors.Is(err, models.ErrNotFound) {
		return out, models.ErrInvalidSite
	} else if err != nil {
		return out, err
	}
	thread, err := s.commentThread(ctx, site, in)
	if err != nil {
		return out, err
	}
	if _, err := s.closeIfDue(ctx, site, &thread); err != nil {
		return out, err
	}
	html, err := s.markup.Comment(in.Body)
	if err != nil {
		return out, err
	}
	if in.CommenterKey == "" {
		if in.CommenterKey, out.CommenterToken, err = s.newCommenterKey(); err != nil {
			return out, fmt.Errorf("commenter key: %w", err)
		}
	}
	verdict, err := s.judge(ctx, site, thread, in, html)
	if err != nil {
		return out, err
	}
	if verdict.Refusal != nil {
		return out, verdict.Refusal
	}
	token, tokenHash, err := newEditToken()
	if err != nil {
		return out, fmt.Errorf("edit token: %w", err)
	}
	c := models.Comment{
		ThreadID:      thread.ID,
		ParentID:      in.ParentID,
		Author:        in.Author,
		Email:         in.Email,
		Website:       in.Website,
		Body:          in.Body,
		HTML:          html,
		IP:            in.IP,
		UserAgent:     truncate(in.UserAgent, 400),
		EditTokenHash: tokenHash,
		CommenterKey:  in.CommenterKey,
		NotifyReplies: in.Notify && in.Email != "",
	}
	c.Status, c.Reasons = verdict.Status, verdict.Reasons
	if err := s.store.CreateComment(ctx, &c, site.Settings.MaxDepth); err != nil {
		return out, err
	}
	s.metrics.commentCreated(c.Status)
	s.notifyHeld(ctx, site, thread, c)
	s.requestReplies(ctx, site, c, s.i18n.Negotiate(models.LanguageAuto, in.AcceptLanguage))
	out.Comment, out.Thread, out.EditToken, out.Shadow = c, thread, token, verdict.Shadow
	out.Site = site
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
