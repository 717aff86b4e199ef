package moderation

import (
	"parley/models"
)

// Action is what a fired rule asks for. Higher actions win.
type Action int

// The actions, weakest first.
const (
	Pass   Action = iota // the rule did not fire
	Hold                 // keep the comment pending for review
	Spam                 // store the comment as spam
	Refuse               // do not store the comment at all
)

// String returns the action's name.
func (a Action) String() string {
	switch a {
	case Pass:
		return "pass"
	case Hold:
		return "hold"
	case Spam:
		return "spam"
	case Refuse:
		return "refuse"
	}
	return "unknown"
}

// Result is one checker's answer. An Action outside Pass..Refuse is
// treated as Hold.
type Result struct {
	// Action is Pass when the rule did not fire; the other fields are then
	// ignored.
	Action Action
	// Reason explains the rule hit to moderators.
	Reason models.Reason
	// Message is shown to the commenter when Action is Refuse.
	Message string
	// Shadow asks that the commenter not learn of the verdict: the comment
	// is shown to its author as if published.
	Shadow bool
}

// Refusal means the comment is not stored at all; Message tells the
// commenter why. A *Refusal is an error whose text is Message.
type Refusal struct {
	Code    string
	Message string
}

// Error returns the message for the commenter.
func (r *Refusal) Error() string { return r.Message }

// Unwrap returns models.ErrThreadClosed for a closed thread, so that
// errors.Is works across layers, and nil otherwise.
func (r *Refusal) Unwrap() error {
	if r.Code == CodeThreadClosed {
		return models.ErrThreadClosed
	}
	return nil
}

// Verdict is the combined decision on a comment.
type Verdict struct {
	// Status is the status to store the comment with. When Refusal is set
	// the comment must not be stored; Status is then StatusSpam so that a
	// caller that forgets to check cannot publish it.
	Status models.Status
	// Reasons are the reasons of every rule that fired, in chain order;
	// nil when none fired.
	Reasons []models.Reason
	// Refusal is set when the comment is refused outright. It is the
	// refusal of the first refusing checker in the chain.
	Refusal *Refusal
	// Shadow is set when the comment is accepted but must be shown to its
	// author only (shadow ban). It is never set together with Refusal.
	Shadow bool
}

// Refused reports whether the comment must not be stored.
func (v Verdict) Refused() bool { return v.Refusal != nil }

// HasReason reports whether a reason with the given code fired.
func (v Verdict) HasReason(code string) bool {
	for _, r := range v.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// defaultRefusal is the message for a refusing checker that gave none.
const defaultRefusal = "This comment cannot be accepted."

// combine folds checker results, in chain order, into a verdict.
func combine(results []Result) Verdict {
	var v Verdict
	top := Pass
	shadow := false
	for _, r := range results {
		if r.Action == Pass {
			continue
		}
		if r.Action < Pass || r.Action > Refuse {
			r.Action = Hold // an unknown action never publishes
		}
		v.Reasons = append(v.Reasons, r.Reason)
		if r.Action > top {
			top = r.Action
		}
		if r.Shadow {
			shadow = true
		}
		if r.Action == Refuse && v.Refusal == nil {
			msg := r.Message
			if msg == "" {
				msg = defaultRefusal
			}
			v.Refusal = &Refusal{Code: r.Reason.Code, Message: msg}
		}
	}
	switch top {
	case Pass:
		v.Status = models.StatusApproved
	case Hold:
		v.Status = models.StatusPending
	default: // Spam or Refuse
		v.Status = models.StatusSpam
	}
	v.Shadow = shadow && v.Refusal == nil
	return v
}
