package store

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"parley/models"
)

// importParent is a reply stored without its parent yet: an export may
// name a parent that comes later in the file. The rows live in the
// database, not in memory, so that a file of any size fits and an
// interrupted import finishes the linking when it is run again.
type importParent struct {
	CommentID        uint   `gorm:"primaryKey;autoIncrement:false"`
	ThreadID         uint   `gorm:"not null;index"`
	SiteID           string `gorm:"size:64;not null;index:idx_import_parents_run,priority:1"`
	Source           string `gorm:"size:16;not null;index:idx_import_parents_run,priority:2"`
	ParentExternalID string `gorm:"size:200;not null"`
}

func (importParent) TableName() string { return "import_parents" }

// parentLookup finds the parents of waiting replies: comment id → parent id.
type parentLookup func(tx *gorm.DB, site, source string, rows []importParent) (map[uint]uint, error)

// resolveParents links every waiting reply of a site and source to its
// parent, batch by batch. A reply whose parent is missing, or on another
// thread, stays a top-level comment and is counted as an orphan. It
// returns the threads whose replies changed.
func (s *Store) resolveParents(ctx context.Context, site, source string, lookup parentLookup) (map[uint]bool, int, error) {
	touched := map[uint]bool{}
	orphans := 0
	for {
		var rows []importParent
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			err := tx.Where("site_id = ? AND source = ?", site, source).Order("comment_id").
				Limit(defaultImportBatch).Find(&rows).Error
			if err != nil || len(rows) == 0 {
				return err
			}
			parents, err := lookup(tx, site, source, rows)
			if err != nil {
				return err
			}
			ids := make([]uint, 0, len(rows))
			for _, r := range rows {
				ids = append(ids, r.CommentID)
				pid, ok := parents[r.CommentID]
				if !ok {
					orphans++
					continue
				}
				err := tx.Model(&models.Comment{}).Where("id = ?", r.CommentID).UpdateColumn("parent_id", pid).Error
				if err != nil {
					return err
				}
				touched[r.ThreadID] = true
			}
			return tx.Where("comment_id IN ?", ids).Delete(&importParent{}).Error
		})
		if err != nil {
			return touched, orphans, fmt.Errorf("link replies: %w", err)
		}
		if len(rows) == 0 {
			return touched, orphans, nil
		}
	}
}

// lookupExternalParents finds parents by their external ids on the site.
func (s *Store) lookupExternalParents(tx *gorm.DB, site, source string, rows []importParent) (map[uint]uint, error) {
	exts := make([]string, 0, len(rows))
	for _, r := range rows {
		exts = append(exts, r.ParentExternalID)
	}
	var found []struct {
		ID         uint
		ThreadID   uint
		ExternalID string
	}
	err := tx.Table("comments").Select("comments.id, comments.thread_id, comments.external_id").
		Joins("JOIN threads ON threads.id = comments.thread_id").
		Where("threads.site_id = ? AND comments.source = ? AND comments.external_id IN ? AND comments.external_id <> ''", site, source, exts).
		Scan(&found).Error
	if err != nil {
		return nil, err
	}
	byExt := make(map[string]int, len(found))
	for i, f := range found {
		byExt[f.ExternalID] = i
	}
	out := make(map[uint]uint, len(rows))
	for _, r := range rows {
		if i, ok := byExt[r.ParentExternalID]; ok && found[i].ThreadID == r.ThreadID && found[i].ID != r.CommentID {
			out[r.CommentID] = found[i].ID
		}
	}
	return out, nil
}

// depthRow is a comment's place in its thread.
type depthRow struct {
	ID       uint
	ParentID *uint
	Depth    int
}

// rootRow is a comment's place with its top-level ancestor (0 for a
// top-level comment), which paging by top-level comment relies on.
type rootRow struct {
	depthRow
	RootID uint
}

