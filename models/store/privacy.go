package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// ErasedStatus is the After of the audit entry an erasure writes. It is
// not a status, so the erasure cannot be undone into an empty comment.
const ErasedStatus = "erased"

// byEmail finds a commenter's comments by address, given folded
// (models.FoldEmail), as the store keeps every comment's address. It reads
// idx_comments_email, an index of LOWER(email) over the comments that have
// an address (LOWER of a folded address is the address); SQLite uses such
// a partial index only when the query states its condition, which no
// searched address fails. Without it, each lookup read every comment
// (1.1 s on a million, holding the writer for an unsubscribe or an
// erasure).
const (
	byEmail         = "LOWER(email) = ? AND " + emailKept
	commentsByEmail = "LOWER(comments.email) = ? AND comments." + emailKept
	emailKept       = "email <> ''"
)

// CommentsByEmail returns every comment written with email (compared
// without case), newest first, with where it was posted: what a reader
// who proved the address may see, download and erase.
func (s *Store) CommentsByEmail(ctx context.Context, email string) ([]QueueItem, error) {
	email = models.FoldEmail(email)
	var items []QueueItem
	if email == "" {
		return items, nil
	}
	err := s.r.WithContext(ctx).Table("comments").
		Select("comments.*, threads.site_id AS site_id, threads.page AS page, threads.title AS thread_title").
		Joins("JOIN threads ON threads.id = comments.thread_id").
		Where(commentsByEmail, email).
		Order("comments.created_at DESC, comments.id DESC").Find(&items).Error
	if err != nil {
		return nil, fmt.Errorf("store: comments by email: %w", err)
	}
	return items, nil
}

// EraseCommentsByEmail deletes what a reader wrote with email, in one
// transaction: each comment's text, name, email, website, IP address and
// user agent are cleared and its status becomes removed, so replies of
// others stay under a placeholder. Thread counts and versions move with
// it, each comment gets an audit entry, and the address's reply
// subscription goes too. It returns how many comments were erased.
func (s *Store) EraseCommentsByEmail(ctx context.Context, email string, actor Actor) (int, error) {
	email = models.FoldEmail(email)
	if email == "" {
		return 0, nil
	}
	n := 0
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []models.Comment
		if err := tx.Select("id", "thread_id", "status").Where(byEmail, email).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, c := range rows {
			err := tx.Model(&models.Comment{}).Where("id = ?", c.ID).Updates(map[string]any{
				"status": models.StatusRemoved, "author": "", "email": "", "website": "", "body": "", "html": "",
				"ip": "", "user_agent": "", "commenter_key": "", "edit_token_hash": "", "notify_replies": false,
				"reasons": "[]", "updated_at": now,
			}).Error
			if err != nil {
				return err
			}
			if c.Status == models.StatusApproved {
				err = addCount(tx, c.ThreadID, -1)
			} else {
				err = touchThread(tx, c.ThreadID)
			}
			if err != nil {
				return err
			}
			id := c.ID
			entry := models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name, Action: "erase",
				CommentID: &id, Before: string(c.Status), After: ErasedStatus, Note: "erased at its author's request"}
			if err := tx.Create(&entry).Error; err != nil {
				return err
			}
			n++
		}
		return tx.Where("email = ?", email).Delete(&models.Subscriber{}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: erase comments by email: %w", err)
	}
	return n, nil
}
