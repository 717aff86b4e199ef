package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"gorm.io/gorm"

	"parley/models"
)

// DumpImportOptions configure ImportDump.
type DumpImportOptions struct {
	// WelcomeSlug names the post Bootstrap wrote. In a database without
	// comments (a fresh one), a dump that brings posts of the default site
	// replaces that post, and the dump's sites replace the bootstrapped ones,
	// so that a restored blog is exactly the exported one.
	WelcomeSlug string
	// Progress, if set, is called after each comment record.
	Progress func(comments int)
	// BatchSize is how many records one transaction stores; 0 means 500.
	BatchSize int
	// RestoreKeys lets the dump's signing keys replace a fresh database's.
	// Only "parley import json" sets it: a running server would go on
	// signing with the keys it loaded at start.
	RestoreKeys bool
}

// dumpParentSource marks waiting replies of a dump import: their parent is
// named by its id in the dump.
const dumpParentSource = "#dump"

// dumpCommentSource marks a comment that got a new id because its dump id
// was taken here; its external id is the dump id, so a rerun finds it.
const dumpCommentSource = "parley"

// ImportDump reads a dump written by Export and stores what the database
// lacks. Records keep their ids where those are free, so a dump read into
// a fresh database exports again to the same bytes. What is there already
// is left alone: sites by id, moderators by email, posts by site and slug,
// threads by site and page, comments by source and external id or else by
// id, thread and time. Moderators come back without a password.
func (s *Store) ImportDump(ctx context.Context, r io.Reader, opts DumpImportOptions) (models.ImportResult, error) {
	res := models.ImportResult{Format: "json", Statuses: map[models.Status]int{}}
	var n int64
	if err := s.w.WithContext(ctx).Model(&models.Comment{}).Count(&n).Error; err != nil {
		return res, fmt.Errorf("store: import dump: %w", err)
	}
	run := &dumpRun{s: s, ctx: ctx, opts: opts, res: &res, fresh: n == 0,
		posts: map[uint]uint{}, threads: map[uint]uint{}, moderators: map[uint]uint{}, remap: map[uint]uint{},
		threadSites: map[uint]string{}, skippedComments: map[uint]bool{}, keyPurposes: map[string]bool{}}
	if run.opts.BatchSize <= 0 {
		run.opts.BatchSize = defaultImportBatch
	}
	err := run.read(json.NewDecoder(r))
	if ferr := run.flush(); err == nil {
		err = ferr
	}
	if err == nil {
		err = run.finish()
	}
	if err != nil {
		return res, fmt.Errorf("store: import dump: %w", err)
	}
	return res, nil
}

// dumpRun is the state of one ImportDump.
type dumpRun struct {
	s     *Store
	ctx   context.Context
	opts  DumpImportOptions
	res   *models.ImportResult
	fresh bool // the database had no comments: restore, don't merge

	batch       []func(tx *gorm.DB) error
	approved    map[uint]int
	pending     []importParent
	welcome     bool            // the bootstrapped welcome post was dealt with
	posts       map[uint]uint   // dump post id → local id
	threads     map[uint]uint   // dump thread id → local id
	moderators  map[uint]uint   // dump moderator id → local id
	remap       map[uint]uint   // dump comment id → local id, where they differ
	threadSites map[uint]string // local thread id → its site
	// skippedComments are dump comment ids that were not stored, so that
	// nothing later is pinned on a local comment that happens to share one.
	skippedComments map[uint]bool
	keyPurposes     map[string]bool // purposes whose keys this run replaced
	comments        int
}

// read walks the dump's top-level object, one record at a time.
func (run *dumpRun) read(dec *json.Decoder) error {
	if err := wantDelim(dec, '{'); err != nil {
		return err
	}
	seenFormat := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "format":
			var f string
			if err := dec.Decode(&f); err != nil || f != DumpFormat {
				return fmt.Errorf("not a Parley export (format %q)", f)
			}
			seenFormat = true
			continue
		case "version":
			var v int
			if err := dec.Decode(&v); err != nil || v < 1 || v > DumpVersion {
				return fmt.Errorf("export version %d is not one this Parley reads (1 to %d)", v, DumpVersion)
			}
			continue
		}
		if !seenFormat {
			return errors.New(`not a Parley export (no "format" first)`)
		}
		switch key {
		case "sites":
			err = readArray(dec, run, "site", run.site)
		case "moderators":
			err = readArray(dec, run, "moderator", run.moderator)
		case "posts":
			err = readArray(dec, run, "post", run.post)
		case "threads":
			err = readArray(dec, run, "thread", run.thread)
		case "comments":
			err = readArray(dec, run, "comment", run.comment)
		case "redirects":
			err = readArray(dec, run, "redirect", run.redirect)
		case "bans":
			err = readArray(dec, run, "ban", run.ban)
		case "subscribers":
			err = readArray(dec, run, "subscriber", run.subscriber)
		case "audit":
			err = readArray(dec, run, "audit entry", run.auditEntry)
		case "keys":
			err = readArray(dec, run, "key", run.key)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return err
		}
	}
	if !seenFormat {
		return errors.New("not a Parley export (empty)")
	}
	return wantDelim(dec, '}')
}

func wantDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if tok != d {
		return fmt.Errorf("read: want %q, got %v", d, tok)
	}
	return nil
}

// readArray decodes an array record by record and queues each for the
// batch. A record of the wrong shape is skipped with the reason.
func readArray[T any](dec *json.Decoder, run *dumpRun, what string, store func(tx *gorm.DB, v T) error) error {
	if err := wantDelim(dec, '['); err != nil {
		return fmt.Errorf("%ss: %w", what, err)
	}
	for i := 1; dec.More(); i++ {
		var v T
		if err := dec.Decode(&v); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return fmt.Errorf("%s %d: %w", what, i, err)
			}
			run.res.Skip(fmt.Sprintf("%s %d", what, i), 0, err.Error())
			continue
		}
		run.batch = append(run.batch, func(tx *gorm.DB) error { return store(tx, v) })
		if what == "comment" {
			run.comments++
			if run.opts.Progress != nil {
				run.opts.Progress(run.comments)
			}
		}
		if len(run.batch) >= run.opts.BatchSize {
			if err := run.flush(); err != nil {
				return err
			}
		}
	}
	return wantDelim(dec, ']')
}

// flush stores the queued records in one transaction.
func (run *dumpRun) flush() error {
	if len(run.batch) == 0 {
		return nil
	}
	run.approved = map[uint]int{}
	run.pending = run.pending[:0]
	err := run.s.w.WithContext(run.ctx).Transaction(func(tx *gorm.DB) error {
		for _, op := range run.batch {
			if err := op(tx); err != nil {
				return err
			}
		}
		for tid, n := range run.approved {
			if err := addCount(tx, tid, n); err != nil {
				return err
			}
		}
		if len(run.pending) > 0 {
			if err := tx.CreateInBatches(run.pending, 100).Error; err != nil {
				return err
			}
		}
		return run.s.syncSequences(tx)
	})
	run.batch = run.batch[:0]
	return err
}

// finish gives every post a thread, links replies and computes depths.
func (run *dumpRun) finish() error {
	err := run.s.w.WithContext(run.ctx).Transaction(func(tx *gorm.DB) error {
		var orphans []models.Post
		err := tx.Where("id NOT IN (?)", tx.Model(&models.Thread{}).Select("post_id").Where("post_id IS NOT NULL")).
			Find(&orphans).Error
		if err != nil {
			return err
		}
		for i := range orphans {
			if err := createPostThread(tx, &orphans[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("post threads: %w", err)
	}
	touched, orphans, err := run.s.resolveParents(run.ctx, "", dumpParentSource, run.lookupParents)
	run.res.Orphans += orphans
	if err != nil {
		return err
	}
	return run.s.fixDepths(run.ctx, touched, 0)
}

// lookupParents maps dump parent ids to local comments on the same thread.
func (run *dumpRun) lookupParents(tx *gorm.DB, _, _ string, rows []importParent) (map[uint]uint, error) {
	want := make(map[uint]uint, len(rows)) // comment → candidate parent
	ids := make([]uint, 0, len(rows))
	for _, r := range rows {
		n, err := strconv.ParseUint(r.ParentExternalID, 10, 64)
		if err != nil {
			continue
		}
		pid := uint(n)
		if local, ok := run.remap[pid]; ok {
			pid = local
		}
		want[r.CommentID] = pid
		ids = append(ids, pid)
	}
	var found []struct{ ID, ThreadID uint }
	if err := tx.Model(&models.Comment{}).Select("id, thread_id").Where("id IN ?", ids).Scan(&found).Error; err != nil {
		return nil, err
	}
	threadOf := make(map[uint]uint, len(found))
	for _, f := range found {
		threadOf[f.ID] = f.ThreadID
	}
	out := make(map[uint]uint, len(rows))
	for _, r := range rows {
		if pid, ok := want[r.CommentID]; ok && pid != r.CommentID && threadOf[pid] == r.ThreadID && threadOf[pid] != 0 {
			out[r.CommentID] = pid
		}
	}
	return out, nil
}

// syncSequences moves PostgreSQL's id sequences past ids inserted by hand.
func (s *Store) syncSequences(tx *gorm.DB) error {
	if !s.postgres {
		return nil
	}
	for _, table := range []string{"moderators", "posts", "threads", "comments"} {
		err := tx.Exec("SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM "+
			table+"), (SELECT last_value FROM "+table+"_id_seq), 1))", table).Error
		if err != nil {
			return fmt.Errorf("sequence of %s: %w", table, err)
		}
	}
	return nil
}
