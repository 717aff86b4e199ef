package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"parley/models"
)

// ThreadHead is the little a read of a thread needs before a cached
// rendering can answer: the thread's row (zero when the page has none yet)
// and when its site's settings last changed.
type ThreadHead struct {
	Thread      models.Thread
	SiteUpdated time.Time
}

// threadHeadQuery reads a site and one of its threads in one indexed
// lookup each. It runs on every thread read, so it goes straight to
// database/sql: GORM's reflection cost more than the query.
const threadHeadQuery = `SELECT s.updated_at, t.id, t.version, t.comment_count, t.closed, t.title, t.url, t.post_id, t.created_at
FROM sites s LEFT JOIN threads t ON t.site_id = s.id AND t.page = %s WHERE s.id = %s`

// ThreadHead returns the head of a site's page; models.ErrNotFound when
// the site does not exist.
func (s *Store) ThreadHead(ctx context.Context, siteID, page string) (ThreadHead, error) {
	head, err := remembered(&s.memo, s.memo.threadMap, headKey{siteID, page}, isNotFound,
		func() (ThreadHead, error) { return s.threadHead(ctx, siteID, page) })
	return head.detached(), err
}

func (s *Store) threadHead(ctx context.Context, siteID, page string) (ThreadHead, error) {
	head := ThreadHead{Thread: models.Thread{SiteID: siteID, Page: page}}
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return head, fmt.Errorf("store: thread head: %w", err)
	}
	// One struct for the columns: Scan takes pointers, so separate
	// variables were a dozen allocations on every read.
	var r struct {
		id, version, count, postID sql.NullInt64
		closed                     sql.NullBool
		title, url                 sql.NullString
		created                    sql.NullTime
	}
	err = stmts.thread.QueryRowContext(s.quick(ctx), page, siteID).
		Scan(&head.SiteUpdated, &r.id, &r.version, &r.count, &r.closed, &r.title, &r.url, &r.postID, &r.created)
	if errors.Is(err, sql.ErrNoRows) {
		return head, fmt.Errorf("store: thread head %s%s: %w", siteID, page, models.ErrNotFound)
	}
	if err != nil {
		return head, fmt.Errorf("store: thread head %s%s: %w", siteID, page, err)
	}
	if r.id.Valid {
		t := &head.Thread
		t.ID, t.Version, t.Count, t.Closed = uint(r.id.Int64), r.version.Int64, int(r.count.Int64), r.closed.Bool
		t.Title, t.URL, t.CreatedAt = r.title.String, r.url.String, r.created.Time
		if r.postID.Valid {
			p := uint(r.postID.Int64)
			t.PostID = &p
		}
	}
	return head, nil
}

// PostHead is the little a read of a post page needs before a cached page
// can answer: the post's id, state and last change, and its thread's head.
type PostHead struct {
	PostID      uint
	Published   bool
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ThreadHead
}

const postHeadQuery = `SELECT p.id, p.published, p.published_at, p.created_at, p.updated_at, s.updated_at,
t.id, t.version, t.comment_count, t.closed, t.title, t.url, t.created_at
FROM posts p JOIN threads t ON t.post_id = p.id JOIN sites s ON s.id = p.site_id
WHERE p.site_id = %s AND p.slug = %s`

// PostHead returns the head of a site's post by slug; models.ErrNotFound
// when there is no such post.
func (s *Store) PostHead(ctx context.Context, siteID, slug string) (PostHead, error) {
	h, err := remembered(&s.memo, s.memo.postMap, headKey{siteID, slug}, isNotFound,
		func() (PostHead, error) { return s.postHead(ctx, siteID, slug) })
	return h.detached(), err
}

func (s *Store) postHead(ctx context.Context, siteID, slug string) (PostHead, error) {
	var h PostHead
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return h, fmt.Errorf("store: post head: %w", err)
	}
	var published sql.NullTime
	var id int64
	var title, url sql.NullString
	t := &h.Thread
	err = stmts.post.QueryRowContext(s.quick(ctx), siteID, slug).Scan(&id, &h.Published, &published, &h.CreatedAt, &h.UpdatedAt,
		&h.SiteUpdated, &t.ID, &t.Version, &t.Count, &t.Closed, &title, &url, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("store: post head %s/%s: %w", siteID, slug, models.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("store: post head %s/%s: %w", siteID, slug, err)
	}
	h.PostID, t.Title, t.URL = uint(id), title.String, url.String
	if published.Valid {
		h.PublishedAt = &published.Time
	}
	t.SiteID, t.Page = siteID, models.Post{Slug: slug}.PagePath()
	pid := h.PostID
	t.PostID = &pid
	return h, nil
}

