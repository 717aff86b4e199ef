package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// CreateComment stores c after checking that its parent exists, is approved
// and is on the same thread. A reply deeper than maxDepth is attached to the
// deepest allowed ancestor instead. It returns once c is durable; concurrent
// calls share one transaction (see groupcommit.go), and a call whose
// context ends before its comment is written stores nothing. c's address
// is stored folded (models.FoldEmail).
func (s *Store) CreateComment(ctx context.Context, c *models.Comment, maxDepth int) error {
	c.Email = models.FoldEmail(c.Email)
	if s.gc != nil {
		return s.gc.submit(ctx, c, maxDepth)
	}
	return wrapCreate(createOne(ctx, s.w, s.writes, c, maxDepth))
}

// createOne stores c in a transaction of its own.
func createOne(ctx context.Context, db *gorm.DB, ws *writerStatements, c *models.Comment, maxDepth int) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := placeReply(tx, ws, c, maxDepth); err != nil {
			return err
		}
		return insertComment(tx, ws, c)
	})
}

// insertComment writes a placed comment and, for an approved one, moves its
// thread's count and version.
func insertComment(tx *gorm.DB, ws *writerStatements, c *models.Comment) error {
	if err := ws.insertComment(tx, c); err != nil {
		return err
	}
	if c.Status == models.StatusApproved {
		if err := addCount(tx, c.ThreadID, 1); err != nil {
			return err
		}
		// A reply published at once is announced in the same transaction.
		if c.ParentID != nil {
			return noteReplyTx(tx, c.ID)
		}
	}
	return nil
}

// placeReply validates c's parent and sets c's depth, climbing to an
// ancestor when the parent is already at the deepest allowed level.
func placeReply(tx *gorm.DB, ws *writerStatements, c *models.Comment, maxDepth int) error {
	c.Depth, c.RootID = 0, 0
	if c.ParentID == nil {
		return nil
	}
	parent, err := ws.placement(tx, *c.ParentID)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return models.ErrBadParent
		}
		return err
	}
	if parent.ThreadID != c.ThreadID || parent.Status != models.StatusApproved {
		return models.ErrBadParent
	}
	// Depth counts replies: top-level comments are 0, so at most maxDepth
	// levels of replies exist. The loop is bounded by the parent's depth.
	for parent.Depth >= maxDepth && parent.ParentID != nil {
		up, err := ws.placement(tx, *parent.ParentID)
		if err != nil {
			return fmt.Errorf("climb to ancestor: %w", err)
		}
		parent = up
	}
	id := parent.ID
	c.ParentID = &id
	c.Depth = parent.Depth + 1
	c.RootID = parent.RootID
	if c.RootID == 0 {
		c.RootID = parent.ID
	}
	return nil
}

// ThreadComments returns every comment of a thread, in creation order, with
// the columns readers may see plus status; one query.
func (s *Store) ThreadComments(ctx context.Context, threadID uint) ([]models.Comment, error) {
	var out []models.Comment
	err := s.r.WithContext(ctx).
		Select("id", "thread_id", "parent_id", "depth", "author", "email", "website", "html",
			"status", "reasons", "commenter_key", "score", "pinned", "created_at", "edited_at").
		Where("thread_id = ?", threadID).Order("created_at, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: thread %d comments: %w", threadID, err)
	}
	return out, nil
}

// Comment returns one comment with every column.
func (s *Store) Comment(ctx context.Context, id uint) (models.Comment, error) {
	var c models.Comment
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&c).Error; err != nil {
		return c, fmt.Errorf("store: comment %d: %w", id, notFound(err))
	}
	return c, nil
}

// Actor names who makes a change, for the audit log.
type Actor struct {
	ModeratorID *uint
	Name        string
}

// SetStatus moves the comments with the given ids to status, keeps thread
// counts in step and writes one audit entry per changed comment, all in one
// transaction. It returns how many comments changed.
func (s *Store) SetStatus(ctx context.Context, ids []uint, status models.Status, actor Actor, note string) (int, error) {
	if !status.Valid() {
		return 0, fmt.Errorf("store: set status: invalid status %q", status)
	}
	changed := 0
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, err := setStatusTx(tx, ids, status, actor, note)
		changed = n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: set status %s: %w", status, err)
	}
	return changed, nil
}

// setStatusTx is SetStatus inside a caller's transaction.
func setStatusTx(tx *gorm.DB, ids []uint, status models.Status, actor Actor, note string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var rows []models.Comment
	if err := tx.Select("id", "thread_id", "status").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	changed := 0
	for _, c := range rows {
		if c.Status == status {
			continue
		}
		if err := tx.Model(&models.Comment{}).Where("id = ?", c.ID).
			Updates(map[string]any{"status": status, "updated_at": now}).Error; err != nil {
			return changed, err
		}
		delta := 0
		if status == models.StatusApproved {
			delta = 1
		} else if c.Status == models.StatusApproved {
			delta = -1
		}
		if err := addCount(tx, c.ThreadID, delta); err != nil {
			return changed, err
		}
		if status == models.StatusApproved {
			if err := noteReplyTx(tx, c.ID); err != nil {
				return changed, err
			}
		}
		id := c.ID
		entry := models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name, Action: string(status),
			CommentID: &id, Before: string(c.Status), After: string(status), Note: note}
		if err := tx.Create(&entry).Error; err != nil {
			return changed, err
		}
		changed++
	}
	return changed, nil
}
