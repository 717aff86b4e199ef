package models

import (
	"testing"
	"time"
)

// TestPinnedFirstInEverySort checks that pinned comments lead every sort
// order and that paging by cursor agrees with the order.
func TestPinnedFirstInEverySort(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	flat := []Comment{
		{ID: 1, Status: StatusApproved, CreatedAt: at, Score: 5},
		{ID: 2, Status: StatusApproved, CreatedAt: at.Add(time.Minute), Score: 1, Pinned: true},
		{ID: 3, Status: StatusApproved, CreatedAt: at.Add(2 * time.Minute), Score: 9},
		{ID: 4, Status: StatusApproved, CreatedAt: at.Add(3 * time.Minute), Score: 0, Pinned: true},
	}
	want := map[string][]uint{
		SortOldest: {2, 4, 1, 3},
		SortNewest: {4, 2, 3, 1},
		SortTop:    {2, 4, 3, 1},
	}
	for sortBy, ids := range want {
		roots, _ := BuildTree(append([]Comment(nil), flat...), sortBy)
		var got []uint
		for _, n := range roots {
			got = append(got, n.Comment.ID)
		}
		if !equalIDs(got, ids) {
			t.Errorf("%s: order %v, want %v", sortBy, got, ids)
		}
		var paged []uint
		var cur *Cursor
		for range len(flat) + 1 {
			page, next := Page(roots, sortBy, cur, 1)
			for _, n := range page {
				paged = append(paged, n.Comment.ID)
			}
			if next == nil {
				break
			}
			cur = next
		}
		if !equalIDs(paged, ids) {
			t.Errorf("%s: paged %v, want %v", sortBy, paged, ids)
		}
	}
}

func equalIDs(a, b []uint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
