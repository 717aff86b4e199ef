package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// QueueFilter selects comments for the moderation queue. Empty fields match
// everything.
type QueueFilter struct {
	Status   models.Status
	SiteID   string
	ThreadID uint   // one thread
	Page     string // a thread's page key, such as /posts/welcome
	Reason   string // a reason code, such as "links"
	Author   string // an author name or email, matched whole and case-insensitively
	Search   string // text in the body, author name or email, case-insensitive
	Before   uint   // only comments with a smaller id (the next page); 0 for the first
	Limit    int

	// ScanLimit, when positive, bounds the author, text and reason
	// filters, which no index serves and which otherwise read every
	// comment of the tab (a second on a million when few match): they look
	// only among this many of its newest comments below Before (see
	// QueueWindow). It does nothing for one thread's comments, which an
	// index finds.
	ScanLimit int
}

// scanning reports whether f reads a bounded window of comments.
func (f QueueFilter) scanning() bool {
	return f.ScanLimit > 0 && f.ThreadID == 0 &&
		(strings.TrimSpace(f.Author) != "" || strings.TrimSpace(f.Search) != "" || f.Reason != "")
}

// QueueItem is a comment with where it was posted, for moderators.
type QueueItem struct {
	models.Comment
	SiteID      string
	Page        string
	ThreadTitle string
}

// Queue lists comments newest first (by id), with their thread, in one
// query. Pages are keyset-paginated on the id, so the hundredth page costs
// what the first does; the index (status, id) serves the default filter.
func (s *Store) Queue(ctx context.Context, f QueueFilter) ([]QueueItem, error) {
	items, _, err := s.QueueWindow(ctx, f)
	return items, err
}

