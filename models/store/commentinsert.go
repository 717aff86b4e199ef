package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// commentColumns are the columns a new comment's INSERT writes: every
// column of comments but id, in the order insertArgs gives their values.
// TestCommentInsertMatchesTheModel fails when the model gains a column
// this list lacks.
var commentColumns = []string{
	"thread_id", "parent_id", "root_id", "depth", "author", "email", "website", "body", "html",
	"status", "reasons", "score", "upvotes", "downvotes", "pinned", "notify_replies", "ip",
	"user_agent", "edit_token_hash", "commenter_key", "created_at", "updated_at", "edited_at",
	"source", "external_id",
}

// writerStatements are the statements every new comment runs on the
// writer, prepared once on the writer's pool when the store opens. Through
// GORM each was parsed, planned and thrown away for every comment, after
// reflecting over the model: for the INSERT, about a sixth of a new
// comment's CPU under the kit's write load.
type writerStatements struct {
	insert, parent writerQuery
}

// withWriterStatements gives s its writer statements, written for its
// database; they are prepared once it is migrated (Open).
func withWriterStatements(s *Store) *Store {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(commentColumns)), ", ")
	s.writes = &writerStatements{
		insert: writerQuery{query: s.numbered("INSERT INTO comments (" + strings.Join(commentColumns, ", ") +
			") VALUES (" + marks + ") RETURNING id")},
		parent: writerQuery{query: s.numbered("SELECT id, thread_id, parent_id, root_id, depth, status FROM comments WHERE id = ?")},
	}
	return s
}

// prepare prepares both on db's pool. It must not run inside a transaction
// of that pool: SQLite's writer pool has one connection, which the
// transaction would hold.
func (ws *writerStatements) prepare(ctx context.Context, db *gorm.DB) error {
	for _, q := range []*writerQuery{&ws.insert, &ws.parent} {
		if err := q.prepare(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// close releases both.
func (ws *writerStatements) close() error {
	return errors.Join(ws.insert.close(), ws.parent.close())
}

// writerQuery is one statement of the writer's, prepared once.
type writerQuery struct {
	mu    sync.Mutex
	query string
	stmt  *sql.Stmt
}

func (q *writerQuery) prepare(ctx context.Context, db *gorm.DB) error {
	pool, err := db.DB()
	if err != nil {
		return fmt.Errorf("store: prepare %q: %w", q.query, err)
	}
	stmt, err := pool.PrepareContext(ctx, q.query)
	if err != nil {
		return fmt.Errorf("store: prepare %q: %w", q.query, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stmt != nil {
		q.stmt.Close()
	}
	q.stmt = stmt
	return nil
}

func (q *writerQuery) close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stmt == nil {
		return nil
	}
	err := q.stmt.Close()
	q.stmt = nil
	return err
}

// row runs the query in tx, a transaction on the writer's pool, through
// the transaction's own handle on the prepared statement, which reuses what
// was prepared on its connection (SQLite's writer has only one). Without a
// prepared statement it sends the query as it is.
func (q *writerQuery) row(tx *gorm.DB, args ...any) *sql.Row {
	ctx := tx.Statement.Context
	q.mu.Lock()
	stmt := q.stmt
	q.mu.Unlock()
	if sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx); ok && stmt != nil {
		return sqlTx.StmtContext(ctx, stmt).QueryRowContext(ctx, args...)
	}
	return tx.Statement.ConnPool.QueryRowContext(ctx, q.query, args...)
}

// insertComment writes c as a new row in tx and sets its id. Like GORM's
// Create, it sets CreatedAt and UpdatedAt to now when they are zero.
func (ws *writerStatements) insertComment(tx *gorm.DB, c *models.Comment) error {
	now := time.Now().UTC()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = now
	}
	args, err := insertArgs(c)
	if err != nil {
		return err
	}
	var id int64
	if err := ws.insert.row(tx, args...).Scan(&id); err != nil {
		return translate(tx, err)
	}
	c.ID = uint(id)
	return nil
}

// placement reads what placing a reply under comment id needs: its thread,
// parent, root, depth and status. A missing comment is models.ErrNotFound.
func (ws *writerStatements) placement(tx *gorm.DB, id uint) (models.Comment, error) {
	var c models.Comment
	var parent sql.NullInt64
	err := ws.parent.row(tx, id).Scan(&c.ID, &c.ThreadID, &parent, &c.RootID, &c.Depth, &c.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return c, models.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	if parent.Valid {
		p := uint(parent.Int64)
		c.ParentID = &p
	}
	return c, nil
}

// translate maps a driver error to GORM's (gorm.ErrDuplicatedKey and the
// like), as Create does with TranslateError on.
func translate(tx *gorm.DB, err error) error {
	if t, ok := tx.Dialector.(gorm.ErrorTranslator); ok {
		return t.Translate(err)
	}
	return err
}

// insertArgs returns c's values in the order of commentColumns, as GORM
// would write them: nil pointers and no reasons are NULL, reasons are JSON.
func insertArgs(c *models.Comment) ([]any, error) {
	var parent, edited, reasons any
	if c.ParentID != nil {
		parent = *c.ParentID
	}
	if c.EditedAt != nil {
		edited = *c.EditedAt
	}
	if c.Reasons != nil {
		b, err := json.Marshal(c.Reasons)
		if err != nil {
			return nil, fmt.Errorf("encode the comment's reasons: %w", err)
		}
		reasons = string(b)
	}
	return []any{
		c.ThreadID, parent, c.RootID, c.Depth, c.Author, c.Email, c.Website, c.Body, c.HTML,
		string(c.Status), reasons, c.Score, c.Upvotes, c.Downvotes, c.Pinned, c.NotifyReplies, c.IP,
		c.UserAgent, c.EditTokenHash, c.CommenterKey, c.CreatedAt, c.UpdatedAt, edited,
		c.Source, c.ExternalID,
	}, nil
}
