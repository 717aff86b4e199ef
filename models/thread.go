package models

import (
	"sort"
	"time"
)

// Node is one comment in a built thread. A node whose comment is not public
// but has public replies is kept as a placeholder with Removed set.
type Node struct {
	Comment Comment
	Removed bool
	Replies []*Node
}

// Sort orders for a thread's top-level comments.
const (
	SortOldest = "oldest"
	SortNewest = "newest"
	SortTop    = "top"
)

// ValidSort reports whether s names a sort order.
func ValidSort(s string) bool { return s == SortOldest || s == SortNewest || s == SortTop }

// BuildTree turns a thread's flat comments (any order, any status) into the
// public tree: approved comments, plus placeholders for hidden comments that
// have public replies. Top-level nodes are sorted by sortBy; replies are
// always oldest first. It also returns the number of public comments.
func BuildTree(flat []Comment, sortBy string) ([]*Node, int) {
	nodes := make(map[uint]*Node, len(flat))
	for i := range flat {
		nodes[flat[i].ID] = &Node{Comment: flat[i]}
	}
	var roots []*Node
	for i := range flat {
		n := nodes[flat[i].ID]
		if p := flat[i].ParentID; p != nil {
			if parent, ok := nodes[*p]; ok {
				parent.Replies = append(parent.Replies, n)
				continue
			}
		}
		roots = append(roots, n)
	}
	public := 0
	roots = prune(roots, &public)
	sortNodes(roots, sortBy)
	return roots, public
}

// prune drops hidden comments without public replies, marks the other hidden
// ones as placeholders, and sorts replies oldest first.
func prune(list []*Node, public *int) []*Node {
	kept := list[:0]
	for _, n := range list {
		n.Replies = prune(n.Replies, public)
		sortNodes(n.Replies, SortOldest)
		if n.Comment.Status == StatusApproved {
			*public++
			kept = append(kept, n)
			continue
		}
		if len(n.Replies) > 0 {
			n.Removed = true
			// Score, pin and time stay so the placeholder keeps its place in
			// the order the store pages by; readers see none of them.
			n.Comment = Comment{ID: n.Comment.ID, ParentID: n.Comment.ParentID, RootID: n.Comment.RootID, CreatedAt: n.Comment.CreatedAt,
				Depth: n.Comment.Depth, Score: n.Comment.Score, Pinned: n.Comment.Pinned}
			kept = append(kept, n)
		}
	}
	return kept
}

// sortNodes orders siblings: pinned comments first in every order, then by
// sortBy.
func sortNodes(list []*Node, sortBy string) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := &list[i].Comment, &list[j].Comment
		if a.Pinned != b.Pinned {
			return a.Pinned
		}
		switch sortBy {
		case SortNewest:
			return newer(a, b)
		case SortTop:
			if a.Score != b.Score {
				return a.Score > b.Score
			}
			return older(a, b)
		default:
			return older(a, b)
		}
	})
}

func older(a, b *Comment) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.ID < b.ID
}

func newer(a, b *Comment) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// Cursor marks the last top-level comment of a page of a thread.
type Cursor struct {
	ID        uint
	Pinned    bool
	Score     int
	CreatedAt time.Time
}

// Page returns up to limit top-level nodes that come after the cursor in
// the sort order, and the cursor for the next page (nil when none is left).
func Page(roots []*Node, sortBy string, after *Cursor, limit int) ([]*Node, *Cursor) {
	start := 0
	if after != nil {
		probe := Comment{ID: after.ID, Pinned: after.Pinned, Score: after.Score, CreatedAt: after.CreatedAt}
		start = sort.Search(len(roots), func(i int) bool {
			return comesAfter(&roots[i].Comment, &probe, sortBy)
		})
	}
	end := start + limit
	if end >= len(roots) {
		return roots[start:], nil
	}
	last := roots[end-1].Comment
	return roots[start:end], &Cursor{ID: last.ID, Pinned: last.Pinned, Score: last.Score, CreatedAt: last.CreatedAt}
}

// comesAfter reports whether a sorts strictly after b.
func comesAfter(a, b *Comment, sortBy string) bool {
	if a.Pinned != b.Pinned {
		return b.Pinned
	}
	switch sortBy {
	case SortNewest:
		return newer(b, a)
	case SortTop:
		if a.Score != b.Score {
			return a.Score < b.Score
		}
		return older(b, a)
	default:
		return older(b, a)
	}
}
