package models

import (
	"strings"
	"time"
)

// FoldEmail is the form in which Parley stores and compares an email
// address: trimmed and lower-cased in every alphabet. The case of an
// address's letters never names another mailbox in practice, and one
// stored form lets every lookup be a plain comparison on both databases
// (SQLite's LOWER folds only A–Z; PostgreSQL's follows its locale).
func FoldEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Subscriber is an email address that asked for reply notifications. The
// address is stored lower-cased; it receives reply emails only once
// ConfirmedAt is set (double opt-in), and unsubscribing clears it again.
type Subscriber struct {
	Email string `gorm:"primaryKey;size:254"`
	// ConfirmedAt is when the address confirmed through the emailed link;
	// nil before that and after an unsubscribe.
	ConfirmedAt *time.Time
	// ConfirmSentAt is when the last confirmation email was queued, so a
	// reader who ticks the box on every comment is not sent one each time.
	ConfirmSentAt  *time.Time
	UnsubscribedAt *time.Time
	// Language is the catalog language ("en", "de", …) of the reader's
	// last request for replies, for the emails sent later; "" is English.
	Language  string `gorm:"size:16;not null;default:''"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ReplyNotice marks an approved reply whose parent's author should hear of
// it. The store writes it in the transaction that approves the reply; the
// comment id as key makes it once per reply, however often the reply is
// approved again. QueuedAt is set when its email goes into the outbox.
type ReplyNotice struct {
	CommentID uint      `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time `gorm:"not null"`
	QueuedAt  *time.Time
}

// MailHeader is one extra header of an outgoing email, such as
// List-Unsubscribe.
type MailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
