package store

import (
	"context"
	"fmt"
	"time"
)

// rateLimitHit counts the events of one limiter key in one fixed window.
// Several Parley instances on one database share these rows, so a limit
// holds whichever instance a client reaches.
type rateLimitHit struct {
	Bucket      string `gorm:"primaryKey;size:300;autoIncrement:false"`
	WindowStart int64  `gorm:"primaryKey;autoIncrement:false;index"` // Unix milliseconds
	Hits        int    `gorm:"not null"`
}

func (rateLimitHit) TableName() string { return "rate_limit_hits" }

// RunsOnPostgres reports whether the store is a PostgreSQL database, the
// setup where several Parley instances may share it.
func (s *Store) RunsOnPostgres() bool { return s.postgres }

// CountHit records one event for key in the window starting at start and
// returns how many events the window holds now, this one included. The
// increment is one atomic upsert, so concurrent instances never lose a hit.
func (s *Store) CountHit(ctx context.Context, key string, start time.Time) (int, error) {
	var hits int
	err := s.w.WithContext(ctx).Raw(
		`INSERT INTO rate_limit_hits (bucket, window_start, hits) VALUES (?, ?, 1)
		 ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
		 RETURNING hits`, key, start.UnixMilli()).Scan(&hits).Error
	if err != nil {
		return 0, fmt.Errorf("store: count rate limit hit: %w", err)
	}
	return hits, nil
}

// SweepHits deletes the counters of windows that started before before and
// returns how many it removed.
func (s *Store) SweepHits(ctx context.Context, before time.Time) (int64, error) {
	res := s.w.WithContext(ctx).Where("window_start < ?", before.UnixMilli()).Delete(&rateLimitHit{})
	if res.Error != nil {
		return 0, fmt.Errorf("store: sweep rate limit hits: %w", res.Error)
	}
	return res.RowsAffected, nil
}
