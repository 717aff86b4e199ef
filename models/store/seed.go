package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// seedRowsPerInsert is how many comments go into one multi-row INSERT. It
// keeps the bound parameters of a statement (rows × columns) well under
// SQLite's limit of 32,766 even if comments gain columns.
const seedRowsPerInsert = 500

// SeedComments inserts many comments at once, for the benchmark kit
// (cmd/parley-load) that fills databases with up to millions of comments.
// Everything goes into one transaction of multi-row INSERTs, so a batch
// costs one sync instead of one per comment.
//
// parents[i] is the index in cs of comment i's parent, or -1 for a
// top-level comment; a parent must come earlier in cs, be on the same thread
// and be approved, as CreateComment demands. SeedComments assigns each
// comment its ID, ParentID, RootID and Depth (a reply deeper than maxDepth is
// attached to the deepest allowed ancestor, as CreateComment does) and keeps
// the threads' approved counts in step. Comments without a CreatedAt get
// the current time.
func (s *Store) SeedComments(ctx context.Context, cs []models.Comment, parents []int, maxDepth int) error {
	if len(parents) != len(cs) {
		return fmt.Errorf("store: seed comments: %d comments but %d parents", len(cs), len(parents))
	}
	if len(cs) == 0 {
		return nil
	}
	parents = slices.Clone(parents)
	if err := placeSeeded(cs, parents, maxDepth); err != nil {
		return fmt.Errorf("store: seed comments: %w", err)
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			// Explicit ids need the table to ourselves, and the serial
			// sequence moved past them afterwards.
			if err := tx.Exec("LOCK TABLE comments IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		var maxID uint
		if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM comments").Scan(&maxID).Error; err != nil {
			return fmt.Errorf("highest id: %w", err)
		}
		assignSeedIDs(cs, parents, maxID)
		if err := tx.CreateInBatches(cs, seedRowsPerInsert).Error; err != nil {
			return err
		}
		if s.postgres {
			if err := tx.Exec("SELECT setval(pg_get_serial_sequence('comments', 'id'), (SELECT MAX(id) FROM comments))").Error; err != nil {
				return fmt.Errorf("move id sequence: %w", err)
			}
		}
		return addSeedCounts(tx, cs)
	})
	if err != nil {
		for i := range cs {
			cs[i].ID, cs[i].ParentID = 0, nil
		}
		return fmt.Errorf("store: seed comments: %w", err)
	}
	return nil
}

// placeSeeded checks the parent of every comment and sets its depth,
// climbing to an ancestor when the parent is at the deepest allowed level;
// parents is rewritten to the ancestors chosen.
func placeSeeded(cs []models.Comment, parents []int, maxDepth int) error {
	if maxDepth < 1 {
		maxDepth = 1
	}
	for i := range cs {
		if !cs[i].Status.Valid() {
			return fmt.Errorf("comment %d: invalid status %q", i, cs[i].Status)
		}
		p := parents[i]
		if p < 0 {
			cs[i].Depth = 0
			continue
		}
		if p >= i {
			return fmt.Errorf("comment %d: parent %d does not come before it", i, p)
		}
		if cs[p].ThreadID != cs[i].ThreadID || cs[p].Status != models.StatusApproved {
			return fmt.Errorf("comment %d: %w", i, models.ErrBadParent)
		}
		// Bounded: every step moves to an earlier index.
		for cs[p].Depth >= maxDepth && parents[p] >= 0 {
			p = parents[p]
		}
		parents[i] = p
		cs[i].Depth = cs[p].Depth + 1
	}
	return nil
}

// assignSeedIDs numbers the comments after maxID and points every reply at
// its parent's new id.
func assignSeedIDs(cs []models.Comment, parents []int, maxID uint) {
	now := time.Now().UTC()
	for i := range cs {
		cs[i].ID = maxID + uint(i) + 1
		cs[i].ParentID, cs[i].RootID = nil, 0
		if p := parents[i]; p >= 0 {
			id := cs[p].ID
			cs[i].ParentID = &id
			// Parents come first, so the parent's root is already set.
			cs[i].RootID = cs[p].RootID
			if cs[i].RootID == 0 {
				cs[i].RootID = id
			}
		}
		if cs[i].CreatedAt.IsZero() {
			cs[i].CreatedAt = now
		}
		if cs[i].UpdatedAt.IsZero() {
			cs[i].UpdatedAt = cs[i].CreatedAt
		}
	}
}

// addSeedCounts adds the approved comments of the batch to their threads'
// counts, one UPDATE per thread.
func addSeedCounts(tx *gorm.DB, cs []models.Comment) error {
	approved := map[uint]int{}
	for i := range cs {
		if cs[i].Status == models.StatusApproved {
			approved[cs[i].ThreadID]++
		}
	}
	ids := make([]uint, 0, len(approved))
	for id := range approved {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := addCount(tx, id, approved[id]); err != nil {
			return fmt.Errorf("count of thread %d: %w", id, err)
		}
	}
	return nil
}
