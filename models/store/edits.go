package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// CommentEdit is a new text for a comment, from its author or a moderator.
type CommentEdit struct {
	Body, HTML string
	// Status and Reasons are the moderation rules' verdict on the new text
	// for a reader's edit; an empty Status (a moderator's edit) keeps both.
	Status  models.Status
	Reasons []models.Reason
	// Editable, when set, is asked about the comment as it is inside the
	// transaction; false answers models.ErrNotFound. An author's edit uses
	// it so that a comment a moderator just took is not changed.
	Editable func(models.Comment) bool
	Actor    Actor
	Note     string
	At       time.Time
}

// EditComment replaces a comment's text, sets EditedAt, applies the new
// status, and keeps the thread's count and version in step with one audit
// entry, all in one transaction. It returns the comment as stored.
func (s *Store) EditComment(ctx context.Context, id uint, e CommentEdit) (models.Comment, error) {
	var out models.Comment
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := lockComment(tx, id)
		if err != nil {
			return err
		}
		if e.Editable != nil && !e.Editable(c) {
			return models.ErrNotFound
		}
		status, reasons := c.Status, c.Reasons
		if e.Status != "" {
			status, reasons = e.Status, e.Reasons
			if c.Status == models.StatusFlagged && status == models.StatusApproved {
				status = models.StatusFlagged
			}
		}
		at := e.At.UTC()
		// A struct update with Select, so GORM applies the reasons' JSON
		// serializer and writes zero values too.
		err = tx.Model(&models.Comment{}).Where("id = ?", id).
			Select("body", "html", "status", "reasons", "edited_at", "updated_at").
			Updates(&models.Comment{Body: e.Body, HTML: e.HTML, Status: status, Reasons: reasons, EditedAt: &at, UpdatedAt: at}).Error
		if err != nil {
			return err
		}
		if err := moveCount(tx, c.ThreadID, c.Status, status); err != nil {
			return err
		}
		if status == models.StatusApproved && c.Status != status {
			// An edit that publishes a held reply announces it (once).
			if err := noteReplyTx(tx, id); err != nil {
				return err
			}
		}
		entry := models.AuditEntry{ModeratorID: e.Actor.ModeratorID, Actor: e.Actor.Name, Action: "edit",
			CommentID: &c.ID, Note: truncateNote(e.Note)}
		if status != c.Status {
			entry.Before, entry.After = string(c.Status), string(status)
		}
		if err := tx.Create(&entry).Error; err != nil {
			return err
		}
		c.Body, c.HTML, c.Status, c.Reasons, c.EditedAt, c.UpdatedAt = e.Body, e.HTML, status, reasons, &at, at
		out = c
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("store: edit comment %d: %w", id, err)
	}
	return out, nil
}

// DeleteOwnComment removes a comment at its author's request, when
// editable (asked inside the transaction) says it is still theirs. A
// removed comment with public replies stays in the thread as a
// placeholder. The audit entry has no Before status, so it is not undone
// from the log.
func (s *Store) DeleteOwnComment(ctx context.Context, id uint, actor Actor, editable func(models.Comment) bool) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := lockComment(tx, id)
		if err != nil {
			return err
		}
		if editable != nil && !editable(c) {
			return models.ErrNotFound
		}
		err = tx.Model(&models.Comment{}).Where("id = ?", id).
			Updates(map[string]any{"status": models.StatusRemoved, "updated_at": time.Now().UTC()}).Error
		if err != nil {
			return err
		}
		if err := moveCount(tx, c.ThreadID, c.Status, models.StatusRemoved); err != nil {
			return err
		}
		entry := models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name, Action: "delete",
			CommentID: &c.ID, After: string(models.StatusRemoved), Note: "deleted by author"}
		return tx.Create(&entry).Error
	})
	if err != nil {
		return fmt.Errorf("store: delete comment %d: %w", id, err)
	}
	return nil
}

// SetPinned pins or unpins a comment; pinned comments show first.
func (s *Store) SetPinned(ctx context.Context, id uint, pinned bool, actor Actor) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := lockComment(tx, id)
		if err != nil {
			return err
		}
		if c.Pinned == pinned {
			return nil
		}
		if err := tx.Model(&models.Comment{}).Where("id = ?", id).Update("pinned", pinned).Error; err != nil {
			return err
		}
		if err := touchThread(tx, c.ThreadID); err != nil {
			return err
		}
		action := "unpin"
		if pinned {
			action = "pin"
		}
		entry := models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name, Action: action, CommentID: &c.ID}
		return tx.Create(&entry).Error
	})
	if err != nil {
		return fmt.Errorf("store: pin comment %d: %w", id, err)
	}
	return nil
}

// lockComment reads a comment for update inside tx (a row lock on
// PostgreSQL; SQLite has one writer).
func lockComment(tx *gorm.DB, id uint) (models.Comment, error) {
	var c models.Comment
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&c).Error
	return c, notFound(err)
}

// moveCount keeps the approved count in step with a status change and
// always moves the thread's version on.
func moveCount(tx *gorm.DB, threadID uint, from, to models.Status) error {
	delta := 0
	switch {
	case from != models.StatusApproved && to == models.StatusApproved:
		delta = 1
	case from == models.StatusApproved && to != models.StatusApproved:
		delta = -1
	}
	if delta == 0 {
		return touchThread(tx, threadID)
	}
	return addCount(tx, threadID, delta)
}
