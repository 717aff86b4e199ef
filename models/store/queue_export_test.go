package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// QueuePlan returns the lines of SQLite's EXPLAIN QUERY PLAN for the queue
// query that f builds, so a test can check which indexes it uses.
func QueuePlan(s *Store, f QueueFilter) ([]string, error) {
	siteFirst, err := s.queueSiteFirst(context.Background(), f)
	if err != nil {
		return nil, err
	}
	var floor uint
	if f.scanning() && !siteFirst {
		floor = 1 // any window's floor gives the plan of a bounded search
	}
	return explain(s, s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return queueQuery(tx, f, floor, siteFirst, s.postgres).Find(&[]QueueItem{})
	}))
}

// SeedPending inserts n pending comments on a thread in one statement (one
// transaction), fast enough for a 100,000-row plan test on SQLite. Every
// seventh comment carries the "links" reason.
func SeedPending(s *Store, threadID uint, n int) error {
	now := time.Now().UTC()
	return s.w.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
INSERT INTO comments (thread_id, depth, author, email, body, html, status, reasons, score, created_at, updated_at)
SELECT ?, 0, 'Reader ' || i, 'reader' || i || '@example.com', 'Comment number ' || i, '<p>Comment number ' || i || '</p>',
  'pending', CASE WHEN i % 7 = 0 THEN '[{"code":"links","text":"Too many links"}]' ELSE '[{"code":"pre_moderation","text":"Pre-moderation"}]' END,
  0, ?, ? FROM seq`, n, threadID, now, now).Error
}

// FeedPlan returns SQLite's plan of RecentComments' query, with the choice
// of plan RecentComments would make.
func FeedPlan(s *Store, siteID string, threadID uint, limit int) ([]string, error) {
	siteFirst, err := s.feedSiteFirst(context.Background(), siteID, threadID, limit)
	if err != nil {
		return nil, err
	}
	return explain(s, s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return recentCommentsQuery(tx, siteID, threadID, limit, siteFirst).Find(&[]FeedComment{})
	}))
}

// GatherCheaper is gatherCheaper, for a table test.
var GatherCheaper = gatherCheaper
