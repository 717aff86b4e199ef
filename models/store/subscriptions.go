package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// confirmResendAfter is how long a second request for replies waits before
// another confirmation email goes to an address that has not confirmed.
const confirmResendAfter = 24 * time.Hour

// RequestReplies records that email asked for reply notifications. It
// reports whether a confirmation email should go out now: the address is
// not confirmed and has not been sent one in the last day (the time of
// this one is recorded in the same step). lang, when not "", becomes the
// language of the address's emails.
func (s *Store) RequestReplies(ctx context.Context, email, lang string, now time.Time) (bool, error) {
	email = models.FoldEmail(email)
	if email == "" {
		return false, nil
	}
	now = now.UTC()
	send := false
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var subs []models.Subscriber
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("email = ?", email).Limit(1).Find(&subs).Error; err != nil {
			return err
		}
		if len(subs) == 0 {
			send = true
			return tx.Create(&models.Subscriber{Email: email, Language: lang, ConfirmSentAt: &now, CreatedAt: now, UpdatedAt: now}).Error
		}
		sub := subs[0]
		if lang != "" && sub.Language != lang {
			if err := tx.Model(&models.Subscriber{}).Where("email = ?", email).Update("language", lang).Error; err != nil {
				return err
			}
		}
		if sub.ConfirmedAt != nil || sub.ConfirmSentAt != nil && now.Sub(*sub.ConfirmSentAt) < confirmResendAfter {
			return nil
		}
		send = true
		return tx.Model(&models.Subscriber{}).Where("email = ?", email).
			Updates(map[string]any{"confirm_sent_at": now, "updated_at": now}).Error
	})
	if err != nil {
		return false, fmt.Errorf("store: request replies: %w", err)
	}
	return send, nil
}

// ConfirmReplies marks an address confirmed, so replies to its comments
// that asked for them are emailed from now on. It reports false when the
// address was confirmed already.
func (s *Store) ConfirmReplies(ctx context.Context, email string, now time.Time) (bool, error) {
	email = models.FoldEmail(email)
	now = now.UTC()
	sub := models.Subscriber{Email: email, ConfirmedAt: &now, CreatedAt: now, UpdatedAt: now}
	res := s.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "email"}},
		DoUpdates: clause.Assignments(map[string]any{"confirmed_at": now, "unsubscribed_at": nil, "updated_at": now}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "subscribers.confirmed_at IS NULL"}}},
	}).Create(&sub)
	if res.Error != nil {
		return false, fmt.Errorf("store: confirm replies: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// Unsubscribe turns reply notifications off for an address: its comments
// stop asking for them and the address must confirm again to get any. It
// reports false when nothing was on.
func (s *Store) Unsubscribe(ctx context.Context, email string, now time.Time) (bool, error) {
	email = models.FoldEmail(email)
	now = now.UTC()
	changed := false
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Subscriber{}).Where("email = ? AND confirmed_at IS NOT NULL", email).
			Updates(map[string]any{"confirmed_at": nil, "unsubscribed_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		changed = res.RowsAffected > 0
		res = tx.Model(&models.Comment{}).Where(byEmail+" AND notify_replies = ?", email, true).
			UpdateColumn("notify_replies", false)
		if res.Error != nil {
			return res.Error
		}
		changed = changed || res.RowsAffected > 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: unsubscribe: %w", err)
	}
	return changed, nil
}

// Subscriber returns the state of an address; models.ErrNotFound when it
// never asked for replies.
func (s *Store) Subscriber(ctx context.Context, email string) (models.Subscriber, error) {
	var sub models.Subscriber
	err := s.r.WithContext(ctx).Where("email = ?", models.FoldEmail(email)).Take(&sub).Error
	if err != nil {
		return sub, fmt.Errorf("store: subscriber: %w", notFound(err))
	}
	return sub, nil
}

// noteReplyTx records, inside the transaction that approves a comment,
// that the comment's parent's author should hear of it: when the comment
// is an approved reply, the parent is approved and asked for replies with
// a confirmed address, and the replier is someone else. The notice's key
// is the reply's id, so approving the reply again adds nothing.
func noteReplyTx(tx *gorm.DB, replyID uint) error {
	var reply models.Comment
	err := tx.Select("id", "parent_id", "email", "commenter_key", "status").Where("id = ?", replyID).Take(&reply).Error
	if err != nil {
		return fmt.Errorf("reply notice for %d: %w", replyID, notFound(err))
	}
	if reply.ParentID == nil || reply.Status != models.StatusApproved {
		return nil
	}
	var parent models.Comment
	err = tx.Select("id", "email", "commenter_key", "notify_replies", "status").Where("id = ?", *reply.ParentID).Take(&parent).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reply notice for %d: parent: %w", replyID, err)
	}
	if !parent.NotifyReplies || parent.Email == "" || parent.Status != models.StatusApproved || sameAuthor(reply, parent) {
		return nil
	}
	var n int64
	err = tx.Model(&models.Subscriber{}).Where("email = ? AND confirmed_at IS NOT NULL", models.FoldEmail(parent.Email)).Count(&n).Error
	if err != nil || n == 0 {
		return err
	}
	notice := models.ReplyNotice{CommentID: replyID, CreatedAt: time.Now().UTC()}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&notice).Error; err != nil {
		return fmt.Errorf("reply notice for %d: %w", replyID, err)
	}
	return nil
}

