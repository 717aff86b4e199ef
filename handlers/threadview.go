package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"strings"
	"time"

	"parley/models"
	"parley/models/moderation"
)

// commentView is one comment as the thread template shows it.
type commentView struct {
	ID        uint
	Author    string
	Website   string
	Avatar    string
	HTML      string // sanitized by the markup package
	CreatedAt time.Time
	EditedAt  *time.Time
	Removed   bool
	Pending   bool
	Pinned    bool
	Depth     int
	Replies   []commentView
	// gravatar is the author's Gravatar ("" without an email), shown
	// instead of Avatar on sites that opted in; see useGravatars.
	gravatar string
	// FlagAction is where the comment's flag form posts; "" hides the
	// flag link. FlagHref is that link without script; "" means ?flag=ID
	// on the same page. The embed sets it to keep its query.
	FlagAction string
	FlagHref   string
	// ReplyHref is the no-JavaScript reply link; "" means ?reply=ID on
	// the same page. The embed sets it to keep its query.
	ReplyHref string
	// Score is upvotes minus downvotes; VoteAction is where the
	// no-JavaScript vote buttons post ("" hides them).
	Score      int
	VoteAction string
	Downvote   bool // the site allows downvotes
	// Permalink opens the page that holds the comment and scrolls to it;
	// PermalinkTarget is "_top" when that page is the embed's host page.
	Permalink       string
	PermalinkTarget string
	// HiddenReplies counts the replies cut from a long list; the rest
	// open at MoreRepliesHref (MoreRepliesFragment for the script).
	HiddenReplies       int
	MoreRepliesHref     string
	MoreRepliesFragment string
}

// commentForm is the comment form's state: empty, or a reader's input being
// shown again with messages.
type commentForm struct {
	Action   string
	Author   string
	Email    string
	Website  string
	Body     string
	ParentID uint
	ReplyTo  string
	Stamp    string
	Errors   map[string]string
	Problem  string // a message that belongs to no single field
	Preview  string // the body rendered as a posted comment would be, sanitized
	Closed   bool
	// Notify keeps the "Email me replies" box ticked when the form is shown again.
	Notify bool
	// PrivacyURL is the site's privacy note, linked from the email hint.
	PrivacyURL string
	// AutoCloseDays is set when the site's auto-close closed the thread.
	AutoCloseDays int
	// Edits link to the reader's own recent comments' edit pages.
	Edits []ownEdit
}

// threadView is the data of the thread partial.
type threadView struct {
	Page     string // page URL the thread belongs to, for reply and permalink links
	Count    int
	Comments []commentView
	Pending  *commentView // the reader's own held comment, shown only to them
	Notice   string       // a one-off message, e.g. after flagging
	Flag     *flagForm    // the flag form opened without script (?flag=ID)
	Form     commentForm
	// Sort is the order shown; Sorts links every order. Downvotes shows
	// the downvote buttons.
	Sort      string
	Sorts     []sortLink
	Downvotes bool
	// NextHref is the plain link to the next page ("" on the last one),
	// NextFragment the same page as a fragment for the script; FirstHref
	// leads back to the first page from a later one.
	NextHref     string
	NextFragment string
	FirstHref    string
	// Body is the comment list rendered from the cache (see threadBody);
	// when set, Comments is empty and the template shows Body instead.
	Body template.HTML
}

// FlagTemplate is the flag form the page's script copies under a comment;
// the script fills in where it posts.
func (threadView) FlagTemplate() flagForm { return flagForm{Cancel: "#"} }

// avatarURL returns the local identicon of an email or, without one, a name.
func avatarURL(email, name string) string {
	seed := strings.ToLower(strings.TrimSpace(email))
	if seed == "" {
		seed = "name:" + strings.TrimSpace(name)
	}
	sum := sha256.Sum256([]byte(seed))
	return "/avatars/" + hex.EncodeToString(sum[:8]) + ".svg"
}

// toCommentView converts a node; flagBase is the path flag forms post
// under ("/posts/slug/comments"), or "" for none.
func toCommentView(n *models.Node, flagBase string) commentView {
	v := commentView{ID: n.Comment.ID, Removed: n.Removed, Depth: n.Comment.Depth, CreatedAt: n.Comment.CreatedAt}
	if !n.Removed {
		c := n.Comment
		v.Author, v.Website, v.HTML, v.EditedAt, v.Pinned = c.Author, c.Website, c.HTML, c.EditedAt, c.Pinned
		v.Score = c.Score
		v.Avatar, v.gravatar = avatarURL(c.Email, c.Author), gravatarFor(c.Email)
		if flagBase != "" {
			v.FlagAction = fmt.Sprintf("%s/%d/flag", flagBase, c.ID)
		}
	}
	if len(n.Replies) > 0 {
		v.Replies = toCommentViews(n.Replies, flagBase)
	}
	return v
}

func toCommentViews(nodes []*models.Node, flagBase string) []commentView {
	out := make([]commentView, len(nodes))
	for i, n := range nodes {
		out[i] = toCommentView(n, flagBase)
	}
	return out
}

// asSeenBy returns the thread's comments as one reader sees them: a
// shadow-banned reader sees their own comments as if they were public, so
// nothing tells them they are banned. Others see nothing of them.
func asSeenBy(flat []models.Comment, viewerKey string) []models.Comment {
	if viewerKey == "" {
		return flat
	}
	var out []models.Comment
	for i, c := range flat {
		if c.CommenterKey != viewerKey || c.Status != models.StatusSpam || !hasReason(c.Reasons, moderation.CodeShadowBan) {
			continue
		}
		if out == nil {
			out = append([]models.Comment(nil), flat...)
		}
		out[i].Status = models.StatusApproved
	}
	if out == nil {
		return flat
	}
	return out
}
