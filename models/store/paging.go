package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"parley/models"
)

// PageQuery asks for one page of a thread's top-level comments.
type PageQuery struct {
	Sort  string         // models.SortOldest (default), SortNewest or SortTop
	After *models.Cursor // the last top-level comment of the page before; nil for the first
	Limit int            // top-level comments per page
	// Viewer is a commenter key whose own spam-held comments are loaded as
	// well, so a shadow-banned reader can be shown their own comments.
	Viewer string
}

// ThreadPage is one page of a thread: its top-level comments (approved, or
// hidden with public replies) and every comment under them, in any status,
// for models.BuildTree to prune. Next is nil on the last page.
type ThreadPage struct {
	Comments []models.Comment
	Next     *models.Cursor
}

// pageColumns are the columns a rendered thread needs.
var pageColumns = []string{"id", "thread_id", "parent_id", "root_id", "depth", "author", "email", "website",
	"html", "status", "reasons", "commenter_key", "score", "upvotes", "downvotes", "pinned", "created_at", "edited_at"}

// ThreadPage loads one page of a thread in two queries: the page's
// top-level comments by the sort order from the cursor on (pinned ones
// first), and everything under them by root_id. Neither reads the rest of
// the thread, so the first page of a huge thread costs what a small one does.
func (s *Store) ThreadPage(ctx context.Context, threadID uint, q PageQuery) (ThreadPage, error) {
	var out ThreadPage
	if q.Limit < 1 {
		q.Limit = 1
	}
	roots, err := s.topLevel(ctx, threadID, q, q.Limit+1)
	if err != nil {
		return out, fmt.Errorf("store: thread %d page: %w", threadID, err)
	}
	if len(roots) > q.Limit {
		roots = roots[:q.Limit]
		out.Next = cursorOf(roots[q.Limit-1])
	}
	// The replies query runs even for an empty page, so a page costs the
	// same number of queries whatever the thread holds.
	ids := make([]uint, len(roots))
	for i, r := range roots {
		ids[i] = r.ID
	}
	rows, err := s.r.WithContext(s.quick(ctx)).Model(&models.Comment{}).Select(pageColumns).
		Where("thread_id = ? AND root_id IN ?", threadID, ids).Rows()
	if err == nil {
		out.Comments, err = scanPage(rows, roots)
	}
	if err != nil {
		return out, fmt.Errorf("store: thread %d page replies: %w", threadID, err)
	}
	return out, nil
}

// scanPage appends the rows of a query for pageColumns to into, and closes
// the rows. It scans the columns itself rather than through GORM's model:
// on a render-cache miss GORM's reflection over each comment was over a
// quarter of reading a page. NULLs read as GORM reads them
// (TestScanPageReadsAsGORMDoes).
func scanPage(rows *sql.Rows, into []models.Comment) ([]models.Comment, error) {
	defer rows.Close()
	for rows.Next() {
		var (
			c                   models.Comment
			parent              sql.NullInt64
			email, website, key sql.NullString
			reasons             []byte
			created, edited     sql.NullTime
		)
		err := rows.Scan(&c.ID, &c.ThreadID, &parent, &c.RootID, &c.Depth, &c.Author, &email, &website,
			&c.HTML, &c.Status, &reasons, &key, &c.Score, &c.Upvotes, &c.Downvotes, &c.Pinned, &created, &edited)
		if err != nil {
			return into, err
		}
		c.ParentID = nullID(parent)
		if c.Reasons, err = decodeReasons(c.ID, reasons); err != nil {
			return into, err
		}
		c.Email, c.Website, c.CommenterKey, c.CreatedAt = email.String, website.String, key.String, created.Time
		if edited.Valid {
			t := edited.Time
			c.EditedAt = &t
		}
		into = append(into, c)
	}
	return into, rows.Err()
}

// PageOf returns the cursor of the page of a thread that holds a comment's
// top-level ancestor, for permalinks: nil for the first page. It answers
// models.ErrNotFound when the comment is not on the thread or its
// top-level ancestor is not shown on any page.
func (s *Store) PageOf(ctx context.Context, threadID, commentID uint, q PageQuery) (*models.Cursor, error) {
	if q.Limit < 1 {
		q.Limit = 1
	}
	var c models.Comment
	err := s.r.WithContext(s.quick(ctx)).Select("id", "root_id").Where("id = ? AND thread_id = ?", commentID, threadID).Take(&c).Error
	if err != nil {
		return nil, fmt.Errorf("store: page of comment %d: %w", commentID, notFound(err))
	}
	rootID := c.RootID
	if rootID == 0 {
		rootID = c.ID
	}
	var root models.Comment
	err = s.visible(s.r.WithContext(s.quick(ctx)).Select(pageColumns), threadID, q.Viewer).
		Where("comments.id = ?", rootID).Take(&root).Error
	if err != nil {
		return nil, fmt.Errorf("store: page of comment %d: %w", commentID, notFound(err))
	}
	// Count what comes before the root: pinned comments come before the
	// others, then the sort order rules within the root's group.
	count := func(pinned bool, upTo *models.Cursor) (int64, error) {
		db := s.visible(s.r.WithContext(s.quick(ctx)).Model(&models.Comment{}), threadID, q.Viewer).Where("comments.pinned = ?", pinned)
		if upTo != nil {
			db = afterCursor(db, q.Sort, upTo, true)
		}
		var n int64
		return n, db.Count(&n).Error
	}
	before, err := count(root.Pinned, cursorOf(root))
	if err == nil && !root.Pinned {
		var pinned int64
		pinned, err = count(true, nil)
		before += pinned
	}
	if err != nil {
		return nil, fmt.Errorf("store: page of comment %d: %w", commentID, err)
	}
	pageIndex := int(before) / q.Limit
	if pageIndex == 0 {
		return nil, nil
	}
	// The cursor is the last comment of the page before.
	last, err := s.nth(ctx, threadID, q, pageIndex*q.Limit-1)
	if err != nil {
		return nil, fmt.Errorf("store: page of comment %d: %w", commentID, err)
	}
	return cursorOf(last), nil
}

