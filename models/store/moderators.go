package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// CreateModerator inserts a moderator; a taken email is ErrConflict.
func (s *Store) CreateModerator(ctx context.Context, m *models.Moderator) error {
	m.Email = models.FoldEmail(m.Email)
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
	err := s.r.WithContext(ctx).Where("email = ?", models.FoldEmail(email)).Take(&m).Error
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
	now := time.Now().UTC()
	// Every admin request asks, so the answer is remembered while nothing
	// is committed (headmemo.go); the expiry is checked again on each
	// remembered answer, since time moves on without a commit.
	sm, err := remembered(&s.memo, s.memo.sessionMap, sessionID, isNotFound, func() (sessionOf, error) {
		return s.readSession(ctx, sessionID, now)
	})
	if err == nil && !now.Before(sm.expires) {
		err = models.ErrNotFound
	}
	if err != nil {
		return models.Moderator{}, fmt.Errorf("store: session: %w", err)
	}
	return sm.moderator, nil
}

// sessionOf is an unexpired session's moderator and when the session ends.
type sessionOf struct {
	moderator models.Moderator
	expires   time.Time
}

// readSession reads the enabled moderator of a session unexpired at now,
// with a prepared statement rather than through GORM's reflection.
func (s *Store) readSession(ctx context.Context, sessionID string, now time.Time) (sessionOf, error) {
	var sm sessionOf
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return sm, err
	}
	m := &sm.moderator
	err = stmts.session.QueryRowContext(s.quick(ctx), sessionID, now).Scan(&m.ID, &m.Email, &m.Name,
		&m.PasswordHash, &m.Role, &m.Disabled, &m.CreatedAt, &m.UpdatedAt, &m.Notify, &m.Language, &sm.expires)
	if errors.Is(err, sql.ErrNoRows) {
		return sm, models.ErrNotFound
	}
	return sm, err
}

// sessionModeratorQuery finds the enabled moderator of an unexpired session,
// and when the session ends.
const sessionModeratorQuery = `SELECT m.id, m.email, m.name, m.password_hash, m.role, m.disabled, m.created_at, m.updated_at,
m.notify, m.language, s.expires_at FROM sessions s JOIN moderators m ON m.id = s.moderator_id
WHERE s.id = %s AND s.expires_at > %s AND m.disabled = %s`

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

// ErrLastAdmin refuses a change that would leave no enabled admin.
var ErrLastAdmin = errors.New("at least one enabled admin must remain")

// ErrSelf refuses a change an admin may not make to their own account
// (disabling it or changing its role).
var ErrSelf = errors.New("an admin cannot make this change to their own account")

// Moderators lists every account, oldest first.
func (s *Store) Moderators(ctx context.Context) ([]models.Moderator, error) {
	var out []models.Moderator
	if err := s.r.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: moderators: %w", err)
	}
	return out, nil
}

// ModeratorByID returns one account.
func (s *Store) ModeratorByID(ctx context.Context, id uint) (models.Moderator, error) {
	var m models.Moderator
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
		return m, fmt.Errorf("store: moderator %d: %w", id, notFound(err))
	}
	return m, nil
}

// AddModerator creates an account and its audit entry in one transaction;
// a taken email is ErrConflict.
func (s *Store) AddModerator(ctx context.Context, m *models.Moderator, actor Actor) error {
	m.Email = models.FoldEmail(m.Email)
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(m).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return models.ErrConflict
			}
			return err
		}
		return tx.Create(moderatorAudit(actor, "add moderator", "", m.Role, m.Email)).Error
	})
	if err != nil {
		return fmt.Errorf("store: add moderator %s: %w", m.Email, err)
	}
	return nil
}

