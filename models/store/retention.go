package store

import (
	"context"
	"fmt"
	"time"

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
			batch := s.w.Model(&models.Comment{}).Select("id").
				Where("created_at < ? AND (ip <> '' OR user_agent <> '')", now.Add(-keep).UTC()).
				Where("thread_id IN (?)", s.w.Model(&models.Thread{}).Select("id").Where("site_id = ?", site.ID)).
				Limit(retentionBatch)
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