// PostRules is what judging a new comment needs of its post.
type PostRules struct {
	PublishedAt *time.Time
	// Moderation overrides the site's mode; "" follows the site.
	Moderation string
}

const postRulesQuery = "SELECT published_at, moderation FROM posts WHERE id = %s"

// PostRules returns a post's publication time and moderation override; by
// a prepared statement, since every new comment on a post asks (loading
// the whole post through GORM was 5% of a new comment's CPU).
func (s *Store) PostRules(ctx context.Context, postID uint) (PostRules, error) {
	var r PostRules
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return r, fmt.Errorf("store: post %d rules: %w", postID, err)
	}
	var published sql.NullTime
	err = stmts.postRules.QueryRowContext(s.quick(ctx), postID).Scan(&published, &r.Moderation)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: post %d rules: %w", postID, models.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: post %d rules: %w", postID, err)
	}
	if published.Valid {
		r.PublishedAt = &published.Time
	}
	return r, nil
}

// headStatements are the head queries and a new comment's checks
// (judgereads.go), prepared on the read pool on first use: preparing them
// on every request cost as much as running them.
// A failed preparation is tried again on the next request.
type headStatements struct {
	mu    sync.Mutex
	ready bool
	stmts preparedHeads
}

// preparedHeads are the prepared statements themselves.
type preparedHeads struct {
	thread, post, site, queue, session, counts, postRules *sql.Stmt
	activeBans, dupByKey, dupByIP                         *sql.Stmt
}

// siteUpdatedQuery is when a site's settings last changed.
const siteUpdatedQuery = "SELECT updated_at FROM sites WHERE id = %s"

func (h *headStatements) prepared(s *Store) (preparedHeads, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ready {
		return h.stmts, nil
	}
	db, err := s.r.DB()
	if err != nil {
		return h.stmts, err
	}
	for _, q := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&h.stmts.thread, fmt.Sprintf(threadHeadQuery, s.placeholder(1), s.placeholder(2))},
		{&h.stmts.post, fmt.Sprintf(postHeadQuery, s.placeholder(1), s.placeholder(2))},
		{&h.stmts.site, fmt.Sprintf(siteUpdatedQuery, s.placeholder(1))},
		{&h.stmts.queue, queueVersionQuery},
		{&h.stmts.counts, fmt.Sprintf(s.countsQuery(), s.placeholder(1), s.placeholder(2))},
		{&h.stmts.session, fmt.Sprintf(sessionModeratorQuery, s.placeholder(1), s.placeholder(2), s.falseLiteral())},
		{&h.stmts.postRules, fmt.Sprintf(postRulesQuery, s.placeholder(1))},
		{&h.stmts.activeBans, fmt.Sprintf(activeBansQuery, s.placeholder(1), s.placeholder(2))},
		{&h.stmts.dupByKey, s.duplicateQuery(dupByKey)},
		{&h.stmts.dupByIP, s.duplicateQuery(dupByIP)},
	} {
		if *q.stmt != nil {
			continue
		}
		if *q.stmt, err = db.Prepare(q.query); err != nil {
			return h.stmts, fmt.Errorf("prepare: %w", err)
		}
	}
	h.ready = true
	return h.stmts, nil
}

func (h *headStatements) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, st := range []*sql.Stmt{h.stmts.thread, h.stmts.post, h.stmts.site, h.stmts.queue, h.stmts.session, h.stmts.counts, h.stmts.postRules,
		h.stmts.activeBans, h.stmts.dupByKey, h.stmts.dupByIP} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// SiteCounts returns the approved-comment count of each page of a site that
// has a thread, and when the site's settings last changed; found is false
// for an unknown site.
func (s *Store) SiteCounts(ctx context.Context, siteID string, pages []string) (counts map[string]int, siteUpdated time.Time, found bool, err error) {
	siteUpdated, found, err = s.SiteUpdated(ctx, siteID)
	if err != nil || !found {
		return map[string]int{}, siteUpdated, found, err
	}
	counts, err = s.PageCounts(ctx, siteID, pages)
	return counts, siteUpdated, true, err
}

// siteUpdated is when a site's settings last changed, and whether the
// site exists.
type siteUpdated struct {
	at    time.Time
	found bool
}

