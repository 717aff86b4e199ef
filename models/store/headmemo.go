package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// maxMemoEntries bounds each of the memo's maps: pages nobody has asked
// for before (or that do not exist) cannot grow it without end. Past the
// bound, heads are read from the database as if there were no memo.
const maxMemoEntries = 4096

// headMemo remembers the heads of the hot read path (thread, post, site,
// queue version and a moderator's session) for as long as nothing has been
// committed to the SQLite file. Every commit, by any connection in this
// process or in another one (an import or a second Parley on the same
// file), rewrites the header of the database's wal-index, so a read that
// finds the header unchanged may answer with what an earlier read found. Reading the header costs a few
// memory loads. PostgreSQL has no such header: there the memo stays off
// and every read asks for its head.
type headMemo struct {
	mu sync.Mutex
	// conn is a connection of the memo's own, held so that SQLite keeps
	// the wal-index file the memo reads; wal is nil when the memo is off.
	// shm is the wal-index file the memo opened, let go of by release
	// once the store has closed every connection (see shmFile).
	conn *sql.Conn
	wal  *walIndex
	shm  *shmFile
	// version is the header the entries below were read at.
	version walHeader
	threads map[headKey]memoEntry[ThreadHead]
	posts   map[headKey]memoEntry[PostHead]
	sites   map[string]memoEntry[siteUpdated]
	queue   map[struct{}]memoEntry[int64]
	// sessions are signed-in moderators by session id.
	sessions map[string]memoEntry[sessionOf]
}

// headKey names a thread (site and page) or a post (site and slug).
type headKey struct{ site, name string }

// memoEntry is a remembered answer: a value, or the error it was (only
// models.ErrNotFound-like answers are remembered, never failures).
type memoEntry[T any] struct {
	value T
	err   error
}

// memoAt is the wal-index header a read saw before it looked at the memo;
// ok is false when the memo is off or the header could not be read.
type memoAt struct {
	version walHeader
	ok      bool
}

// start takes the memo's connection from db (the read pool), makes sure
// the database at path is in WAL mode and maps its wal-index.
func (m *headMemo) start(ctx context.Context, db *sql.DB, path string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: head memo: %w", err)
	}
	// journal_mode tells that there is a wal-index; a read of the schema
	// opens it on this connection, which keeps it open until it closes.
	var mode string
	var tables int
	err = conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	if err == nil {
		err = conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables)
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("store: head memo: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		conn.Close()
		return fmt.Errorf("store: head memo: the database is in %s mode, not WAL", mode)
	}
	shm, err := openShmFile(path)
	if err != nil {
		conn.Close()
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.shm = shm // from now on released only by release
	wal, err := mapWALIndex(shm)
	if err != nil {
		conn.Close()
		return err
	}
	m.conn, m.wal = conn, wal
	m.resetLocked(walHeader{})
	return nil
}

// close turns the memo off: it unmaps the header and gives its connection
// back to the pool. The wal-index file stays open until release.
func (m *headMemo) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closeLocked()
}

func (m *headMemo) closeLocked() error {
	if m.wal == nil {
		return nil
	}
	err := errors.Join(m.wal.unmap(), m.conn.Close())
	m.conn, m.wal = nil, nil
	return err
}

// release lets go of the wal-index file, after close and once the store
// has closed every connection to the database.
func (m *headMemo) release() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shm == nil {
		return nil
	}
	err := m.shm.release()
	m.shm = nil
	return err
}

// now reads the wal-index header. When it moved, everything remembered is
// dropped. A mapping that faults turns the memo off for good.
func (m *headMemo) now() memoAt {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wal == nil {
		return memoAt{}
	}
	h, ok, err := m.wal.header()
	if err != nil {
		m.closeLocked()
		return memoAt{}
	}
	if !ok {
		return memoAt{}
	}
	if h != m.version {
		m.resetLocked(h)
	}
	return memoAt{version: h, ok: true}
}

func (m *headMemo) resetLocked(version walHeader) {
	m.version = version
	m.threads = make(map[headKey]memoEntry[ThreadHead])
	m.posts = make(map[headKey]memoEntry[PostHead])
	m.sites = make(map[string]memoEntry[siteUpdated])
	m.queue = make(map[struct{}]memoEntry[int64])
	m.sessions = make(map[string]memoEntry[sessionOf])
}

// currentLocked reports whether entries may be read or written for a read
// at at: the memo is on and nothing was committed since at was taken.
func (m *headMemo) currentLocked(at memoAt) bool {
	return at.ok && m.wal != nil && at.version == m.version
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
func (m *headMemo) sessionMap() map[string]memoEntry[sessionOf]  { return m.sessions }

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
