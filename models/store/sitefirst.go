package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"parley/models"
)

// A list of one site's newest comments of a status (the queue filtered by
// site, the site's comment feed) can be found two ways:
//
//   - walk every site's comments of that status newest first, through an
//     index that gives that order, keeping the site's until limit are
//     found: with the sites' comments mixed in time this reads about
//     limit × total/site rows, and for a site whose comments are few or
//     old it reads nearly all of them (1.1 s on a million);
//   - read the site's threads, then each thread's comments of that status
//     through idx_comments_thread, and sort: this reads the site's rows.
//
// siteFirst picks the cheaper from the counts comment_status_counts keeps,
// so both bounds stay near sqrt(limit × total) rows. SQLite follows the
// join order a CROSS JOIN names (PostgreSQL plans it as any inner join).

// fromThreadComments starts a query over comments joined to their threads,
// reading the threads first when siteFirst.
func fromThreadComments(db *gorm.DB, siteFirst bool) *gorm.DB {
	if siteFirst {
		return db.Table("threads CROSS JOIN comments").Where("comments.thread_id = threads.id")
	}
	return db.Table("comments").Joins("JOIN threads ON threads.id = comments.thread_id")
}

// siteFirst reports whether one site's newest comments of status (every
// status when empty) are cheaper to find by reading the site's threads
// first than by walking every site's comments newest first.
func (s *Store) siteFirst(ctx context.Context, siteID string, status models.Status, limit int) (bool, error) {
	var n struct{ Site, Total int64 }
	err := siteShareQuery(s.r.WithContext(ctx), siteID, status).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: count the site's comments: %w", err)
	}
	return gatherCheaper(n.Site, n.Total, limit), nil
}

// threadFirst is siteFirst for one thread's comments of status (every
// status when empty), which it counts through idx_comments_thread.
func (s *Store) threadFirst(ctx context.Context, threadID uint, status models.Status, limit int) (bool, error) {
	var thread int64
	q := s.r.WithContext(ctx).Table("comments").Where("thread_id = ?", threadID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if err := q.Count(&thread).Error; err != nil {
		return false, fmt.Errorf("store: count the thread's comments: %w", err)
	}
	var every struct{ Site, Total int64 } // no site named: only Total counts
	if err := siteShareQuery(s.r.WithContext(ctx), "", status).Scan(&every).Error; err != nil {
		return false, fmt.Errorf("store: count the tab's comments: %w", err)
	}
	return gatherCheaper(thread, every.Total, limit), nil
}

// gatherCheaper reports whether reading a site's site rows costs less than
// walking total rows newest first until limit of the site's turn up.
func gatherCheaper(site, total int64, limit int) bool {
	if limit < 1 {
		limit = 1
	}
	return site*site < int64(limit)*total
}

// siteShareQuery counts the site's comments of status and every site's.
func siteShareQuery(db *gorm.DB, siteID string, status models.Status) *gorm.DB {
	q := db.Table("comment_status_counts").
		Select("COALESCE(SUM(CASE WHEN site_id = ? THEN n ELSE 0 END), 0) AS site, COALESCE(SUM(n), 0) AS total", siteID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	return q
}
