package store

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// The moderation queue's tab counts would be a scan of every comment
// (53–60 ms at a million on SQLite). Instead comment_status_counts holds one
// row per (site, status), kept in step by triggers on comments, so every
// writer — CreateComment, moderation, bans, imports, dumps, raw SQL — moves
// the counts in its own transaction and none can forget to. On PostgreSQL
// the counter row of a (site, status) is locked until its transaction ends,
// so transactions that add comments of one status to one site queue behind
// each other there; within one instance group commit already makes them one
// transaction, and thread counts (addCount) behave the same way.
//
// The duplicate check compares a new comment with the sender's recent ones.
// Behind a proxy every comment may share one IP, so the (ip, created_at)
// index alone makes the check read every comment of the day;
// idx_comments_ip_prefix narrows it to comments that start alike. It is an
// expression index, so rows written by any code path (imports, edits) are
// covered without a column to keep in step.

// dupPrefixExpr must match the expression of idx_comments_ip_prefix exactly
// for the planners to use it.
const dupPrefixExpr = "substr(body, 1, 64)"

// The two lookups of RecentDuplicate; plan tests read their query plans.
// dupByIP compares the body joined to an empty string rather than the body
// column itself: SQLite would otherwise propagate "body = ?" into the prefix
// term, turn it into a constant and fall back to the (ip, created_at) index.
//
// approvedByKey (ApprovedByKey, the trust rule) compares the status joined
// to an empty string for the same kind of reason: without statistics SQLite
// otherwise walks the status index over every approved comment instead of
// the key's few.
const (
	approvedByKey = "commenter_key = ? AND status || '' = ?"
	dupByKey      = "commenter_key = ? AND created_at > ? AND body = ?"
	dupByIP       = "ip = ? AND " + dupPrefixExpr + " = substr(?, 1, 64) AND created_at > ? AND body || '' = ?"
)

var sqliteDerived = []string{
	`CREATE TABLE IF NOT EXISTS comment_status_counts (
		site_id TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (site_id, status)) WITHOUT ROWID`,
	`CREATE TRIGGER IF NOT EXISTS comments_status_count_insert AFTER INSERT ON comments BEGIN
		INSERT INTO comment_status_counts (site_id, status, n)
			SELECT site_id, NEW.status, 1 FROM threads WHERE id = NEW.thread_id
			ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
	END`,
	`CREATE TRIGGER IF NOT EXISTS comments_status_count_update AFTER UPDATE OF status, thread_id ON comments
	WHEN OLD.status IS NOT NEW.status OR OLD.thread_id IS NOT NEW.thread_id BEGIN
		UPDATE comment_status_counts SET n = n - 1
			WHERE site_id = (SELECT site_id FROM threads WHERE id = OLD.thread_id) AND status = OLD.status;
		INSERT INTO comment_status_counts (site_id, status, n)
			SELECT site_id, NEW.status, 1 FROM threads WHERE id = NEW.thread_id
			ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
	END`,
	`CREATE TRIGGER IF NOT EXISTS comments_status_count_delete AFTER DELETE ON comments BEGIN
		UPDATE comment_status_counts SET n = n - 1
			WHERE site_id = (SELECT site_id FROM threads WHERE id = OLD.thread_id) AND status = OLD.status;
	END`,
	`CREATE INDEX IF NOT EXISTS idx_comments_ip_prefix ON comments (ip, ` + dupPrefixExpr + `, created_at)`,
}

var postgresDerived = []string{
	`CREATE TABLE IF NOT EXISTS comment_status_counts (
		site_id TEXT NOT NULL, status TEXT NOT NULL, n BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (site_id, status))`,
	`CREATE OR REPLACE FUNCTION parley_comment_status_count() RETURNS trigger AS $$
	BEGIN
		IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status
			AND OLD.thread_id IS NOT DISTINCT FROM NEW.thread_id THEN
			RETURN NULL;
		END IF;
		IF TG_OP IN ('UPDATE', 'DELETE') THEN
			UPDATE comment_status_counts SET n = n - 1
				WHERE site_id = (SELECT site_id FROM threads WHERE id = OLD.thread_id) AND status = OLD.status;
		END IF;
		IF TG_OP IN ('INSERT', 'UPDATE') THEN
			INSERT INTO comment_status_counts (site_id, status, n)
				SELECT site_id, NEW.status, 1 FROM threads WHERE id = NEW.thread_id
				ON CONFLICT (site_id, status) DO UPDATE SET n = comment_status_counts.n + 1;
		END IF;
		RETURN NULL;
	END $$ LANGUAGE plpgsql`,
	`DROP TRIGGER IF EXISTS comments_status_count ON comments`,
	`CREATE TRIGGER comments_status_count AFTER INSERT OR DELETE OR UPDATE OF status, thread_id ON comments
		FOR EACH ROW EXECUTE FUNCTION parley_comment_status_count()`,
	`CREATE INDEX IF NOT EXISTS idx_comments_ip_prefix ON comments (ip, ` + dupPrefixExpr + `, created_at)`,
}

// ensureDerived creates the status counts table, its triggers, the
// duplicate-check index and the queue's version (queueversion.go) when the
// database lacks them, and fills the counts from the comments already
// stored; all in one transaction. On a database that has them it costs one
// lookup.
func (s *Store) ensureDerived(ctx context.Context) error {
	var n int64
	// The last trigger each list creates stands for all of its objects.
	check := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN " +
		"('comments_status_count_delete', 'sites_queue_version_delete')"
	if s.postgres {
		check = "SELECT COUNT(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid " +
			"WHERE t.tgname IN ('comments_status_count', 'sites_queue_version') " +
			"AND c.relnamespace = to_regnamespace(current_schema())"
	}
	if err := s.w.WithContext(ctx).Raw(check).Scan(&n).Error; err != nil {
		return fmt.Errorf("store: check status counts: %w", err)
	}
	if n == 2 {
		return nil
	}
	stmts := slices.Concat(sqliteDerived, sqliteQueueVersion)
	if s.postgres {
		stmts = slices.Concat(postgresDerived, postgresQueueVersion)
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range stmts {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec("DELETE FROM comment_status_counts").Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO comment_status_counts (site_id, status, n)
			SELECT threads.site_id, comments.status, COUNT(*) FROM comments
			JOIN threads ON threads.id = comments.thread_id
			GROUP BY threads.site_id, comments.status`).Error
	})
	if err != nil {
		return fmt.Errorf("store: create status counts: %w", err)
	}
	return nil
}
