package store

import (
	"context"
	"fmt"
)

// The moderation queue's pages are cached by the handlers under the queue's
// version: one number that moves whenever anything a queue page shows may
// have changed. Everything on a queue page comes from three tables —
// comments (the rows, their text, reasons, status and the tab counts),
// threads (the page and title each row links to) and sites (the site
// filter) — so triggers on those tables move the version in the writer's
// own transaction, and no code path (moderation, votes, edits, imports,
// retention, raw SQL) can forget to. Every instance on the database sees
// the same number, so several instances never serve a stale queue. The
// counts API's answers are cached under it too: a thread's comment_count
// moves it as well.
//
// The version is one row. On SQLite writers are serialized anyway; on
// PostgreSQL the row is locked until the writing transaction ends, as the
// status counter rows already are, and the triggers there run once per
// statement rather than once per row. Lock order matters there: a new
// comment or a moderation locks the version after its comments and before
// its thread's row (addCount), so the trigger on threads runs BEFORE the
// statement, taking the version before the thread's row too; run after it,
// a post's title edit and a new comment on that post deadlocked
// (TestQueueVersionWritersDoNotDeadlock).

var sqliteQueueVersion = []string{
	`CREATE TABLE IF NOT EXISTS queue_version (
		id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`,
	`INSERT INTO queue_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
	sqliteQueueTrigger("comments_queue_version_insert", "AFTER INSERT ON comments"),
	sqliteQueueTrigger("comments_queue_version_update", "AFTER UPDATE ON comments"),
	sqliteQueueTrigger("comments_queue_version_delete", "AFTER DELETE ON comments"),
	sqliteQueueTrigger("threads_queue_version_update", "AFTER UPDATE OF site_id, page, title, comment_count ON threads"),
	sqliteQueueTrigger("threads_queue_version_delete", "AFTER DELETE ON threads"),
	sqliteQueueTrigger("sites_queue_version_insert", "AFTER INSERT ON sites"),
	sqliteQueueTrigger("sites_queue_version_update", "AFTER UPDATE ON sites"),
	sqliteQueueTrigger("sites_queue_version_delete", "AFTER DELETE ON sites"),
}

func sqliteQueueTrigger(name, on string) string {
	return "CREATE TRIGGER IF NOT EXISTS " + name + " " + on +
		" BEGIN UPDATE queue_version SET version = version + 1 WHERE id = 1; END"
}

var postgresQueueVersion = []string{
	`CREATE TABLE IF NOT EXISTS queue_version (
		id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)`,
	`INSERT INTO queue_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
	`CREATE OR REPLACE FUNCTION parley_queue_version() RETURNS trigger AS $$
	BEGIN
		UPDATE queue_version SET version = version + 1 WHERE id = 1;
		RETURN NULL;
	END $$ LANGUAGE plpgsql`,
	`DROP TRIGGER IF EXISTS comments_queue_version ON comments`,
	`CREATE TRIGGER comments_queue_version AFTER INSERT OR UPDATE OR DELETE ON comments ` + perStatement,
	`DROP TRIGGER IF EXISTS threads_queue_version ON threads`,
	`CREATE TRIGGER threads_queue_version BEFORE UPDATE OF site_id, page, title, comment_count OR DELETE ON threads ` + perStatement,
	`DROP TRIGGER IF EXISTS sites_queue_version ON sites`,
	`CREATE TRIGGER sites_queue_version AFTER INSERT OR UPDATE OR DELETE ON sites ` + perStatement,
}

const perStatement = "FOR EACH STATEMENT EXECUTE FUNCTION parley_queue_version()"

// queueVersionQuery reads the queue's version.
const queueVersionQuery = "SELECT version FROM queue_version WHERE id = 1"

// QueueVersion returns the moderation queue's version, which moves with
// every change to what a queue page shows (see queueversion.go).
func (s *Store) QueueVersion(ctx context.Context) (int64, error) {
	return remembered(&s.memo, s.memo.queueMap, struct{}{}, neverRemembered,
		func() (int64, error) { return s.queueVersion(ctx) })
}

func (s *Store) queueVersion(ctx context.Context) (int64, error) {
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return 0, fmt.Errorf("store: queue version: %w", err)
	}
	var v int64
	if err := stmts.queue.QueryRowContext(s.quick(ctx)).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: queue version: %w", err)
	}
	return v, nil
}
