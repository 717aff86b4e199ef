package moderation

import (
	"time"

	"parley/models"
)

// Input is everything the rules need to judge one new comment. The caller
// fills it; the engine never touches the database or the network.
type Input struct {
	// Body is the comment's markdown source; HTML is its rendered form.
	Body string
	HTML string

	// The commenter's details as submitted, and the request's origin.
	Author    string
	Email     string
	Website   string
	IP        string
	UserAgent string

	// Mode is the moderation mode in force for the page: one of
	// models.ModerationPre, ModerationPost, ModerationSmart. Any other
	// value is treated as pre-moderation.
	Mode string
	// Rules are the site's rule settings. The engine normalizes them.
	Rules models.RuleSettings

	// Now is the time of the submission; the zero time means time.Now().
	Now time.Time
	// PostPublishedAt is when the commented post was published, or nil for
	// pages that are not posts.
	PostPublishedAt *time.Time

	// ThreadClosed reports that the page no longer takes comments.
	ThreadClosed bool
	// Duplicate reports that the same body came from the same commenter
	// key or IP within the last day.
	Duplicate bool
	// HoneypotFilled reports that the hidden trap field of the form was
	// filled in.
	HoneypotFilled bool
	// FormTooFast reports that the form came back sooner than a person
	// could have written a comment.
	FormTooFast bool
	// Trusted reports that the signed commenter key has at least
	// Rules.TrustAfter approved comments. Only smart mode uses it.
	Trusted bool
	// Ban is the ban that matches this commenter, or nil.
	Ban *BanMatch

	// AkismetSpam reports that Akismet classified the comment as spam;
	// AkismetDiscard that it also sent the "discard" pro tip (blatant spam).
	AkismetSpam    bool
	AkismetDiscard bool
}

// BanMatch describes the ban the caller found for a commenter.
type BanMatch struct {
	// Kind is what matched, such as "ip", "email" or "key".
	Kind string
	// Shadow bans accept the comment but show it to its author only.
	Shadow bool
	// Note is the moderator's note on the ban; it is kept in the reason
	// detail, which only moderators see, and never shown to the commenter.
	Note string
}
