package store

import (
	"database/sql"
	"fmt"
)

// Stats returns the connection pool statistics of each pool the store
// holds, by name: "write" and "read" on SQLite, "main" on PostgreSQL.
func (s *Store) Stats() (map[string]sql.DBStats, error) {
	w, err := s.w.DB()
	if err != nil {
		return nil, fmt.Errorf("store: pool stats: %w", err)
	}
	if s.postgres || s.r == s.w {
		return map[string]sql.DBStats{"main": w.Stats()}, nil
	}
	r, err := s.r.DB()
	if err != nil {
		return nil, fmt.Errorf("store: pool stats: %w", err)
	}
	return map[string]sql.DBStats{"write": w.Stats(), "read": r.Stats()}, nil
}
