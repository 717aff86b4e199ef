package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// The prepared INSERT of a new comment names every column of the model
// but the id; a column added to models.Comment fails here until the
// INSERT writes it too.
func TestCommentInsertMatchesTheModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cols, err := store.GORMColumns(s, &models.Comment{})
		if err != nil {
			t.Fatal(err)
		}
		cols = slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return c == "id" })
		want, got := slices.Sorted(slices.Values(cols)), slices.Sorted(slices.Values(store.CommentColumns))
		if !slices.Equal(got, want) {
			t.Fatalf("INSERT writes %v,\nthe model has %v", got, want)
		}
	})
}

// A comment stored through the prepared INSERT reads back, column for
// column, as the same comment stored through GORM's Create.
func TestCommentInsertWritesWhatGORMWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		parent := models.Comment{ThreadID: post.ThreadID, Author: "P", Body: "p", HTML: "<p>p</p>", Status: models.StatusApproved}
		if err := s.CreateComment(ctx, &parent, 5); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 2, 10, 30, 15, 123456789, time.UTC)
		edited := at.Add(time.Minute)
		for name, c := range map[string]models.Comment{
			"every field": {ThreadID: post.ThreadID, ParentID: &parent.ID, RootID: parent.ID, Depth: 1, Author: "Ana", Email: "ana@example.com",
				Website: "https://ana.example", Body: "Hello *there*", HTML: "<p>Hello <em>there</em></p>",
				Status: models.StatusPending, Reasons: []models.Reason{{Code: "links", Text: "Too many links"}},
				Score: 3, Upvotes: 4, Downvotes: 1, Pinned: true, NotifyReplies: true, IP: "203.0.113.9",
				UserAgent: "Browser/1", EditTokenHash: "hash", CommenterKey: "key-1", CreatedAt: at, UpdatedAt: at,
				EditedAt: &edited, Source: "disqus", ExternalID: "42"},
			"zero values":   {ThreadID: post.ThreadID, Author: "Bo", Body: "b", HTML: "<p>b</p>", Status: models.StatusApproved, CreatedAt: at, UpdatedAt: at},
			"empty reasons": {ThreadID: post.ThreadID, Author: "Cy", Body: "c", HTML: "<p>c</p>", Status: models.StatusSpam, Reasons: []models.Reason{}, CreatedAt: at, UpdatedAt: at},
		} {
			viaGORM, viaInsert := c, c
			if c.ExternalID != "" { // (source, external_id, thread) is unique
				viaInsert.ExternalID += "-b"
			}
			if err := store.CreateCommentThroughGORM(s, &viaGORM); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateComment(ctx, &viaInsert, 5); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if viaInsert.ID == 0 || viaInsert.ID == viaGORM.ID {
				t.Fatalf("%s: ids %d and %d", name, viaInsert.ID, viaGORM.ID)
			}
			want, err := store.CommentRow(s, viaGORM.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.CommentRow(s, viaInsert.ID)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := fmt.Sprint(got["external_id"]), fmt.Sprint(want["external_id"]); w != "" && g != w+"-b" && g != "[]" {
				t.Errorf("%s: external_id %q, want %q", name, g, w+"-b")
			}
			for _, col := range []string{"id", "external_id"} {
				delete(want, col)
				delete(got, col)
			}
			for col, w := range want {
				if g := got[col]; !equalColumn(g, w) {
					t.Errorf("%s: %s = %#v, GORM wrote %#v", name, col, g, w)
				}
			}
		}
	})
}

func equalColumn(a, b any) bool {
	if at, ok := a.(time.Time); ok {
		bt, ok := b.(time.Time)
		return ok && at.Equal(bt)
	}
	if ab, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && string(ab) == string(bb)
	}
	return a == b
}

// A second comment with the same import source and id on the same thread
// fails as GORM's Create failed, as a duplicate key, and stores nothing.
func TestCommentInsertRefusesADuplicateImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		mk := func() models.Comment {
			return models.Comment{ThreadID: post.ThreadID, Author: "A", Body: "b", HTML: "<p>b</p>",
				Status: models.StatusApproved, Source: "disqus", ExternalID: "7"}
		}
		first, second := mk(), mk()
		if err := s.CreateComment(ctx, &first, 5); err != nil {
			t.Fatal(err)
		}
		err := s.CreateComment(ctx, &second, 5)
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Fatalf("second import of the same comment = %v, want gorm.ErrDuplicatedKey", err)
		}
		if second.ID != 0 {
			t.Fatalf("the refused comment has id %d", second.ID)
		}
	})
}
