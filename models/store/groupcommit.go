package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// Group commit. With synchronous=FULL every commit waits for an fsync, so
// one transaction per comment caps writes at what the disk syncs per second.
// The committer is one goroutine owned by the Store: CreateComment hands it
// the comment and waits; it takes every comment waiting at that moment (up
// to maxBatch), writes them in one transaction and answers each caller once
// that transaction is durable. While one batch commits, the next queues up,
// so batches grow with the load and a lone comment is never delayed.

// Defaults of the committer; BENCHMARKS.md has the measurements behind them.
const (
	defaultMaxBatch = 64
	defaultLinger   = 0
)

// ErrClosed is returned for a comment handed to a store that is closing.
var ErrClosed = errors.New("store: closed")

// States of a commitRequest: the caller may withdraw a queued request when
// its context ends, but once the committer has taken it the caller waits
// for the real outcome, so a comment is never stored behind an error.
const (
	reqQueued int32 = iota
	reqTaken
	reqWithdrawn
)

type commitRequest struct {
	ctx      context.Context
	c        *models.Comment
	maxDepth int
	state    atomic.Int32
	done     chan error
}

// GroupCommitStats counts the committer's work since the store opened.
type GroupCommitStats struct {
	Batches  int64 // transactions committed or attempted
	Comments int64 // comments stored
	MaxBatch int64 // the largest batch so far
}

type groupCommitter struct {
	db       *gorm.DB
	writes   *writerStatements
	maxBatch int
	linger   time.Duration
	reqs     chan *commitRequest
	quit     chan struct{}
	stopped  sync.WaitGroup
	once     sync.Once

	batches, comments, largest atomic.Int64
}

// newGroupCommitter starts a committer writing through db. Its request
// channel is unbuffered: a hand-over succeeds only when the committer takes
// the request, so none is stranded in a buffer when it stops.
func newGroupCommitter(db *gorm.DB, writes *writerStatements, maxBatch int, linger time.Duration) *groupCommitter {
	g := &groupCommitter{db: db, writes: writes, maxBatch: max(maxBatch, 1), linger: linger,
		reqs: make(chan *commitRequest), quit: make(chan struct{})}
	g.stopped.Add(1)
	go g.run()
	return g
}

// stop ends the committer after the batch in flight; callers still waiting
// to hand over a comment get ErrClosed.
func (g *groupCommitter) stop() {
	g.once.Do(func() { close(g.quit) })
	g.stopped.Wait()
}

// submit hands c to the committer and waits until its batch is durable.
func (g *groupCommitter) submit(ctx context.Context, c *models.Comment, maxDepth int) error {
	r := &commitRequest{ctx: ctx, c: c, maxDepth: maxDepth, done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-g.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqWithdrawn) {
			return ctx.Err()
		}
		return <-r.done
	}
}

func (g *groupCommitter) run() {
	defer g.stopped.Done()
	batch := make([]*commitRequest, 0, g.maxBatch)
	for {
		select {
		case r := <-g.reqs:
			batch = append(batch[:0], r)
		case <-g.quit:
			return
		}
		batch = g.collect(batch)
		g.commit(batch)
		clear(batch)
	}
}

// collect adds the requests already waiting, and with a linger those that
// arrive within it, up to maxBatch.
func (g *groupCommitter) collect(batch []*commitRequest) []*commitRequest {
	var deadline <-chan time.Time
	if g.linger > 0 {
		t := time.NewTimer(g.linger)
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < g.maxBatch {
		if deadline == nil {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
				continue
			default:
				return batch
			}
		}
		select {
		case r := <-g.reqs:
			batch = append(batch, r)
		case <-deadline:
			return batch
		}
	}
	return batch
}

// commit writes the batch in one transaction. A comment that fails its
// checks (a bad parent) is answered with its error and the others go on;
// any other failure rolls the batch back and each comment is retried in a
// transaction of its own, so one bad row never fails the rest.
func (g *groupCommitter) commit(batch []*commitRequest) {
	live := batch[:0:0]
	for _, r := range batch {
		if !r.state.CompareAndSwap(reqQueued, reqTaken) {
			continue // the caller gave up while queued
		}
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	g.batches.Add(1)
	if n := int64(len(live)); n > g.largest.Load() {
		g.largest.Store(n)
	}
	results := make([]error, len(live))
	err := g.db.WithContext(context.Background()).Transaction(func(tx *gorm.DB) error {
		for i, r := range live {
			if err := placeReply(tx, g.writes, r.c, r.maxDepth); err != nil {
				if errors.Is(err, models.ErrBadParent) {
					results[i] = err
					continue
				}
				return err
			}
			if err := insertComment(tx, g.writes, r.c); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for i, r := range live {
			if results[i] == nil {
				g.comments.Add(1)
			}
			r.done <- wrapCreate(results[i])
		}
		return
	}
	for _, r := range live {
		r.c.ID = 0
		r.done <- wrapCreate(createOne(r.ctx, g.db, g.writes, r.c, r.maxDepth))
	}
}

// Stats returns the committer's counters.
func (g *groupCommitter) Stats() GroupCommitStats {
	return GroupCommitStats{Batches: g.batches.Load(), Comments: g.comments.Load(), MaxBatch: g.largest.Load()}
}

// GroupCommitStats returns how many batches and comments the group
// committer wrote since the store opened.
func (s *Store) GroupCommitStats() GroupCommitStats {
	if s.gc == nil {
		return GroupCommitStats{}
	}
	return s.gc.Stats()
}

func wrapCreate(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: create comment: %w", err)
}
