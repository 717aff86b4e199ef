package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// MailRecipients returns the enabled moderators whose effective
// notification mode is mode, by id.
func (s *Store) MailRecipients(ctx context.Context, mode string) ([]models.Moderator, error) {
	var all []models.Moderator
	if err := s.r.WithContext(ctx).Where("disabled = ?", false).Order("id").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("store: mail recipients: %w", err)
	}
	var out []models.Moderator
	for _, m := range all {
		if m.NotifyMode() == mode {
			out = append(out, m)
		}
	}
	return out, nil
}

// SetModeratorLanguage records the language of a moderator's emails, as
// their browser asked for it when they signed in. An unchanged language
// writes nothing.
func (s *Store) SetModeratorLanguage(ctx context.Context, moderatorID uint, lang string) error {
	err := s.w.WithContext(ctx).Model(&models.Moderator{}).Where("id = ? AND language <> ?", moderatorID, lang).
		Update("language", lang).Error
	if err != nil {
		return fmt.Errorf("store: set moderator language: %w", err)
	}
	return nil
}

// MailModerator returns the moderator an emailed link was made for.
func (s *Store) MailModerator(ctx context.Context, id uint) (models.Moderator, error) {
	var m models.Moderator
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
		return m, fmt.Errorf("store: moderator %d: %w", id, notFound(err))
	}
	return m, nil
}

// SetNotifyMode changes how a moderator hears about held comments. Choosing
// the digest starts it at the newest comment, so the first digest lists
// only comments held after the change.
func (s *Store) SetNotifyMode(ctx context.Context, moderatorID uint, mode string) error {
	if !models.ValidNotifyMode(mode) {
		return fmt.Errorf("store: set notify mode: invalid mode %q", mode)
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Moderator{}).Where("id = ?", moderatorID).
			Updates(map[string]any{"notify": mode, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if mode != models.NotifyDigest {
			return nil
		}
		var newest uint
		if err := tx.Model(&models.Comment{}).Select("COALESCE(MAX(id), 0)").Scan(&newest).Error; err != nil {
			return err
		}
		cur := models.DigestCursor{ModeratorID: moderatorID, LastCommentID: newest, UpdatedAt: time.Now().UTC()}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "moderator_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"last_comment_id", "updated_at"}),
		}).Create(&cur).Error
	})
	if err != nil {
		return fmt.Errorf("store: set notify mode of moderator %d: %w", moderatorID, err)
	}
	return nil
}

// UseToken records an emailed link as used. A link used before is
// models.ErrConflict; the primary key makes this hold under concurrency.
func (s *Store) UseToken(ctx context.Context, t *models.UsedToken) error {
	res := s.w.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(t)
	if res.Error != nil {
		return fmt.Errorf("store: use token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: use token: %w", models.ErrConflict)
	}
	return nil
}

// TokenUsed reports whether the link with this hash has been used.
func (s *Store) TokenUsed(ctx context.Context, hash string) (bool, error) {
	var n int64
	if err := s.r.WithContext(ctx).Model(&models.UsedToken{}).Where("hash = ?", hash).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: token used: %w", err)
	}
	return n > 0, nil
}

// ReleaseToken forgets that a link was used, when the action it stood for
// failed and the moderator should be able to try again.
func (s *Store) ReleaseToken(ctx context.Context, hash string) error {
	if err := s.w.WithContext(ctx).Where("hash = ?", hash).Delete(&models.UsedToken{}).Error; err != nil {
		return fmt.Errorf("store: release token: %w", err)
	}
	return nil
}

// HeldAfter returns up to limit held (pending) comments with an id above
// afterID, oldest first, with their threads; the number of such comments
// in all; and the newest one's id (afterID when there is none).
func (s *Store) HeldAfter(ctx context.Context, afterID uint, limit int) ([]QueueItem, int64, uint, error) {
	var agg struct {
		N     int64
		MaxID uint
	}
	err := s.r.WithContext(ctx).Model(&models.Comment{}).
		Select("COUNT(*) AS n, COALESCE(MAX(id), 0) AS max_id").
		Where("status = ? AND id > ?", models.StatusPending, afterID).Scan(&agg).Error
	if err != nil {
		return nil, 0, afterID, fmt.Errorf("store: held comments: %w", err)
	}
	if agg.N == 0 {
		return nil, 0, afterID, nil
	}
	var items []QueueItem
	err = s.r.WithContext(ctx).Table("comments").
		Select("comments.*, threads.site_id AS site_id, threads.page AS page, threads.title AS thread_title").
		Joins("JOIN threads ON threads.id = comments.thread_id").
		Where("comments.status = ? AND comments.id > ?", models.StatusPending, afterID).
		Order("comments.id").Limit(limit).Find(&items).Error
	if err != nil {
		return nil, 0, afterID, fmt.Errorf("store: held comments: %w", err)
	}
	return items, agg.N, agg.MaxID, nil
}

// DigestCursor returns the newest comment id a moderator's digests have
// covered; 0 when they have had none.
func (s *Store) DigestCursor(ctx context.Context, moderatorID uint) (uint, error) {
	var cur []models.DigestCursor
	if err := s.w.WithContext(ctx).Where("moderator_id = ?", moderatorID).Limit(1).Find(&cur).Error; err != nil {
		return 0, fmt.Errorf("store: digest cursor: %w", err)
	}
	if len(cur) == 0 {
		return 0, nil
	}
	return cur[0].LastCommentID, nil
}

// AdvanceDigest moves a moderator's digest cursor from from to to and
// queues msg (when not nil), in one transaction. It reports false, and
// queues nothing, when the cursor was no longer at from: another instance
// sent this digest first.
func (s *Store) AdvanceDigest(ctx context.Context, moderatorID, from, to uint, msg *models.OutboxMessage) (bool, error) {
	moved := false
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&models.DigestCursor{}).Where("moderator_id = ? AND last_comment_id = ?", moderatorID, from).
			Updates(map[string]any{"last_comment_id": to, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if from != 0 {
				return nil
			}
			ins := tx.Clauses(clause.OnConflict{DoNothing: true}).
				Create(&models.DigestCursor{ModeratorID: moderatorID, LastCommentID: to, UpdatedAt: now})
			if ins.Error != nil {
				return ins.Error
			}
			if ins.RowsAffected == 0 {
				return nil
			}
		}
		moved = true
		if msg == nil {
			return nil
		}
		return enqueueTx(tx, now, msg)
	})
	if err != nil {
		return false, fmt.Errorf("store: advance digest of moderator %d: %w", moderatorID, err)
	}
	return moved, nil
}
