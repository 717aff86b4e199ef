package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// replyNoticeKeep is how long closed reply notices are kept; within it a
// reply approved again is not announced twice.
const replyNoticeKeep = 180 * 24 * time.Hour

// retentionBatch is how many comments one transaction of DropOldIPs clears.
const retentionBatch = 1000

// DropOldIPs clears the IP address and user agent of every comment older
// than its site's retention (SiteSettings.IPRetention; sites that keep
// them forever are skipped), and deletes old closed reply notices. It
// returns how many comments it cleared. "parley serve" runs it at start
// and every few hours.
func (s *Store) DropOldIPs(ctx context.Context, now time.Time) (int64, error) {
	sites, err := s.Sites(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, site := range sites {
		keep := site.Settings.IPRetention()
		if keep <= 0 {
			continue
		}
		// In small transactions: one long UPDATE on a large database would
		// hold SQLite's only writer (and every new comment) for seconds.
		for {
			batch := oldIdentitiesQuery(s.w, site.ID, now.Add(-keep))
			res := s.w.WithContext(ctx).Model(&models.Comment{}).Where("id IN (?)", batch).
				UpdateColumns(map[string]any{"ip": "", "user_agent": ""})
			if res.Error != nil {
				return total, fmt.Errorf("store: drop old IP addresses of site %s: %w", site.ID, res.Error)
			}
			total += res.RowsAffected
			if res.RowsAffected < retentionBatch {
				break
			}
			if err := ctx.Err(); err != nil {
				return total, fmt.Errorf("store: drop old IP addresses of site %s: %w", site.ID, err)
			}
		}
	}
	res := s.w.WithContext(ctx).Where("queued_at IS NOT NULL AND queued_at < ?", now.Add(-replyNoticeKeep).UTC()).
		Delete(&models.ReplyNotice{})
	if res.Error != nil {
		return total, fmt.Errorf("store: prune reply notices: %w", res.Error)
	}
	return total, nil
}

// oldIdentitiesQuery selects up to retentionBatch ids of the site's comments
// created before cutoff that still hold an IP address or user agent. It
// reads idx_comments_identity_age, which holds only such comments, so a
// sweep costs what it clears rather than a pass over every comment; the
// unary plus keeps SQLite from preferring the thread index, which would
// read every comment of the site.
func oldIdentitiesQuery(db *gorm.DB, siteID string, cutoff time.Time) *gorm.DB {
	return db.Model(&models.Comment{}).Select("id").
		Where(identityKept+" AND created_at < ?", cutoff.UTC()).
		Where("+thread_id IN (?)", db.Model(&models.Thread{}).Select("id").Where("site_id = ?", siteID)).
		Limit(retentionBatch)
}

// identityKept is the condition of idx_comments_identity_age; a query
// must state it word for word for SQLite to use that partial index.
const identityKept = "(ip <> '' OR user_agent <> '')"
