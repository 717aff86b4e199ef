package models

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func at(min int) time.Time { return time.Date(2026, 1, 1, 12, min, 0, 0, time.UTC) }

func pid(id uint) *uint { return &id }

// sample is a thread with every shape the tree must handle: nesting, a
// removed parent with a public reply, hidden leaves, scores and an orphan.
func sample() []Comment {
	return []Comment{
		{ID: 1, Author: "ann", Status: StatusApproved, CreatedAt: at(1), Score: 1},
		{ID: 2, ParentID: pid(1), Author: "bob", Status: StatusApproved, CreatedAt: at(2)},
		{ID: 3, Author: "cy", Status: StatusRemoved, CreatedAt: at(3), HTML: "secret"},
		{ID: 4, ParentID: pid(3), Author: "dee", Status: StatusApproved, CreatedAt: at(4)},
		{ID: 5, Author: "eve", Status: StatusPending, CreatedAt: at(5)},
		{ID: 6, ParentID: pid(1), Author: "fay", Status: StatusSpam, CreatedAt: at(6)},
		{ID: 7, Author: "gus", Status: StatusApproved, CreatedAt: at(7), Score: 5},
		{ID: 9, ParentID: pid(2), Author: "ida", Status: StatusApproved, CreatedAt: at(3)},
		{ID: 8, ParentID: pid(2), Author: "hal", Status: StatusApproved, CreatedAt: at(8)},
		{ID: 10, ParentID: pid(99), Author: "orphan", Status: StatusApproved, CreatedAt: at(9)},
	}
}

type goldenNode struct {
	ID      uint         `json:"id"`
	Author  string       `json:"author,omitempty"`
	Removed bool         `json:"removed,omitempty"`
	Replies []goldenNode `json:"replies,omitempty"`
}

func toGolden(nodes []*Node) []goldenNode {
	out := []goldenNode{}
	for _, n := range nodes {
		out = append(out, goldenNode{ID: n.Comment.ID, Author: n.Comment.Author, Removed: n.Removed, Replies: toGolden(n.Replies)})
	}
	return out
}

func TestBuildTreeGolden(t *testing.T) {
	for _, sortBy := range []string{SortOldest, SortNewest, SortTop} {
		t.Run(sortBy, func(t *testing.T) {
			roots, public := BuildTree(sample(), sortBy)
			if public != 7 {
				t.Errorf("public = %d, want 7", public)
			}
			got, _ := json.MarshalIndent(toGolden(roots), "", "  ")
			path := filepath.Join("testdata", "tree_"+sortBy+".golden.json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./models -update to create it)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("tree differs from %s:\n%s", path, got)
			}
		})
	}
}

func TestPlaceholderCarriesNothingPrivate(t *testing.T) {
	roots, _ := BuildTree(sample(), SortOldest)
	for _, n := range roots {
		if n.Comment.ID == 3 {
			if !n.Removed || n.Comment.Author != "" || n.Comment.HTML != "" {
				t.Fatalf("placeholder = %+v", n.Comment)
			}
			return
		}
	}
	t.Fatal("removed comment with a public reply is missing")
}

func TestPageWalksEveryTopLevelOnce(t *testing.T) {
	var flat []Comment
	for i := 1; i <= 23; i++ {
		flat = append(flat, Comment{ID: uint(i), Status: StatusApproved, CreatedAt: at(i % 7), Score: i % 3})
	}
	for _, sortBy := range []string{SortOldest, SortNewest, SortTop} {
		roots, _ := BuildTree(flat, sortBy)
		seen := map[uint]bool{}
		var cursor *Cursor
		for round := 0; round < 10; round++ {
			var page []*Node
			page, cursor = Page(roots, sortBy, cursor, 5)
			for _, n := range page {
				if seen[n.Comment.ID] {
					t.Fatalf("%s: %d seen twice", sortBy, n.Comment.ID)
				}
				seen[n.Comment.ID] = true
			}
			if cursor == nil {
				break
			}
		}
		if len(seen) != 23 {
			t.Fatalf("%s: saw %d of 23", sortBy, len(seen))
		}
	}
}

func TestSiteSettingsNormalized(t *testing.T) {
	s := SiteSettings{Moderation: "bogus"}.Normalized()
	if s.Moderation != ModerationPre || s.MaxDepth != 5 || s.Rules.MaxLinks != DefaultMaxLinks {
		t.Fatalf("normalized = %+v", s)
	}
}