// fixDepths recomputes parents, depths and roots of the given threads from the
// top down (see planDepths) and saves what changed, a few hundred rows per
// transaction.
func (s *Store) fixDepths(ctx context.Context, threads map[uint]bool, maxDepth int) error {
	ids := make([]uint, 0, len(threads))
	for id := range threads {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var changes []rootRow
	save := func() error {
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, c := range changes {
				err := tx.Model(&models.Comment{}).Where("id = ?", c.ID).
					UpdateColumns(map[string]any{"parent_id": c.ParentID, "depth": c.Depth, "root_id": c.RootID}).Error
				if err != nil {
					return err
				}
			}
			return nil
		})
		changes = changes[:0]
		return err
	}
	for _, tid := range ids {
		var flat []struct {
			ID       uint
			ParentID *uint
			Depth    int
			RootID   uint
		}
		err := s.w.WithContext(ctx).Model(&models.Comment{}).Select("id, parent_id, depth, root_id").
			Where("thread_id = ?", tid).Order("id").Scan(&flat).Error
		if err != nil {
			return fmt.Errorf("thread %d depths: %w", tid, err)
		}
		rows := make([]rootRow, len(flat))
		for i, f := range flat {
			rows[i] = rootRow{depthRow: depthRow{ID: f.ID, ParentID: f.ParentID, Depth: f.Depth}, RootID: f.RootID}
		}
		changes = append(changes, planRoots(rows, maxDepth)...)
		if len(changes) >= defaultImportBatch {
			if err := save(); err != nil {
				return fmt.Errorf("depths: %w", err)
			}
		}
	}
	if len(changes) > 0 {
		if err := save(); err != nil {
			return fmt.Errorf("depths: %w", err)
		}
	}
	// Replies moved under their parents: cached renderings are stale.
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		err := s.w.WithContext(ctx).Model(&models.Thread{}).Where("id IN ?", chunk).
			UpdateColumn("version", gorm.Expr("version + 1")).Error
		if err != nil {
			return fmt.Errorf("depths: thread versions: %w", err)
		}
	}
	return nil
}

// planDepths walks a thread's comments from the top-level ones down and
// returns the rows whose parent or depth must change. A comment whose
// parent is not in the thread becomes top-level; so does the lowest id of
// a cycle (which a hostile file can build), which breaks it. With maxDepth
// > 0, a reply deeper than maxDepth is attached to the deepest allowed
// ancestor, as new replies are.
func planDepths(rows []depthRow, maxDepth int) []depthRow {
	index := make(map[uint]int, len(rows))
	for i, r := range rows {
		index[r.ID] = i
	}
	children := map[uint][]uint{}
	var roots []uint
	for _, r := range rows {
		if r.ParentID == nil || *r.ParentID == r.ID {
			roots = append(roots, r.ID)
			continue
		}
		if _, ok := index[*r.ParentID]; !ok {
			roots = append(roots, r.ID)
			continue
		}
		children[*r.ParentID] = append(children[*r.ParentID], r.ID)
	}
	placed := make(map[uint]depthRow, len(rows))
	walk := func(root uint) {
		placed[root] = depthRow{ID: root}
		queue := []uint{root}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			at := placed[id]
			for _, kid := range children[id] {
				if _, done := placed[kid]; done {
					continue
				}
				parent, depth := id, at.Depth+1
				if maxDepth > 0 && depth > maxDepth && at.ParentID != nil {
					parent, depth = *at.ParentID, at.Depth
				}
				p := parent
				placed[kid] = depthRow{ID: kid, ParentID: &p, Depth: depth}
				queue = append(queue, kid)
			}
		}
	}
	for _, id := range roots {
		walk(id)
	}
	for _, r := range rows { // what is left hangs in or under a cycle
		if _, done := placed[r.ID]; !done {
			walk(r.ID)
		}
	}
	var out []depthRow
	for _, r := range rows {
		p := placed[r.ID]
		if p.Depth != r.Depth || !sameParent(p.ParentID, r.ParentID) {
			out = append(out, p)
		}
	}
	return out
}

func sameParent(a, b *uint) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// planRoots runs planDepths over a thread's rows and returns every row
// whose parent, depth or root must change, with all three as they should be.
func planRoots(rows []rootRow, maxDepth int) []rootRow {
	plain := make([]depthRow, len(rows))
	for i, r := range rows {
		plain[i] = r.depthRow
	}
	fixed := make(map[uint]depthRow, len(rows))
	for _, r := range plain {
		fixed[r.ID] = r
	}
	changed := map[uint]bool{}
	for _, c := range planDepths(plain, maxDepth) {
		fixed[c.ID] = c
		changed[c.ID] = true
	}
	// After planDepths the parents form a forest, so every climb ends.
	roots := make(map[uint]uint, len(rows))
	var rootOf func(id uint) uint
	rootOf = func(id uint) uint {
		if r, ok := roots[id]; ok {
			return r
		}
		p := fixed[id].ParentID
		r := uint(0)
		if p != nil {
			if r = rootOf(*p); r == 0 {
				r = *p
			}
		}
		roots[id] = r
		return r
	}
	var out []rootRow
	for _, r := range rows {
		root := rootOf(r.ID)
		if changed[r.ID] || root != r.RootID {
			out = append(out, rootRow{depthRow: fixed[r.ID], RootID: root})
		}
	}
	return out
}
