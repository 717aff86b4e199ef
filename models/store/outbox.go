package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// EnqueueMail adds messages to the outbox, due at once. Their Attempts,
// SentAt and errors are reset, so a message is always queued fresh.
func (s *Store) EnqueueMail(ctx context.Context, msgs ...*models.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	if err := enqueueTx(s.w.WithContext(ctx), time.Now().UTC(), msgs...); err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	return nil
}

// enqueueTx adds messages to the outbox inside tx, due at now, reset so
// that each is queued fresh; for writers that queue mail in the same
// transaction as the change it tells of.
func enqueueTx(tx *gorm.DB, now time.Time, msgs ...*models.OutboxMessage) error {
	for _, m := range msgs {
		m.ID, m.Attempts, m.LastError, m.SentAt, m.GaveUpAt = 0, 0, "", nil, nil
		m.NextAttemptAt = &now
	}
	return tx.Create(msgs).Error
}

// ClaimMail returns up to limit messages due at now, oldest due first. Each
// one's attempt count goes up and its next attempt moves to now+lease, so
// other workers (other instances) leave it alone while this one sends; if
// the worker dies, the message is due again when the lease ends.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]models.OutboxMessage, error) {
	now = now.UTC()
	var ids []uint
	err := s.w.WithContext(ctx).Model(&models.OutboxMessage{}).
		Where("sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?", now).
		Order("next_attempt_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: claim mail: %w", err)
	}
	until := now.Add(lease)
	var out []models.OutboxMessage
	for _, id := range ids {
		res := s.w.WithContext(ctx).Exec(
			"UPDATE outbox_messages SET attempts = attempts + 1, next_attempt_at = ? "+
				"WHERE id = ? AND sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?", until, id, now)
		if res.Error != nil {
			return out, fmt.Errorf("store: claim mail %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			continue // another worker took it
		}
		var m models.OutboxMessage
		if err := s.w.WithContext(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
			return out, fmt.Errorf("store: claim mail %d: %w", id, notFound(err))
		}
		out = append(out, m)
	}
	return out, nil
}

// MarkMailSent records that the mail server accepted a message.
func (s *Store) MarkMailSent(ctx context.Context, id uint, at time.Time) error {
	err := s.w.WithContext(ctx).Model(&models.OutboxMessage{}).Where("id = ?", id).
		Updates(map[string]any{"sent_at": at.UTC(), "next_attempt_at": nil, "last_error": ""}).Error
	if err != nil {
		return fmt.Errorf("store: mark mail %d sent: %w", id, err)
	}
	return nil
}

// MarkMailFailed records a failed attempt. The message is tried again at
// next; with next nil it is given up and stays in the table with its error.
func (s *Store) MarkMailFailed(ctx context.Context, id uint, lastError string, next *time.Time) error {
	if len(lastError) > 500 {
		lastError = lastError[:500]
	}
	fields := map[string]any{"last_error": lastError}
	if next != nil {
		fields["next_attempt_at"] = next.UTC()
	} else {
		fields["next_attempt_at"] = nil
		fields["gave_up_at"] = time.Now().UTC()
	}
	if err := s.w.WithContext(ctx).Model(&models.OutboxMessage{}).Where("id = ?", id).Updates(fields).Error; err != nil {
		return fmt.Errorf("store: mark mail %d failed: %w", id, err)
	}
	return nil
}

// OutboxStats summarizes the outbox for the admin.
type OutboxStats struct {
	Waiting     int64      // not yet sent, still being tried
	GivenUp     int64      // failed for good
	Sent        int64      // accepted by the mail server
	LastError   string     // the error of the most recent failed attempt
	LastErrorAt *time.Time // when that message was created
}

// OutboxStats counts the outbox's messages and finds the latest error.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	db := s.r.WithContext(ctx).Model(&models.OutboxMessage{})
	if err := db.Where("sent_at IS NULL AND gave_up_at IS NULL").Count(&st.Waiting).Error; err != nil {
		return st, fmt.Errorf("store: outbox stats: %w", err)
	}
	db = s.r.WithContext(ctx).Model(&models.OutboxMessage{})
	if err := db.Where("gave_up_at IS NOT NULL").Count(&st.GivenUp).Error; err != nil {
		return st, fmt.Errorf("store: outbox stats: %w", err)
	}
	db = s.r.WithContext(ctx).Model(&models.OutboxMessage{})
	if err := db.Where("sent_at IS NOT NULL").Count(&st.Sent).Error; err != nil {
		return st, fmt.Errorf("store: outbox stats: %w", err)
	}
	var last []models.OutboxMessage
	err := s.r.WithContext(ctx).Select("last_error", "created_at").
		Where("sent_at IS NULL AND last_error <> ''").Order("id DESC").Limit(1).Find(&last).Error
	if err != nil {
		return st, fmt.Errorf("store: outbox stats: %w", err)
	}
	if len(last) == 1 {
		st.LastError, st.LastErrorAt = last[0].LastError, &last[0].CreatedAt
	}
	return st, nil
}

// OutboxMessages lists the outbox, newest first; for tests and diagnostics.
func (s *Store) OutboxMessages(ctx context.Context, limit int) ([]models.OutboxMessage, error) {
	var out []models.OutboxMessage
	if err := s.r.WithContext(ctx).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: outbox messages: %w", err)
	}
	return out, nil
}

// PruneMail deletes messages sent or given up before cutoff, and used link
// records whose links expired before now. It returns how many rows went.
func (s *Store) PruneMail(ctx context.Context, cutoff, now time.Time) (int64, error) {
	res := s.w.WithContext(ctx).
		Where("(sent_at IS NOT NULL AND sent_at < ?) OR (gave_up_at IS NOT NULL AND gave_up_at < ?)", cutoff.UTC(), cutoff.UTC()).
		Delete(&models.OutboxMessage{})
	if res.Error != nil {
		return 0, fmt.Errorf("store: prune mail: %w", res.Error)
	}
	tok := s.w.WithContext(ctx).Where("expires_at < ?", now.UTC()).Delete(&models.UsedToken{})
	if tok.Error != nil {
		return res.RowsAffected, fmt.Errorf("store: prune used tokens: %w", tok.Error)
	}
	return res.RowsAffected + tok.RowsAffected, nil
}