// QueueWindow lists comments as Queue does and, when f.ScanLimit bounds
// the search, reports where its window ended: the id of the oldest comment
// it read, to search below next, or 0 when no comment is left below it.
// The window is a range of ids, found first through idx_comments_queue, so
// the list itself walks that index in order with no sort. A search of a
// site that holds few of the tab's comments reads them all, through its
// threads, and needs no window.
func (s *Store) QueueWindow(ctx context.Context, f QueueFilter) (items []QueueItem, scannedTo uint, err error) {
	siteFirst, err := s.queueSiteFirst(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var floor uint
	if f.scanning() && !siteFirst {
		var ids []uint
		err := windowQuery(s.r.WithContext(ctx), f).Offset(f.ScanLimit-1).Limit(2).Pluck("id", &ids).Error
		if err != nil {
			return nil, 0, fmt.Errorf("store: queue window: %w", err)
		}
		if len(ids) > 0 {
			floor = ids[0]
		}
		if len(ids) > 1 {
			scannedTo = floor
		}
	}
	if err := queueQuery(s.r.WithContext(s.quick(ctx)), f, floor, siteFirst, s.postgres).Find(&items).Error; err != nil {
		return nil, 0, fmt.Errorf("store: queue: %w", err)
	}
	return items, scannedTo, nil
}

// queueSiteFirst reports whether the queue query should read the threads
// first (see siteFirst): for one page's comments always; for one thread's
// or one site's when they hold few of the tab's comments, counted for the
// thread through idx_comments_thread and for the site in
// comment_status_counts (walking the tab for an old thread's read 0.9-1.1 s
// on a million), searched or not; never otherwise.
func (s *Store) queueSiteFirst(ctx context.Context, f QueueFilter) (bool, error) {
	switch {
	case f.ThreadID > 0:
		return s.threadFirst(ctx, f.ThreadID, f.Status, queueLimit(f))
	case f.Page != "":
		return true, nil
	case f.SiteID == "":
		return false, nil
	}
	return s.siteFirst(ctx, f.SiteID, f.Status, queueLimit(f))
}

// queueLimit is the number of comments a queue page lists.
func queueLimit(f QueueFilter) int {
	if f.Limit <= 0 {
		return 50
	}
	return f.Limit
}

// windowQuery selects the ids of the tab's comments below the cursor,
// newest first: what a bounded search reads, ScanLimit of them at a time.
func windowQuery(db *gorm.DB, f QueueFilter) *gorm.DB {
	q := db.Table("comments").Select("id")
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	return q.Order("id DESC")
}

// queueQuery builds the queue's SELECT; tests read its plan. A positive
// floor is the lowest id a bounded search reads; siteFirst reads the
// site's threads before their comments.
func queueQuery(db *gorm.DB, f QueueFilter, floor uint, siteFirst, postgres bool) *gorm.DB {
	const columns = "comments.*, threads.site_id AS site_id, threads.page AS page, threads.title AS thread_title"
	q := fromThreadComments(db, siteFirst).Select(columns)
	if floor > 0 {
		q = q.Where("comments.id >= ?", floor)
	}
	if f.Status != "" {
		// For one thread's comments SQLite would still walk the tab in
		// order through idx_comments_queue (status, id) rather than sort a
		// thread's; the unary plus (SQLite's own hint, a syntax error for
		// text on PostgreSQL, which plans by statistics) leaves it
		// idx_comments_thread.
		status := "comments.status = ?"
		if siteFirst && !postgres && (f.ThreadID > 0 || f.Page != "") {
			status = "+" + status
		}
		q = q.Where(status, f.Status)
	}
	if f.SiteID != "" {
		q = q.Where("threads.site_id = ?", f.SiteID)
	}
	if f.ThreadID > 0 {
		q = q.Where("comments.thread_id = ?", f.ThreadID)
	}
	if f.Page != "" {
		q = q.Where("threads.page = ?", f.Page)
	}
	if f.Reason != "" {
		// Reasons are stored as JSON written by encoding/json, which never
		// puts a space after the colon, so this matches one whole code on
		// SQLite and PostgreSQL alike.
		code, _ := json.Marshal(f.Reason)
		q = q.Where(`comments.reasons LIKE ? ESCAPE '\'`, "%"+escapeLike(`"code":`+string(code))+"%")
	}
	// The database lowers both sides, with the same function (textFold), so
	// that a term matches "Émile" or "Иван" as stored however it is typed.
	if a := strings.TrimSpace(f.Author); a != "" {
		q = q.Where(folded(`(FOLD(comments.author) = FOLD(?) OR FOLD(comments.email) = FOLD(?))`, postgres, a), a, a)
	}
	if t := strings.TrimSpace(f.Search); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where(folded(`(FOLD(comments.body) LIKE FOLD(?) ESCAPE '\' OR FOLD(comments.author) LIKE FOLD(?) ESCAPE '\'`+
			` OR FOLD(comments.email) LIKE FOLD(?) ESCAPE '\')`, postgres, t), like, like, like)
	}
	if f.Before > 0 {
		q = q.Where("comments.id < ?", f.Before)
	}
	return q.Order("comments.id DESC").Limit(queueLimit(f))
}

// escapeLike makes s match literally inside a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// QueueCounts returns how many comments each status holds, for one site or
// all (siteID empty). It reads comment_status_counts, which triggers keep in
// step with the comments (see statuscounts.go), so its cost does not grow
// with the number of comments.
func (s *Store) QueueCounts(ctx context.Context, siteID string) (map[models.Status]int, error) {
	var rows []struct {
		Status models.Status
		N      int
	}
	if err := queueCountsQuery(s.r.WithContext(ctx), siteID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: queue counts: %w", err)
	}
	out := make(map[models.Status]int, len(models.Statuses))
	for _, r := range rows {
		if r.N != 0 {
			out[r.Status] = r.N
		}
	}
	return out, nil
}

// queueCountsQuery builds QueueCounts' SELECT; tests read its plan.
func queueCountsQuery(db *gorm.DB, siteID string) *gorm.DB {
	q := db.Table("comment_status_counts").Select("status, SUM(n) AS n")
	if siteID != "" {
		q = q.Where("site_id = ?", siteID)
	}
	return q.Group("status")
}