// SiteUpdated returns when a site's settings last changed; found is false
// for an unknown site. A prepared statement: the counts script asks on
// every page view of a blog.
func (s *Store) SiteUpdated(ctx context.Context, siteID string) (updated time.Time, found bool, err error) {
	su, err := remembered(&s.memo, s.memo.siteMap, siteID, neverRemembered, func() (siteUpdated, error) {
		at, found, err := s.siteUpdated(ctx, siteID)
		return siteUpdated{at, found}, err
	})
	return su.at, su.found, err
}

func (s *Store) siteUpdated(ctx context.Context, siteID string) (updated time.Time, found bool, err error) {
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return updated, false, fmt.Errorf("store: site %s: %w", siteID, err)
	}
	err = stmts.site.QueryRowContext(s.quick(ctx), siteID).Scan(&updated)
	if errors.Is(err, sql.ErrNoRows) {
		return updated, false, nil
	}
	if err != nil {
		return updated, false, fmt.Errorf("store: site %s: %w", siteID, err)
	}
	return updated, true, nil
}

// PageCounts returns the approved-comment count of each of the pages that
// has a thread on the site, by one prepared statement.
func (s *Store) PageCounts(ctx context.Context, siteID string, pages []string) (map[string]int, error) {
	counts := make(map[string]int, len(pages))
	if len(pages) == 0 {
		return counts, nil
	}
	stmts, err := s.heads.prepared(s)
	if err != nil {
		return counts, fmt.Errorf("store: counts: %w", err)
	}
	list, err := json.Marshal(pages)
	if err != nil {
		return counts, fmt.Errorf("store: counts: %w", err)
	}
	rows, err := stmts.counts.QueryContext(s.quick(ctx), siteID, string(list))
	if err != nil {
		return counts, fmt.Errorf("store: counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var page string
		var n int
		if err := rows.Scan(&page, &n); err != nil {
			return counts, fmt.Errorf("store: counts: %w", err)
		}
		counts[page] = n
	}
	if err := rows.Err(); err != nil {
		return counts, fmt.Errorf("store: counts: %w", err)
	}
	return counts, nil
}

// detached is the head with its own copy of what its pointers point to, so
// that a caller changing it cannot change what the memo holds.
func (h ThreadHead) detached() ThreadHead {
	if h.Thread.PostID != nil {
		id := *h.Thread.PostID
		h.Thread.PostID = &id
	}
	return h
}

// detached is the post head with its own copies, as ThreadHead.detached.
func (h PostHead) detached() PostHead {
	if h.PublishedAt != nil {
		at := *h.PublishedAt
		h.PublishedAt = &at
	}
	h.ThreadHead = h.ThreadHead.detached()
	return h
}

// isNotFound reports whether err is the answer for a row that does not
// exist, which the memo remembers as it remembers rows.
func isNotFound(err error) bool { return errors.Is(err, models.ErrNotFound) }

// neverRemembered is for reads whose only errors are failures.
func neverRemembered(error) bool { return false }

// quick is ctx for the short reads of the hot path, and for reads whose
// rows are few and bounded (a thread's page, a feed, a list of posts, the
// queue's page) or looked at between pages (an export). On SQLite it is
// ctx without its cancellation: for a context that can be cancelled, as a
// request's is, database/sql starts a goroutine per query to watch it and
// the SQLite driver one per row read, which cost more than these queries
// themselves (a 100-comment thread page: 1.2 against 1.9 ms,
// BenchmarkThreadPageUnderARequest), and such a read is over long before
// a cancellation would help. PostgreSQL keeps it: there a query waits on
// the network.
func (s *Store) quick(ctx context.Context) context.Context {
	if s.postgres {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// falseLiteral is SQL's false as the database spells it.
func (s *Store) falseLiteral() string {
	if s.postgres {
		return "FALSE"
	}
	return "0"
}

// countsQuery reads the counts of the pages listed in a JSON array: one
// prepared statement for any number of pages, where an IN list of
// placeholders would be parsed and planned again for every request.
func (s *Store) countsQuery() string {
	if s.postgres {
		return "SELECT page, comment_count FROM threads WHERE site_id = %s AND page IN (SELECT jsonb_array_elements_text(%s::jsonb))"
	}
	return "SELECT page, comment_count FROM threads WHERE site_id = %s AND page IN (SELECT value FROM json_each(%s))"
}

// placeholder is the n-th (1-based) query parameter in the database's syntax.
func (s *Store) placeholder(n int) string {
	if s.postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}
