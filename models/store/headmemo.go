package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
)

// maxMemoEntries bounds each of the memo's maps: pages nobody has asked
// for before (or that do not exist) cannot grow it without end. Past the
// bound, heads are read from the database as if there were no memo.
const maxMemoEntries = 4096

// headMemo remembers the heads of the hot read path (thread, post, site and
// queue version) for as long as nothing has been committed to the SQLite
// file. SQLite's PRAGMA data_version, asked on a connection of the memo's
// own, moves with every commit by any other connection, in this process or
// in another one (an import or a second Parley on the same file), so a
// read that finds it unchanged may answer with what an earlier read found.
// Asking costs a fraction of the head queries it saves. PostgreSQL has no
// such counter: there the memo stays off and every read asks for its head.
type headMemo struct {
	mu sync.Mutex
	// conn is the memo's own read-only connection and version the data
	// version the entries below were read at; conn is nil when the memo
	// is off or its connection has failed.
	conn    *sql.Conn
	pragma  driver.Stmt
	row     [1]driver.Value
	version int64
	threads map[headKey]memoEntry[ThreadHead]
	posts   map[headKey]memoEntry[PostHead]
	sites   map[string]memoEntry[siteUpdated]
	queue   map[struct{}]memoEntry[int64]
}

// headKey names a thread (site and page) or a post (site and slug).
type headKey struct{ site, name string }

// memoEntry is a remembered answer: a value, or the error it was (only
// models.ErrNotFound-like answers are remembered, never failures).
type memoEntry[T any] struct {
	value T
	err   error
}

// memoAt is the data version a read saw before it looked at the memo;
// ok is false when the memo is off.
type memoAt struct {
	version int64
	ok      bool
}

// start takes the memo's connection from db (the read pool) and prepares
// the pragma on it.
func (m *headMemo) start(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: head memo: %w", err)
	}
	var pragma driver.Stmt
	err = conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver %T cannot prepare with a context", dc)
		}
		pragma, err = prep.PrepareContext(ctx, "PRAGMA data_version")
		return err
	})
	if err == nil {
		if _, ok := pragma.(driver.StmtQueryContext); !ok {
			pragma.Close()
			err = fmt.Errorf("driver statement %T cannot query with a context", pragma)
		}
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("store: head memo: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conn, m.pragma = conn, pragma
	m.resetLocked(0)
	return nil
}

// close releases the memo's connection and turns the memo off.
func (m *headMemo) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closeLocked()
}

func (m *headMemo) closeLocked() error {
	if m.conn == nil {
		return nil
	}
	err := m.conn.Raw(func(any) error { return m.pragma.Close() })
	err = errors.Join(err, m.conn.Close())
	m.conn, m.pragma = nil, nil
	return err
}

// now reads the data version. When it moved, everything remembered is
// dropped. A failed read turns the memo off for good, since a new
// connection's versions could not be compared with the old one's.
func (m *headMemo) now() memoAt {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil {
		return memoAt{}
	}
	v, err := m.dataVersionLocked()
	if err != nil {
		m.closeLocked()
		return memoAt{}
	}
	if v != m.version {
		m.resetLocked(v)
	}
	return memoAt{version: v, ok: true}
}

// dataVersionLocked asks the driver directly: through database/sql the
// pragma cost as much as the head query it replaces. Without a context
// that can be cancelled, as Store.quick explains.
func (m *headMemo) dataVersionLocked() (int64, error) {
	var v int64
	err := m.conn.Raw(func(any) error {
		rows, err := m.pragma.(driver.StmtQueryContext).QueryContext(context.Background(), nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := rows.Next(m.row[:]); err != nil {
			return err
		}
		var ok bool
		if v, ok = m.row[0].(int64); !ok {
			return fmt.Errorf("data_version is %T", m.row[0])
		}
		return nil
	})
	return v, err
}

func (m *headMemo) resetLocked(version int64) {
	m.version = version
	m.threads = make(map[headKey]memoEntry[ThreadHead])
	m.posts = make(map[headKey]memoEntry[PostHead])
	m.sites = make(map[string]memoEntry[siteUpdated])
	m.queue = make(map[struct{}]memoEntry[int64])
}

// currentLocked reports whether entries may be read or written for a read
// at at: the memo is on and nothing was committed since at was taken.
func (m *headMemo) currentLocked(at memoAt) bool {
	return at.ok && m.conn != nil && at.version == m.version
}

// memoGet looks key up in one of the memo's maps for a read at at.
func memoGet[K comparable, T any](m *headMemo, at memoAt, entries func() map[K]memoEntry[T], key K) (memoEntry[T], bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.currentLocked(at) {
		return memoEntry[T]{}, false
	}
	e, ok := entries()[key]
	return e, ok
}

// memoPut remembers what a read at at found for key, unless something was
// committed since at (then the answer may already be out of date) or the
// map is full.
func memoPut[K comparable, T any](m *headMemo, at memoAt, entries func() map[K]memoEntry[T], key K, e memoEntry[T]) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.currentLocked(at) {
		return
	}
	if mp := entries(); len(mp) < maxMemoEntries {
		mp[key] = e
	}
}

func (m *headMemo) threadMap() map[headKey]memoEntry[ThreadHead] { return m.threads }
func (m *headMemo) postMap() map[headKey]memoEntry[PostHead]     { return m.posts }
func (m *headMemo) siteMap() map[string]memoEntry[siteUpdated]   { return m.sites }
func (m *headMemo) queueMap() map[struct{}]memoEntry[int64]      { return m.queue }

// remembered runs read for key unless the memo has its answer, and
// remembers a found or not-found answer.
func remembered[K comparable, T any](m *headMemo, entries func() map[K]memoEntry[T], key K,
	notFound func(error) bool, read func() (T, error)) (T, error) {
	at := m.now()
	if e, ok := memoGet(m, at, entries, key); ok {
		return e.value, e.err
	}
	v, err := read()
	if err == nil || notFound(err) {
		memoPut(m, at, entries, key, memoEntry[T]{value: v, err: err})
	}
	return v, err
}