// sameAuthor reports whether two comments come from one person, by email
// or by the browser's commenter key: nobody is told of their own replies.
func sameAuthor(a, b models.Comment) bool {
	return a.Email != "" && strings.EqualFold(a.Email, b.Email) ||
		a.CommenterKey != "" && a.CommenterKey == b.CommenterKey
}

// ReplyMail is a reply whose notice waits to be turned into an email, with
// what the email needs.
type ReplyMail struct {
	Reply  models.Comment
	Parent models.Comment
	Thread models.Thread
	// Send is false when the email should no longer go out: the reply is
	// not approved any more, or the parent's author unsubscribed since.
	Send bool
	// Language is the subscriber's language ("" when not known).
	Language string
}

// PendingReplyMail returns up to limit reply notices that have no email
// yet, oldest first, each with its reply, parent and thread.
func (s *Store) PendingReplyMail(ctx context.Context, limit int) ([]ReplyMail, error) {
	var notices []models.ReplyNotice
	err := s.r.WithContext(ctx).Where("queued_at IS NULL").Order("comment_id").Limit(limit).Find(&notices).Error
	if err != nil {
		return nil, fmt.Errorf("store: pending reply mail: %w", err)
	}
	out := make([]ReplyMail, 0, len(notices))
	for _, n := range notices {
		item, err := s.replyMail(ctx, n.CommentID)
		if err != nil {
			return out, fmt.Errorf("store: pending reply mail: %w", err)
		}
		out = append(out, item)
	}
	return out, nil
}

func (s *Store) replyMail(ctx context.Context, replyID uint) (ReplyMail, error) {
	var m ReplyMail
	db := s.r.WithContext(ctx)
	if err := db.Where("id = ?", replyID).Limit(1).Find(&m.Reply).Error; err != nil || m.Reply.ID == 0 || m.Reply.ParentID == nil {
		m.Reply.ID = replyID
		return m, err
	}
	if err := db.Where("id = ?", *m.Reply.ParentID).Limit(1).Find(&m.Parent).Error; err != nil || m.Parent.ID == 0 {
		return m, err
	}
	if err := db.Where("id = ?", m.Reply.ThreadID).Limit(1).Find(&m.Thread).Error; err != nil {
		return m, err
	}
	var subs []models.Subscriber
	err := db.Where("email = ? AND confirmed_at IS NOT NULL", models.FoldEmail(m.Parent.Email)).Limit(1).Find(&subs).Error
	if err != nil {
		return m, err
	}
	if len(subs) > 0 {
		m.Language = subs[0].Language
	}
	m.Send = len(subs) > 0 && m.Reply.Status == models.StatusApproved && m.Parent.NotifyReplies && m.Parent.Email != ""
	return m, nil
}

// QueueReplyMail closes a reply notice and puts its email (when msg is not
// nil) into the outbox, in one transaction. It reports false, and queues
// nothing, when the notice was closed already (by another instance).
func (s *Store) QueueReplyMail(ctx context.Context, replyID uint, msg *models.OutboxMessage) (bool, error) {
	queued := false
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&models.ReplyNotice{}).Where("comment_id = ? AND queued_at IS NULL", replyID).Update("queued_at", now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		queued = true
		if msg == nil {
			return nil
		}
		return enqueueTx(tx, now, msg)
	})
	if err != nil {
		return false, fmt.Errorf("store: queue reply mail for %d: %w", replyID, err)
	}
	return queued, nil
}
