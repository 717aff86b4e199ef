package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// DayCount is how many comments arrived on one UTC day.
type DayCount struct {
	Day time.Time // midnight UTC
	N   int
}

// CommentsPerDay counts the comments created on each of the days UTC days
// ending with the day of now, oldest first; days without comments are
// present with zero.
func (s *Store) CommentsPerDay(ctx context.Context, now time.Time, days int) ([]DayCount, error) {
	if days < 1 {
		return nil, nil
	}
	end := now.UTC().Truncate(24 * time.Hour)
	start := end.AddDate(0, 0, -(days - 1))
	day := "strftime('%Y-%m-%d', created_at)"
	if s.postgres {
		day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	var rows []struct {
		Day string
		N   int
	}
	err := s.r.WithContext(ctx).Table("comments").
		Select(day+" AS day, COUNT(*) AS n").
		Where("created_at >= ? AND created_at < ?", start, end.AddDate(0, 0, 1)).
		Group("day").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: comments per day: %w", err)
	}
	byDay := make(map[string]int, len(rows))
	for _, r := range rows {
		byDay[r.Day] += r.N
	}
	out := make([]DayCount, days)
	for i := range out {
		d := start.AddDate(0, 0, i)
		out[i] = DayCount{Day: d, N: byDay[d.Format("2006-01-02")]}
	}
	return out, nil
}

// DatabaseSize returns the bytes the database takes: the SQLite file with
// its -wal and -shm files, or pg_database_size on PostgreSQL.
func (s *Store) DatabaseSize(ctx context.Context) (int64, error) {
	if s.postgres {
		var n int64
		if err := s.r.WithContext(ctx).Raw("SELECT pg_database_size(current_database())").Scan(&n).Error; err != nil {
			return 0, fmt.Errorf("store: database size: %w", err)
		}
		return n, nil
	}
	var total int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		fi, err := os.Stat(s.path + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: database size: %w", err)
		}
		total += fi.Size()
	}
	return total, nil
}

// Kind names the database the store runs on: "SQLite" or "PostgreSQL".
func (s *Store) Kind() string {
	if s.postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}
