package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"parley/models"
)

// FeedComment is an approved comment with where it was posted, for feeds.
type FeedComment struct {
	models.Comment
	SiteID      string
	Page        string
	ThreadTitle string
	ThreadURL   string
}

// RecentComments returns the newest approved comments, newest first, of
// one thread (threadID > 0) or of a whole site, in one query.
func (s *Store) RecentComments(ctx context.Context, siteID string, threadID uint, limit int) ([]FeedComment, error) {
	siteFirst, err := s.feedSiteFirst(ctx, siteID, threadID, limit)
	if err != nil {
		return nil, err
	}
	var out []FeedComment
	if err := recentCommentsQuery(s.r.WithContext(s.quick(ctx)), siteID, threadID, limit, siteFirst).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: recent comments: %w", err)
	}
	return out, nil
}

// feedSiteFirst reports whether a site's feed should read the site's
// threads first (see siteFirst); one thread's feed never does.
func (s *Store) feedSiteFirst(ctx context.Context, siteID string, threadID uint, limit int) (bool, error) {
	if threadID > 0 {
		return false, nil
	}
	return s.siteFirst(ctx, siteID, models.StatusApproved, limit)
}

// recentCommentsQuery builds RecentComments' SELECT; tests read its plan.
// One thread's comments come in order from idx_comments_thread; a site's
// from idx_comments_status, or through its threads when siteFirst.
func recentCommentsQuery(db *gorm.DB, siteID string, threadID uint, limit int, siteFirst bool) *gorm.DB {
	const columns = "comments.id, comments.thread_id, comments.parent_id, comments.author, comments.website, comments.html, " +
		"comments.status, comments.created_at, comments.updated_at, comments.edited_at, " +
		"threads.site_id AS site_id, threads.page AS page, threads.title AS thread_title, threads.url AS thread_url"
	q := fromThreadComments(db, siteFirst).Select(columns)
	q = q.Where("comments.status = ?", models.StatusApproved)
	if threadID > 0 {
		q = q.Where("comments.thread_id = ?", threadID)
	} else {
		q = q.Where("threads.site_id = ?", siteID)
	}
	return q.Order("comments.created_at DESC, comments.id DESC").Limit(limit)
}
