package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// CreateModerator inserts a moderator; a taken email is ErrConflict.
func (s *Store) CreateModerator(ctx context.Context, m *models.Moderator) error {
	m.Email = strings.ToLower(strings.TrimSpace(m.Email))
	err := s.w.WithContext(ctx).Create(m).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("store: create moderator %s: %w", m.Email, models.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create moderator %s: %w", m.Email, err)
	}
	return nil
}

// CountModerators returns how many moderator accounts exist.
func (s *Store) CountModerators(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.WithContext(ctx).Model(&models.Moderator{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count moderators: %w", err)
	}
	return n, nil
}

// ModeratorByEmail finds a moderator by email, case-insensitively.
func (s *Store) ModeratorByEmail(ctx context.Context, email string) (models.Moderator, error) {
	var m models.Moderator
	err := s.r.WithContext(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&m).Error
	if err != nil {
		return m, fmt.Errorf("store: moderator %s: %w", email, notFound(err))
	}
	return m, nil
}

// SetPassword replaces a moderator's password hash and revokes every session
// of theirs in the same transaction.
func (s *Store) SetPassword(ctx context.Context, moderatorID uint, hash string) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Moderator{}).Where("id = ?", moderatorID).
			Updates(map[string]any{"password_hash": hash, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return tx.Where("moderator_id = ?", moderatorID).Delete(&models.Session{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: set password of moderator %d: %w", moderatorID, err)
	}
	return nil
}

// CreateSession starts a server-side session for a moderator.
func (s *Store) CreateSession(ctx context.Context, sess *models.Session) error {
	if err := s.w.WithContext(ctx).Create(sess).Error; err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionModerator returns the enabled moderator of a live session.
func (s *Store) SessionModerator(ctx context.Context, sessionID string) (models.Moderator, error) {
	var m models.Moderator
	err := s.r.WithContext(ctx).Table("moderators").Select("moderators.*").
		Joins("JOIN sessions ON sessions.moderator_id = moderators.id").
		Where("sessions.id = ? AND sessions.expires_at > ? AND moderators.disabled = ?", sessionID, time.Now().UTC(), false).
		Take(&m).Error
	if err != nil {
		return m, fmt.Errorf("store: session: %w", notFound(err))
	}
	return m, nil
}

// DeleteSession revokes one session.
func (s *Store) DeleteSession(ctx context.Context, sessionID string) error {
	if err := s.w.WithContext(ctx).Where("id = ?", sessionID).Delete(&models.Session{}).Error; err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	err := s.w.WithContext(ctx).Where("expires_at <= ?", time.Now().UTC()).Delete(&models.Session{}).Error
	if err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}

// Secrets returns the keys of a purpose, newest first, creating the first
// one (of size bytes) when there is none.
func (s *Store) Secrets(ctx context.Context, purpose string, size int) ([][]byte, error) {
	var rows []models.Secret
	if err := s.w.WithContext(ctx).Where("purpose = ?", purpose).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: secrets %s: %w", purpose, err)
	}
	if len(rows) == 0 {
		if err := s.RotateSecret(ctx, purpose, size); err != nil {
			return nil, err
		}
		return s.Secrets(ctx, purpose, size)
	}
	out := make([][]byte, len(rows))
	for i, r := range rows {
		out[i] = r.Value
	}
	return out, nil
}

// RotateSecret adds a new newest key for purpose and keeps only the previous
// one besides it, so what the old key signed still verifies for a while.
func (s *Store) RotateSecret(ctx context.Context, purpose string, size int) error {
	key := make([]byte, size)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("store: rotate secret: %w", err)
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&models.Secret{Purpose: purpose, Value: key}).Error; err != nil {
			return err
		}
		var keep []uint
		if err := tx.Model(&models.Secret{}).Where("purpose = ?", purpose).Order("id DESC").Limit(2).Pluck("id", &keep).Error; err != nil {
			return err
		}
		return tx.Where("purpose = ? AND id NOT IN ?", purpose, keep).Delete(&models.Secret{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: rotate secret %s: %w", purpose, err)
	}
	return nil
}

// LoginFailures returns the recent failures recorded for key.
func (s *Store) LoginFailures(ctx context.Context, key string) (models.LoginFailure, error) {
	var f models.LoginFailure
	err := s.r.WithContext(ctx).Where("throttle_key = ?", key).Limit(1).Find(&f).Error
	if err != nil {
		return f, fmt.Errorf("store: login failures: %w", err)
	}
	return f, nil
}

// RecordLoginFailure counts one more failure for key. Failures older than
// window no longer count.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, window time.Duration) error {
	now := time.Now().UTC()
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var f models.LoginFailure
		if err := tx.Where("throttle_key = ?", key).Limit(1).Find(&f).Error; err != nil {
			return err
		}
		if f.Key == "" || now.Sub(f.LastAt) > window {
			f = models.LoginFailure{Key: key}
		}
		f.Failures++
		f.LastAt = now
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&f).Error
	})
	if err != nil {
		return fmt.Errorf("store: record login failure: %w", err)
	}
	return nil
}

// ClearLoginFailures forgets the failures of key after a good sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if err := s.w.WithContext(ctx).Where("throttle_key = ?", key).Delete(&models.LoginFailure{}).Error; err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}
