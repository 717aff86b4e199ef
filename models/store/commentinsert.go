package store

import (
	"context"
	"database/sql"
	"encoding/json"
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

// commentInsert is the INSERT every new comment runs, prepared once on the
// writer's pool when the store opens. Through GORM's Create it was parsed,
// planned and thrown away for each comment, after reflecting over the
// model: about a sixth of a new comment's CPU under the kit's write load.
type commentInsert struct {
	mu    sync.Mutex
	query string
	stmt  *sql.Stmt
}

func newCommentInsert(postgres bool) *commentInsert {
	marks := make([]string, len(commentColumns))
	for i := range marks {
		marks[i] = "?"
		if postgres {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
	}
	return &commentInsert{query: "INSERT INTO comments (" + strings.Join(commentColumns, ", ") +
		") VALUES (" + strings.Join(marks, ", ") + ") RETURNING id"}
}

// prepare prepares the statement on db's pool. It must not run inside a
// transaction of that pool: SQLite's writer pool has one connection, which
// the transaction holds.
func (ci *commentInsert) prepare(ctx context.Context, db *gorm.DB) error {
	pool, err := db.DB()
	if err != nil {
		return fmt.Errorf("store: prepare the comment insert: %w", err)
	}
	stmt, err := pool.PrepareContext(ctx, ci.query)
	if err != nil {
		return fmt.Errorf("store: prepare the comment insert: %w", err)
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.stmt != nil {
		ci.stmt.Close()
	}
	ci.stmt = stmt
	return nil
}

// prepared returns the statement; nil before prepare and after close.
func (ci *commentInsert) prepared() *sql.Stmt {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	return ci.stmt
}

// close releases the statement.
func (ci *commentInsert) close() error {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.stmt == nil {
		return nil
	}
	err := ci.stmt.Close()
	ci.stmt = nil
	return err
}

// insert writes c as a new row in tx, a transaction on the writer's pool,
// and sets its id. Like GORM's Create, it sets CreatedAt and UpdatedAt to
// now when they are zero.
func (ci *commentInsert) insert(tx *gorm.DB, c *models.Comment) error {
	ctx := tx.Statement.Context
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
	var row *sql.Row
	if sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx); ok && ci.prepared() != nil {
		// The transaction's own handle on the statement reuses what was
		// prepared on its connection (SQLite's writer has only one).
		row = sqlTx.StmtContext(ctx, ci.prepared()).QueryRowContext(ctx, args...)
	} else {
		row = tx.Statement.ConnPool.QueryRowContext(ctx, ci.query, args...)
	}
	var id int64
	if err := row.Scan(&id); err != nil {
		return translate(tx, err)
	}
	c.ID = uint(id)
	return nil
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
