package moderation

import (
	"fmt"
	"time"

	"parley/models"
)

// Messages shown to refused commenters.
const (
	MsgThreadClosed = "Comments are closed on this page."
	MsgBanned       = "You cannot comment on this site."
	MsgDuplicate    = "You have already posted this comment."
)

// ClosedThread refuses comments on a closed page.
type ClosedThread struct{}

// Check implements Checker.
func (ClosedThread) Check(in *Input) Result {
	if !in.ThreadClosed {
		return Result{}
	}
	return Result{
		Action:  Refuse,
		Reason:  models.Reason{Code: CodeThreadClosed, Text: "Thread closed"},
		Message: MsgThreadClosed,
	}
}

// Ban refuses comments from banned commenters and sends those of
// shadow-banned commenters to spam, shown to their author only.
type Ban struct{}

// Check implements Checker.
func (Ban) Check(in *Input) Result {
	b := in.Ban
	if b == nil {
		return Result{}
	}
	detail := b.Kind + " ban"
	if b.Kind == "" {
		detail = "ban"
	}
	if b.Note != "" {
		detail += ": " + b.Note
	}
	if b.Shadow {
		return Result{
			Action: Spam,
			Reason: models.Reason{Code: CodeShadowBan, Text: "Shadow-banned commenter", Detail: detail},
			Shadow: true,
		}
	}
	return Result{
		Action:  Refuse,
		Reason:  models.Reason{Code: CodeBanned, Text: "Banned commenter", Detail: detail},
		Message: MsgBanned,
	}
}

// Duplicate refuses a body the same commenter already sent within a day.
type Duplicate struct{}

// Check implements Checker.
func (Duplicate) Check(in *Input) Result {
	if !in.Duplicate {
		return Result{}
	}
	return Result{
		Action:  Refuse,
		Reason:  models.Reason{Code: CodeDuplicate, Text: "Duplicate comment", Detail: "same text from the same commenter within a day"},
		Message: MsgDuplicate,
	}
}

// Honeypot sends to spam a form whose hidden trap field was filled in.
type Honeypot struct{}

// Check implements Checker.
func (Honeypot) Check(in *Input) Result {
	if !in.HoneypotFilled {
		return Result{}
	}
	return Result{
		Action: Spam,
		Reason: models.Reason{Code: CodeHoneypot, Text: "Spam trap filled", Detail: "the hidden form field was filled in"},
	}
}

// Akismet sends to spam what Akismet classified as spam.
type Akismet struct{}

// Check implements Checker.
func (Akismet) Check(in *Input) Result {
	if !in.AkismetSpam {
		return Result{}
	}
	r := models.Reason{Code: CodeAkismet, Text: "Akismet spam"}
	if in.AkismetDiscard {
		r.Detail = "blatant spam (discard hint)"
	}
	return Result{Action: Spam, Reason: r}
}

// TooFast marks as spam a form sent back sooner than a person could write
// a comment (the contract's PARLEY_FORM_MIN_SECONDS). A form shown again
// after a validation error keeps its first stamp, so a quick resend of a
// corrected comment is not caught.
type TooFast struct{}

// Check implements Checker.
func (TooFast) Check(in *Input) Result {
	if !in.FormTooFast {
		return Result{}
	}
	return Result{
		Action: Spam,
		Reason: models.Reason{Code: CodeTooFast, Text: "Form sent too fast", Detail: "sent sooner than a person could write it"},
	}
}

// Links holds comments with more distinct links than Rules.MaxLinks
// (0: no limit). See CountLinks.
type Links struct{}

// Check implements Checker.
func (Links) Check(in *Input) Result {
	limit := in.Rules.MaxLinks
	if limit <= 0 {
		return Result{}
	}
	n := CountLinks(in.Body, in.HTML)
	if n <= limit {
		return Result{}
	}
	return Result{
		Action: Hold,
		Reason: models.Reason{Code: CodeLinks, Text: "Too many links", Detail: fmt.Sprintf("%d links, limit %d", n, limit)},
	}
}

// OldPost holds comments on posts published more than Rules.OldPostDays
// days ago (0: off). Pages without a post are never old.
type OldPost struct{}

// Check implements Checker.
func (OldPost) Check(in *Input) Result {
	days := in.Rules.OldPostDays
	if days <= 0 || in.PostPublishedAt == nil {
		return Result{}
	}
	age := in.Now.Sub(*in.PostPublishedAt)
	if age <= time.Duration(days)*24*time.Hour {
		return Result{}
	}
	return Result{
		Action: Hold,
		Reason: models.Reason{
			Code:   CodeOldPost,
			Text:   "Old post",
			Detail: fmt.Sprintf("post published %d days ago, limit %d", int(age.Hours()/24), days),
		},
	}
}

// PreModeration holds every comment unless the mode is post or smart;
// unknown modes count as pre-moderation.
type PreModeration struct{}

// Check implements Checker.
func (PreModeration) Check(in *Input) Result {
	switch in.Mode {
	case models.ModerationPost, models.ModerationSmart:
		return Result{}
	}
	detail := "the site holds every new comment"
	if in.Mode != models.ModerationPre {
		detail = fmt.Sprintf("unknown moderation mode %q treated as pre-moderation", in.Mode)
	}
	return Result{
		Action: Hold,
		Reason: models.Reason{Code: CodePreModeration, Text: "Pre-moderation", Detail: detail},
	}
}

// FirstTime holds, in smart mode, comments from commenters who are not
// trusted yet.
type FirstTime struct{}

// Check implements Checker.
func (FirstTime) Check(in *Input) Result {
	if in.Mode != models.ModerationSmart || in.Trusted {
		return Result{}
	}
	n := in.Rules.TrustAfter
	unit := "comments"
	if n == 1 {
		unit = "comment"
	}
	return Result{
		Action: Hold,
		Reason: models.Reason{
			Code:   CodeFirstTime,
			Text:   "First-time commenter",
			Detail: fmt.Sprintf("trusted after %d approved %s", n, unit),
		},
	}
}