// SetModeratorDisabled disables or enables an account. Disabling revokes
// every session of the account at once. An admin cannot disable themselves,
// nor the last enabled admin.
func (s *Store) SetModeratorDisabled(ctx context.Context, id uint, disabled bool, actor Actor) (models.Moderator, error) {
	return s.changeModerator(ctx, id, actor, func(tx *gorm.DB, m *models.Moderator) (*models.AuditEntry, error) {
		if m.Disabled == disabled {
			return nil, nil
		}
		if disabled && isActor(actor, m.ID) {
			return nil, ErrSelf
		}
		if disabled && m.Role == models.RoleAdmin {
			if err := needAnotherAdmin(tx, m.ID); err != nil {
				return nil, err
			}
		}
		if err := tx.Model(&models.Moderator{}).Where("id = ?", m.ID).
			Updates(map[string]any{"disabled": disabled, "updated_at": time.Now().UTC()}).Error; err != nil {
			return nil, err
		}
		m.Disabled = disabled
		if !disabled {
			return moderatorAudit(actor, "enable moderator", "disabled", "enabled", m.Email), nil
		}
		if err := tx.Where("moderator_id = ?", m.ID).Delete(&models.Session{}).Error; err != nil {
			return nil, err
		}
		return moderatorAudit(actor, "disable moderator", "enabled", "disabled", m.Email), nil
	})
}

// SetModeratorRole makes an account an admin or a moderator. An admin
// cannot change their own role, and the last enabled admin stays one.
func (s *Store) SetModeratorRole(ctx context.Context, id uint, role string, actor Actor) (models.Moderator, error) {
	if role != models.RoleAdmin && role != models.RoleModerator {
		return models.Moderator{}, fmt.Errorf("store: set role of moderator %d: unknown role %q", id, role)
	}
	return s.changeModerator(ctx, id, actor, func(tx *gorm.DB, m *models.Moderator) (*models.AuditEntry, error) {
		if m.Role == role {
			return nil, nil
		}
		if isActor(actor, m.ID) {
			return nil, ErrSelf
		}
		if m.Role == models.RoleAdmin && !m.Disabled {
			if err := needAnotherAdmin(tx, m.ID); err != nil {
				return nil, err
			}
		}
		if err := tx.Model(&models.Moderator{}).Where("id = ?", m.ID).
			Updates(map[string]any{"role": role, "updated_at": time.Now().UTC()}).Error; err != nil {
			return nil, err
		}
		before := m.Role
		m.Role = role
		return moderatorAudit(actor, "change role", before, role, m.Email), nil
	})
}

// ResetModeratorPassword sets a new password hash for an account, revokes
// all its sessions and writes the audit entry, in one transaction.
func (s *Store) ResetModeratorPassword(ctx context.Context, id uint, hash string, actor Actor) (models.Moderator, error) {
	return s.changeModerator(ctx, id, actor, func(tx *gorm.DB, m *models.Moderator) (*models.AuditEntry, error) {
		if err := tx.Model(&models.Moderator{}).Where("id = ?", m.ID).
			Updates(map[string]any{"password_hash": hash, "updated_at": time.Now().UTC()}).Error; err != nil {
			return nil, err
		}
		m.PasswordHash = hash
		if err := tx.Where("moderator_id = ?", m.ID).Delete(&models.Session{}).Error; err != nil {
			return nil, err
		}
		return moderatorAudit(actor, "reset password", "", "", m.Email), nil
	})
}

// changeModerator runs change on account id inside one transaction that
// first locks every admin row, so two admins demoting each other at the
// same moment cannot both pass the last-admin check. A nil entry means
// nothing changed.
func (s *Store) changeModerator(ctx context.Context, id uint, actor Actor,
	change func(tx *gorm.DB, m *models.Moderator) (*models.AuditEntry, error)) (models.Moderator, error) {
	var m models.Moderator
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var admins []models.Moderator
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").
			Where("role = ?", models.RoleAdmin).Find(&admins).Error; err != nil {
			return err
		}
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&m).Error; err != nil {
			return notFound(err)
		}
		entry, err := change(tx, &m)
		if err != nil || entry == nil {
			return err
		}
		return tx.Create(entry).Error
	})
	if err != nil {
		return m, fmt.Errorf("store: change moderator %d: %w", id, err)
	}
	return m, nil
}

// needAnotherAdmin fails with ErrLastAdmin unless an enabled admin other
// than id exists.
func needAnotherAdmin(tx *gorm.DB, id uint) error {
	var n int64
	err := tx.Model(&models.Moderator{}).
		Where("role = ? AND disabled = ? AND id <> ?", models.RoleAdmin, false, id).Count(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

func isActor(a Actor, id uint) bool { return a.ModeratorID != nil && *a.ModeratorID == id }

func moderatorAudit(actor Actor, action, before, after, email string) *models.AuditEntry {
	return &models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name, Action: action,
		Before: before, After: after, Note: "account " + email}
}