// Moderate moves the comments to status as SetStatus does and returns the
// audit entries it wrote, one per comment that changed, in the order of ids.
// A caller keeps their ids to undo exactly this change later.
func (s *Store) Moderate(ctx context.Context, ids []uint, status models.Status, actor Actor, note string) ([]models.AuditEntry, error) {
	if !status.Valid() {
		return nil, fmt.Errorf("store: moderate: invalid status %q", status)
	}
	var entries []models.AuditEntry
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seen := make(map[uint]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			e, changed, err := changeOne(tx, id, status, actor, note)
			if err != nil {
				return err
			}
			if changed {
				entries = append(entries, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: moderate %s: %w", status, err)
	}
	return entries, nil
}

// changeOne sets one comment's status through setStatusTx and returns the
// audit entry that call wrote. The comment's row is locked first (on
// PostgreSQL; SQLite has one writer), so the status setStatusTx reads is
// current. Every audit entry of a comment is written by the transaction
// that updates the comment's row, so the newest entry of the comment seen
// right after the update is this transaction's own.
func changeOne(tx *gorm.DB, id uint, status models.Status, actor Actor, note string) (models.AuditEntry, bool, error) {
	var e models.AuditEntry
	var locked []models.Comment
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", id).Find(&locked).Error; err != nil {
		return e, false, fmt.Errorf("lock comment %d: %w", id, err)
	}
	n, err := setStatusTx(tx, []uint{id}, status, actor, note)
	if err != nil || n == 0 {
		return e, false, err
	}
	if err := tx.Where("comment_id = ?", id).Order("id DESC").Take(&e).Error; err != nil {
		return e, false, fmt.Errorf("audit entry of comment %d: %w", id, err)
	}
	return e, true, nil
}

// ErrNotUndoable is returned when an audit entry is not a comment status
// change (a ban, a settings change…) and so has no undo here.
var ErrNotUndoable = errors.New("only a comment's status change can be undone")

// UndoConflictError says a comment moved on since the change to undo: its
// status is no longer the one that change set.
type UndoConflictError struct {
	CommentID uint
	Now, Want models.Status
}

func (e *UndoConflictError) Error() string {
	return fmt.Sprintf("comment %d is %s now, not %s", e.CommentID, e.Now, e.Want)
}

// Unwrap makes the conflict an models.ErrConflict for errors.Is.
func (e *UndoConflictError) Unwrap() error { return models.ErrConflict }

// Undo reverses the comment status change recorded in audit entry entryID:
// the comment goes back to the entry's Before status, but only while it
// still has the entry's After status (otherwise *UndoConflictError). The
// reversal is an audit entry of its own, with action "undo", returned.
func (s *Store) Undo(ctx context.Context, entryID uint, actor Actor) (models.AuditEntry, error) {
	var out models.AuditEntry
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e models.AuditEntry
		if err := tx.Where("id = ?", entryID).Take(&e).Error; err != nil {
			return notFound(err)
		}
		before, after := models.Status(e.Before), models.Status(e.After)
		if e.CommentID == nil || !before.Valid() || !after.Valid() || before == after {
			return ErrNotUndoable
		}
		var c models.Comment
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id", "status").
			Where("id = ?", *e.CommentID).Take(&c).Error
		if err != nil {
			return notFound(err)
		}
		if c.Status != after {
			return &UndoConflictError{CommentID: c.ID, Now: c.Status, Want: after}
		}
		undo, _, err := changeOne(tx, c.ID, before, actor, fmt.Sprintf("undo of entry #%d", e.ID))
		if err != nil {
			return err
		}
		undo.Action = "undo"
		out = undo
		return tx.Model(&models.AuditEntry{}).Where("id = ?", undo.ID).Update("action", undo.Action).Error
	})
	if err != nil {
		return out, fmt.Errorf("store: undo audit entry %d: %w", entryID, err)
	}
	return out, nil
}

// CommentStatuses returns the current status of each existing comment of ids.
func (s *Store) CommentStatuses(ctx context.Context, ids []uint) (map[uint]models.Status, error) {
	out := make(map[uint]models.Status, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.Comment
	if err := s.r.WithContext(ctx).Select("id", "status").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: comment statuses: %w", err)
	}
	for _, c := range rows {
		out[c.ID] = c.Status
	}
	return out, nil
}

// AuditEntries lists the audit log, newest first.
func (s *Store) AuditEntries(ctx context.Context, before uint, limit int) ([]models.AuditEntry, error) {
	q := s.r.WithContext(ctx).Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []models.AuditEntry
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return out, nil
}

// AddAudit writes one audit entry.
func (s *Store) AddAudit(ctx context.Context, e *models.AuditEntry) error {
	if err := s.w.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("store: add audit: %w", err)
	}
	return nil
}
