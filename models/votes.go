package models

import "time"

// Vote is one reader's vote on one comment. Voter is the reader's commenter
// key, or a hash of their IP address and user agent when they have none.
type Vote struct {
	ID        uint   `gorm:"primaryKey"`
	CommentID uint   `gorm:"not null;uniqueIndex:idx_votes_comment_voter,priority:1"`
	Voter     string `gorm:"size:64;not null;uniqueIndex:idx_votes_comment_voter,priority:2"`
	Value     int    `gorm:"not null"`
	CreatedAt time.Time
}