// nth returns the top-level comment at a 0-based position in the order.
func (s *Store) nth(ctx context.Context, threadID uint, q PageQuery, pos int) (models.Comment, error) {
	var pinned int64
	err := s.visible(s.r.WithContext(s.quick(ctx)).Model(&models.Comment{}), threadID, q.Viewer).
		Where("comments.pinned = ?", true).Count(&pinned).Error
	if err != nil {
		return models.Comment{}, err
	}
	group := true
	if int64(pos) >= pinned {
		group, pos = false, pos-int(pinned)
	}
	var c models.Comment
	err = orderBy(s.visible(s.r.WithContext(s.quick(ctx)).Select(pageColumns), threadID, q.Viewer).Where("comments.pinned = ?", group), q.Sort).
		Offset(pos).Limit(1).Take(&c).Error
	return c, notFound(err)
}

// topLevel returns up to n top-level comments after q.After: the pinned
// group first, then the others, each by the sort order.
func (s *Store) topLevel(ctx context.Context, threadID uint, q PageQuery, n int) ([]models.Comment, error) {
	var out []models.Comment
	for _, pinned := range []bool{true, false} {
		if q.After != nil && q.After.Pinned != pinned && pinned {
			continue // the cursor is past the pinned group
		}
		rows, err := s.groupQuery(s.r.WithContext(s.quick(ctx)).Model(&models.Comment{}), threadID, q, pinned).Limit(n - len(out)).Rows()
		if err != nil {
			return nil, err
		}
		if out, err = scanPage(rows, out); err != nil {
			return nil, err
		}
		if len(out) >= n {
			break
		}
	}
	return out, nil
}

// groupQuery selects one pinned group's top-level comments after the
// cursor, in the sort order.
func (s *Store) groupQuery(db *gorm.DB, threadID uint, q PageQuery, pinned bool) *gorm.DB {
	db = s.visible(db.Select(pageColumns), threadID, q.Viewer).Where("comments.pinned = ?", pinned)
	if q.After != nil && q.After.Pinned == pinned {
		db = afterCursor(db, q.Sort, q.After, false)
	}
	return orderBy(db, q.Sort)
}

// visible restricts a query to a thread's top-level comments that readers
// see: approved ones, and hidden ones with a public reply (shown as
// placeholders). A viewer also sees their own spam-held ones.
func (s *Store) visible(db *gorm.DB, threadID uint, viewer string) *gorm.DB {
	db = db.Where("comments.thread_id = ? AND comments.root_id = 0", threadID)
	if viewer == "" {
		return db.Where("comments.status = ? OR EXISTS (SELECT 1 FROM comments r WHERE r.thread_id = comments.thread_id AND r.root_id = comments.id AND r.status = ?)",
			models.StatusApproved, models.StatusApproved)
	}
	return db.Where("comments.status = ? OR (comments.status = ? AND comments.commenter_key = ?) OR EXISTS (SELECT 1 FROM comments r WHERE r.thread_id = comments.thread_id AND r.root_id = comments.id AND (r.status = ? OR (r.status = ? AND r.commenter_key = ?)))",
		models.StatusApproved, models.StatusSpam, viewer, models.StatusApproved, models.StatusSpam, viewer)
}

// orderBy sorts top-level comments of one pinned group; the ties break by
// id, so the order is total and a cursor names one place in it.
func orderBy(db *gorm.DB, sortBy string) *gorm.DB {
	switch sortBy {
	case models.SortNewest:
		return db.Order("comments.created_at DESC, comments.id DESC")
	case models.SortTop:
		return db.Order("comments.score DESC, comments.created_at, comments.id")
	default:
		return db.Order("comments.created_at, comments.id")
	}
}

// afterCursor keeps the comments that come after c in the sort order, or
// with before set, those that come before it. The row-value comparisons
// let both databases seek in the paging indexes.
func afterCursor(db *gorm.DB, sortBy string, c *models.Cursor, before bool) *gorm.DB {
	later, earlier := ">", "<"
	if before {
		later, earlier = earlier, later
	}
	switch sortBy {
	case models.SortNewest:
		return db.Where("(comments.created_at, comments.id) "+earlier+" (?, ?)", c.CreatedAt, c.ID)
	case models.SortTop:
		if before {
			return db.Where("comments.score >= ? AND (comments.score > ? OR (comments.created_at, comments.id) < (?, ?))",
				c.Score, c.Score, c.CreatedAt, c.ID)
		}
		return db.Where("comments.score <= ? AND (comments.score < ? OR (comments.created_at, comments.id) > (?, ?))",
			c.Score, c.Score, c.CreatedAt, c.ID)
	default:
		return db.Where("(comments.created_at, comments.id) "+later+" (?, ?)", c.CreatedAt, c.ID)
	}
}

func cursorOf(c models.Comment) *models.Cursor {
	return &models.Cursor{ID: c.ID, Pinned: c.Pinned, Score: c.Score, CreatedAt: c.CreatedAt}
}

// nullID reads a nullable id column as GORM reads it into a *uint.
func nullID(v sql.NullInt64) *uint {
	if !v.Valid {
		return nil
	}
	id := uint(v.Int64)
	return &id
}

// decodeReasons reads a comment's reasons column as GORM's JSON serializer
// does: NULL and empty text are nil.
func decodeReasons(commentID uint, raw []byte) ([]models.Reason, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var out []models.Reason
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("comment %d: reasons: %w", commentID, err)
	}
	return out, nil
}
