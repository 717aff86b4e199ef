package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// Bans lists every ban, newest first, including expired ones.
func (s *Store) Bans(ctx context.Context) ([]models.Ban, error) {
	var bans []models.Ban
	if err := s.r.WithContext(ctx).Order("id DESC").Limit(500).Find(&bans).Error; err != nil {
		return nil, fmt.Errorf("store: bans: %w", err)
	}
	return bans, nil
}

// CreateBan stores a ban with its audit entry; with removeSince set it also
// removes the banned commenter's comments made since then, in the same
// transaction, and returns how many.
func (s *Store) CreateBan(ctx context.Context, b *models.Ban, actor Actor, removeSince *time.Time, who models.Commenter) (int, error) {
	removed := 0
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(b).Error; err != nil {
			return err
		}
		note := fmt.Sprintf("%s %s", b.Kind, b.Value)
		if b.Shadow {
			note += " (shadow)"
		}
		if b.ExpiresAt != nil {
			note += " until " + b.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		if b.Note != "" {
			note += ": " + b.Note
		}
		if err := tx.Create(&models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name, Action: "ban", After: "banned", Note: truncateNote(note)}).Error; err != nil {
			return err
		}
		if removeSince == nil {
			return nil
		}
		q := bannedSince(tx, who, b.Kind, *removeSince)
		if q == nil {
			return nil
		}
		var ids []uint
		if err := q.Pluck("id", &ids).Error; err != nil {
			return err
		}
		n, err := setStatusTx(tx, ids, models.StatusRemoved, actor, "removed with ban")
		removed = n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: create ban: %w", err)
	}
	return removed, nil
}

// DeleteBan lifts a ban and records who did.
func (s *Store) DeleteBan(ctx context.Context, id uint, actor Actor) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b models.Ban
		if err := tx.Where("id = ?", id).Take(&b).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Delete(&b).Error; err != nil {
			return err
		}
		return tx.Create(&models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name, Action: "unban",
			Before: "banned", After: "unbanned", Note: truncateNote(b.Kind + " " + b.Value)}).Error
	})
	if err != nil {
		return fmt.Errorf("store: delete ban %d: %w", id, err)
	}
	return nil
}

// ApprovedByKey counts the approved comments made under a commenter key.
func (s *Store) ApprovedByKey(ctx context.Context, key string) (int64, error) {
	var n int64
	if key == "" {
		return 0, nil
	}
	err := s.r.WithContext(ctx).Model(&models.Comment{}).
		Where(approvedByKey, key, models.StatusApproved).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: approved by key: %w", err)
	}
	return n, nil
}

func truncateNote(s string) string {
	if len(s) <= 500 {
		return s
	}
	return s[:500]
}

// bannedSince selects the visible or waiting comments that who wrote since
// the given time, found by what the ban of kind names: the commenter key,
// the IP address (through idx_comments_ip_prefix, which leads with ip) or
// the address. It returns nil when who holds nothing to find them by.
func bannedSince(tx *gorm.DB, who models.Commenter, kind string, since time.Time) *gorm.DB {
	q := tx.Model(&models.Comment{}).Where("created_at >= ? AND status IN ?", since.UTC(),
		[]models.Status{models.StatusApproved, models.StatusPending, models.StatusFlagged})
	switch {
	case who.Key != "" && kind == models.BanKey:
		return q.Where("commenter_key = ?", who.Key)
	case who.IP != "" && kind == models.BanIP:
		return q.Where("ip = ?", who.IP)
	case who.Email != "":
		return q.Where(byEmail, models.FoldEmail(who.Email))
	}
	return nil
}
