package store

import (
	"context"
	"fmt"

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
	q := s.r.WithContext(ctx).Table("comments").
		Select("comments.id, comments.thread_id, comments.parent_id, comments.author, comments.website, comments.html, "+
			"comments.status, comments.created_at, comments.updated_at, comments.edited_at, "+
			"threads.site_id AS site_id, threads.page AS page, threads.title AS thread_title, threads.url AS thread_url").
		Joins("JOIN threads ON threads.id = comments.thread_id").
		Where("comments.status = ?", models.StatusApproved)
	if threadID > 0 {
		q = q.Where("comments.thread_id = ?", threadID)
	} else {
		q = q.Where("threads.site_id = ?", siteID)
	}
	var out []FeedComment
	if err := q.Order("comments.created_at DESC, comments.id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: recent comments: %w", err)
	}
	return out, nil
}
