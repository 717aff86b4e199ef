package models

import "time"

// Email notification modes of a moderator.
const (
	NotifyOff    = "off"    // no email about held comments
	NotifyEach   = "each"   // one email per held comment
	NotifyDigest = "digest" // one periodic email listing the held comments
)

// ValidNotifyMode reports whether mode is one of the notification modes.
func ValidNotifyMode(mode string) bool {
	switch mode {
	case NotifyOff, NotifyEach, NotifyDigest:
		return true
	}
	return false
}

// NotifyMode is the moderator's effective notification mode: what they
// chose, or by default one email per held comment for admins and none for
// other moderators.
func (m Moderator) NotifyMode() string {
	if ValidNotifyMode(m.Notify) {
		return m.Notify
	}
	if m.Role == RoleAdmin {
		return NotifyEach
	}
	return NotifyOff
}

// OutboxMessage is one email waiting to be sent, or sent. Mail goes through
// this table so that a slow or absent mail server never delays a request
// and a message survives restarts until the server takes it.
type OutboxMessage struct {
	ID        uint   `gorm:"primaryKey"`
	Recipient string `gorm:"size:254;not null"`
	Subject   string `gorm:"size:300;not null"`
	Body      string `gorm:"type:text;not null"`
	// MessageID is the Message-ID header, fixed when the message is queued
	// so that a retried delivery is recognizably the same message.
	MessageID string `gorm:"size:200;not null"`
	// Headers are extra headers (List-Unsubscribe…), in order.
	Headers  []MailHeader `gorm:"serializer:json"`
	Attempts int          `gorm:"not null;default:0"`
	// NextAttemptAt is when the worker may try next; nil once sent or given up.
	NextAttemptAt *time.Time `gorm:"index"`
	LastError     string     `gorm:"size:500"`
	SentAt        *time.Time `gorm:"index"`
	GaveUpAt      *time.Time
	CreatedAt     time.Time `gorm:"index"`
}

// UsedToken records an emailed moderation link that has been used, so that
// each link works once. Rows are kept until the link would have expired.
type UsedToken struct {
	Hash        string    `gorm:"primaryKey;size:64"`
	ModeratorID uint      `gorm:"not null"`
	CommentID   uint      `gorm:"not null"`
	Action      string    `gorm:"size:16;not null"`
	UsedAt      time.Time `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index"`
}

// DigestCursor remembers, per moderator, the newest comment a digest email
// has covered, so each held comment appears in one digest.
type DigestCursor struct {
	ModeratorID   uint `gorm:"primaryKey;autoIncrement:false"`
	LastCommentID uint `gorm:"not null"`
	UpdatedAt     time.Time
}
