package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// seedPost bootstraps s and returns the welcome post with its thread.
func seedPost(t *testing.T, s *store.Store) store.PostWithThread {
	t.Helper()
	ctx := context.Background()
	w := store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}
	if err := s.Bootstrap(ctx, w); err != nil {
		t.Fatal(err)
	}
	p, err := s.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seedComment(threadID uint, n int, status models.Status, at time.Time) models.Comment {
	c := models.Comment{ThreadID: threadID, Author: fmt.Sprintf("Reader %d", n), Body: fmt.Sprintf("Comment %d", n),
		HTML: fmt.Sprintf("<p>Comment %d</p>", n), Status: status, IP: "10.0.0.1", CreatedAt: at.Add(time.Duration(n) * time.Minute)}
	if status == models.StatusPending {
		c.Reasons = []models.Reason{{Code: "pre_moderation", Text: "Pre-moderation"}}
	}
	return c
}

func TestSeedCommentsBuildsThreadsLikeCreateComment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := seedPost(t, s)
		first := models.Comment{ThreadID: post.ThreadID, Author: "Before", Body: "b", HTML: "<p>b</p>", Status: models.StatusApproved}
		if err := s.CreateComment(ctx, &first, 2); err != nil {
			t.Fatal(err)
		}
		archive, err := s.EnsureThread(ctx, models.DefaultSiteID, "/archive/1", "Archive", "")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		// A chain of replies deeper than maxDepth 2, a second root, and a
		// held comment on another thread.
		cs := []models.Comment{
			seedComment(post.ThreadID, 0, models.StatusApproved, at),
			seedComment(post.ThreadID, 1, models.StatusApproved, at),
			seedComment(post.ThreadID, 2, models.StatusApproved, at),
			seedComment(post.ThreadID, 3, models.StatusApproved, at),
			seedComment(post.ThreadID, 4, models.StatusApproved, at),
			seedComment(archive.ID, 5, models.StatusPending, at),
		}
		parents := []int{-1, 0, 1, 2, -1, -1}
		if err := s.SeedComments(ctx, cs, parents, 2); err != nil {
			t.Fatal(err)
		}
		if parents[3] != 2 {
			t.Errorf("the caller's parents changed: %v", parents)
		}
		for i, c := range cs {
			if c.ID != first.ID+uint(i)+1 {
				t.Errorf("comment %d: id %d, want %d", i, c.ID, first.ID+uint(i)+1)
			}
		}
		wantParent := []int{-1, 0, 1, 1, -1, -1} // the third reply climbs to depth 2
		wantDepth := []int{0, 1, 2, 2, 0, 0}
		for i, c := range cs {
			got, err := s.Comment(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Depth != wantDepth[i] {
				t.Errorf("comment %d: depth %d, want %d", i, got.Depth, wantDepth[i])
			}
			switch p := wantParent[i]; {
			case p < 0 && got.ParentID != nil:
				t.Errorf("comment %d: parent %d, want none", i, *got.ParentID)
			case p >= 0 && (got.ParentID == nil || *got.ParentID != cs[p].ID):
				t.Errorf("comment %d: parent %v, want %d", i, got.ParentID, cs[p].ID)
			}
			if got.Body != c.Body || got.HTML != c.HTML || got.Status != c.Status || !got.CreatedAt.Equal(c.CreatedAt) {
				t.Errorf("comment %d read back as %+v", i, got)
			}
		}
		flat, err := s.ThreadComments(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		if len(flat) != 6 {
			t.Fatalf("thread has %d comments, want 6", len(flat))
		}
		counts, _, _, err := s.SiteCounts(ctx, models.DefaultSiteID, []string{post.PagePath(), "/archive/1"})
		if err != nil {
			t.Fatal(err)
		}
		if counts[post.PagePath()] != 6 || counts["/archive/1"] != 0 {
			t.Errorf("counts = %v, want 6 and 0", counts)
		}
		queue, err := s.Queue(ctx, store.QueueFilter{Status: models.StatusPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(queue) != 1 || queue[0].ID != cs[5].ID || len(queue[0].Reasons) != 1 || queue[0].Reasons[0].Code != "pre_moderation" {
			t.Errorf("queue = %+v", queue)
		}
		// Comments written afterwards get fresh ids and may answer seeded ones.
		parent := cs[4].ID
		next := models.Comment{ThreadID: post.ThreadID, ParentID: &parent, Author: "After", Body: "a", HTML: "<p>a</p>", Status: models.StatusApproved}
		if err := s.CreateComment(ctx, &next, 2); err != nil {
			t.Fatal(err)
		}
		if next.ID <= cs[5].ID || next.Depth != 1 {
			t.Errorf("comment after seeding: id %d depth %d, want id > %d and depth 1", next.ID, next.Depth, cs[5].ID)
		}
	})
}

func TestSeedCommentsRefusesInvalidParents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := seedPost(t, s)
		other, err := s.EnsureThread(ctx, models.DefaultSiteID, "/other", "Other", "")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC()
		approved := seedComment(post.ThreadID, 0, models.StatusApproved, at)
		pending := seedComment(post.ThreadID, 0, models.StatusPending, at)
		cases := map[string]struct {
			cs      []models.Comment
			parents []int
		}{
			"parent comes later": {[]models.Comment{seedComment(post.ThreadID, 1, models.StatusApproved, at), approved}, []int{1, -1}},
			"parent is held":     {[]models.Comment{pending, seedComment(post.ThreadID, 1, models.StatusApproved, at)}, []int{-1, 0}},
			"other thread":       {[]models.Comment{approved, seedComment(other.ID, 1, models.StatusApproved, at)}, []int{-1, 0}},
			"bad status":         {[]models.Comment{{ThreadID: post.ThreadID, Author: "x", Body: "x", HTML: "x", Status: "odd"}}, []int{-1}},
			"lengths differ":     {[]models.Comment{approved}, nil},
		}
		for name, tc := range cases {
			err := s.SeedComments(ctx, tc.cs, tc.parents, 5)
			if err == nil {
				t.Errorf("%s: no error", name)
			}
			if name == "parent is held" && !errors.Is(err, models.ErrBadParent) {
				t.Errorf("%s: err = %v, want ErrBadParent", name, err)
			}
		}
		flat, err := s.ThreadComments(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		if len(flat) != 0 {
			t.Errorf("refused batches stored %d comments", len(flat))
		}
	})
}
