package store

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// explain returns the lines of SQLite's EXPLAIN QUERY PLAN for sql.
func explain(s *Store, sql string) ([]string, error) {
	rows, err := s.r.Raw("EXPLAIN QUERY PLAN " + sql).Rows()
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// HotPlans returns SQLite's plans of the queries every new comment and the
// queue's tab counts run, by name.
func HotPlans(s *Store) (map[string][]string, error) {
	since := time.Now().Add(-time.Hour)
	queries := map[string]string{
		"queue counts (all sites)": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return queueCountsQuery(tx, "").Scan(&[]struct{ N int }{})
		}),
		"queue counts (one site)": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return queueCountsQuery(tx, models.DefaultSiteID).Scan(&[]struct{ N int }{})
		}),
		"comments per day": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return commentsPerDayQuery(tx, since.AddDate(0, 0, -14), 14).Scan(&[]struct{ N int }{})
		}),
		"thread feed": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return recentCommentsQuery(tx, models.DefaultSiteID, 1, 50, false).Find(&[]FeedComment{})
		}),
		"site feed": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return recentCommentsQuery(tx, models.DefaultSiteID, 0, 50, false).Find(&[]FeedComment{})
		}),
		"site feed, site first": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return recentCommentsQuery(tx, models.DefaultSiteID, 0, 50, true).Find(&[]FeedComment{})
		}),
		"site counts": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return siteShareQuery(tx, models.DefaultSiteID, models.StatusApproved).Scan(&struct{ Site, Total int64 }{})
		}),
		"blog's posts, older page": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return postsQuery(tx, models.DefaultSiteID, true, 1, 21).Scan(&[]PostWithThread{})
		}),
		"admin's posts, older page": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return postsQuery(tx, models.DefaultSiteID, false, 1, 51).Scan(&[]PostWithThread{})
		}),
		"duplicate by key": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Raw(s.duplicateQuery(dupByKey), "key-1", since, "Hello there").Scan(&[]int{})
		}),
		"duplicate by ip": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Raw(s.duplicateQuery(dupByIP), "127.0.0.1", "Hello there", since, "Hello there").Scan(&[]int{})
		}),
		"active bans": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Raw(fmt.Sprintf(activeBansQuery, "?", "?"), models.DefaultSiteID, since).Scan(&[]models.Ban{})
		}),
		"approved by key": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Model(&models.Comment{}).Where(approvedByKey, "key-1", models.StatusApproved).Count(new(int64))
		}),
		"thread by page": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Where("site_id = ? AND page = ?", models.DefaultSiteID, "/posts/welcome").Take(&models.Thread{})
		}),
		"post by id": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Table("posts").Select(postColumns).Joins("JOIN threads ON threads.post_id = posts.id").
				Where("posts.id = ?", 1).Limit(1).Scan(&[]PostWithThread{})
		}),
		"place reply": strings.Replace(s.writes.parent.query, "?", "1", 1),
		"old identities": s.w.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Model(&models.Comment{}).Where("id IN (?)", oldIdentitiesQuery(s.w, models.DefaultSiteID, since)).
				UpdateColumns(map[string]any{"ip": "", "user_agent": ""})
		}),
		"comments by email": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Table("comments").Select("comments.id").Joins("JOIN threads ON threads.id = comments.thread_id").
				Where(commentsByEmail, "a@example.com").Order("comments.created_at DESC, comments.id DESC").Find(&[]QueueItem{})
		}),
		"replies off by email": s.w.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Model(&models.Comment{}).Where(byEmail+" AND notify_replies = ?", "a@example.com", true).
				UpdateColumn("notify_replies", false)
		}),
		"ban removal by ip": s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return bannedSince(tx, models.Commenter{IP: "203.0.113.5"}, models.BanIP, since).Pluck("id", &[]uint{})
		}),
		"page counts":       fmt.Sprintf(s.countsQuery(), "'default'", `'["/posts/welcome", "/posts/other"]'`),
		"queue version":     queueVersionQuery,
		"session moderator": fmt.Sprintf(sessionModeratorQuery, "'session-id'", "'2026-01-01 00:00:00'", s.falseLiteral()),
	}
	out := make(map[string][]string, len(queries))
	for name, q := range queries {
		plan, err := explain(s, q)
		if err != nil {
			return nil, err
		}
		out[name] = plan
	}
	return out, nil
}

// SetGroupCommit replaces the store's committer with one of the given batch
// bound and linger, for the batch-size benchmarks.
func SetGroupCommit(s *Store, maxBatch int, linger time.Duration) {
	s.gc.stop()
	s.gc = newGroupCommitter(s.w, s.writes, maxBatch, linger)
}
