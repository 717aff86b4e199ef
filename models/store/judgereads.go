package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/models"
)

// The reads a new comment's judge makes besides its post's rules: the
// bans in force and the repeat check. Prepared statements, since every new
// comment asks; through GORM they were a tenth of a comment's CPU.

const activeBansQuery = `SELECT id, site_id, kind, value, shadow, note, created_by, expires_at, created_at FROM bans
WHERE (site_id = %s OR site_id = '') AND (expires_at IS NULL OR expires_at > %s) ORDER BY id`

// ActiveBans returns the bans in force for a site: its own and the global ones.
func (s *Store) ActiveBans(ctx context.Context, siteID string, now time.Time) ([]models.Ban, error) {
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return nil, fmt.Errorf("store: active bans: %w", err)
	}
	rows, err := stmts.activeBans.QueryContext(s.quick(ctx), siteID, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("store: active bans: %w", err)
	}
	defer rows.Close()
	var bans []models.Ban
	for rows.Next() {
		var b models.Ban
		var site, note, by sql.NullString
		var expires, created sql.NullTime
		if err := rows.Scan(&b.ID, &site, &b.Kind, &b.Value, &b.Shadow, &note, &by, &expires, &created); err != nil {
			return nil, fmt.Errorf("store: active bans: %w", err)
		}
		b.SiteID, b.Note, b.CreatedBy, b.CreatedAt = site.String, note.String, by.String, created.Time
		if expires.Valid {
			b.ExpiresAt = &expires.Time
		}
		bans = append(bans, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: active bans: %w", err)
	}
	return bans, nil
}

// RecentDuplicate reports whether the same body came from the same
// commenter key or IP since the given time. The key lookup walks that
// browser's comments of the window (idx_comments_key_time); the IP lookup
// only that IP's comments that start like body (idx_comments_ip_prefix),
// since one IP may send every comment behind a proxy.
func (s *Store) RecentDuplicate(ctx context.Context, body, key, ip string, since time.Time) (bool, error) {
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return false, fmt.Errorf("store: duplicate check: %w", err)
	}
	t := since.UTC()
	for _, by := range []struct {
		value string
		stmt  *sql.Stmt
		args  []any
	}{
		{key, stmts.dupByKey, []any{key, t, body}},
		{ip, stmts.dupByIP, []any{ip, body, t, body}},
	} {
		if by.value == "" {
			continue
		}
		var one int
		err := by.stmt.QueryRowContext(s.quick(ctx), by.args...).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("store: duplicate check: %w", err)
		}
	}
	return false, nil
}

// duplicateQuery is one lookup of RecentDuplicate, with the condition the
// plan tests read (dupByKey or dupByIP).
func (s *Store) duplicateQuery(where string) string {
	return "SELECT 1 FROM comments WHERE " + s.numbered(where) + " LIMIT 1"
}

// numbered writes the ? placeholders of a condition as the database
// wants them: unchanged on SQLite, $1, $2… on PostgreSQL. The conditions
// it is given hold no ? of their own.
func (s *Store) numbered(where string) string {
	if !s.postgres {
		return where
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(where, "?") {
		if strings.HasSuffix(part, "?") {
			n++
			part = strings.TrimSuffix(part, "?") + s.placeholder(n)
		}
		b.WriteString(part)
	}
	return b.String()
}
