package store

import (
	"context"
	"fmt"

	"parley/models"
)

// QueueFilter selects comments for the moderation queue.
type QueueFilter struct {
	Status models.Status
	SiteID string // empty for every site
	Before uint   // show comments with a smaller id (the next page); 0 for the first
	Limit  int
}

// QueueItem is a comment with where it was posted, for moderators.
type QueueItem struct {
	models.Comment
	SiteID      string
	Page        string
	ThreadTitle string
}

// Queue lists comments newest first, with their thread, in one query.
func (s *Store) Queue(ctx context.Context, f QueueFilter) ([]QueueItem, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := s.r.WithContext(ctx).Table("comments").
		Select("comments.*, threads.site_id AS site_id, threads.page AS page, threads.title AS thread_title").
		Joins("JOIN threads ON threads.id = comments.thread_id").
		Where("comments.status = ?", f.Status)
	if f.SiteID != "" {
		q = q.Where("threads.site_id = ?", f.SiteID)
	}
	if f.Before > 0 {
		q = q.Where("comments.id < ?", f.Before)
	}
	var items []QueueItem
	if err := q.Order("comments.id DESC").Limit(f.Limit).Find(&items).Error; err != nil {
		return nil, fmt.Errorf("store: queue: %w", err)
	}
	return items, nil
}

// QueueCounts returns how many comments each status holds, for one site or
// all (siteID empty).
func (s *Store) QueueCounts(ctx context.Context, siteID string) (map[models.Status]int, error) {
	var rows []struct {
		Status models.Status
		N      int
	}
	q := s.r.WithContext(ctx).Table("comments").Select("comments.status AS status, COUNT(*) AS n")
	if siteID != "" {
		q = q.Joins("JOIN threads ON threads.id = comments.thread_id").Where("threads.site_id = ?", siteID)
	}
	if err := q.Group("comments.status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: queue counts: %w", err)
	}
	out := make(map[models.Status]int, len(models.Statuses))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// AuditEntries lists the audit log, newest first.
func (s *Store) AuditEntries(ctx context.Context, before uint, limit int) ([]models.AuditEntry, error) {
	q := s.r.WithContext(ctx).Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []models.AuditEntry
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return out, nil
}

// AddAudit writes one audit entry.
func (s *Store) AddAudit(ctx context.Context, e *models.AuditEntry) error {
	if err := s.w.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("store: add audit: %w", err)
	}
	return nil
}
