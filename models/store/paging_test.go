package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// pagingThread seeds a thread of 40 top-level comments with ties in time
// and score, two pinned ones, hidden ones with and without public replies,
// and replies two levels deep. It returns the seeded comments (with ids).
func pagingThread(t *testing.T, s *store.Store, threadID uint) []models.Comment {
	t.Helper()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var cs []models.Comment
	var parents []int
	for i := range 40 {
		c := models.Comment{ThreadID: threadID, Author: fmt.Sprintf("Top %d", i), Body: "b", HTML: "<p>b</p>",
			Status: models.StatusApproved, Score: (i * 7) % 5, CreatedAt: base.Add(time.Duration(i/3) * time.Minute)}
		switch {
		case i == 5 || i == 30:
			c.Pinned = true
		case i%4 == 2 && i%3 == 0:
			c.Status = models.StatusRemoved // no public reply: never shown
		}
		top := len(cs)
		cs, parents = append(cs, c), append(parents, -1)
		if i%4 == 0 {
			r := models.Comment{ThreadID: threadID, Author: "Reply", Body: "r", HTML: "<p>r</p>", Status: models.StatusApproved,
				CreatedAt: c.CreatedAt.Add(time.Hour)}
			cs, parents = append(cs, r), append(parents, top)
			r.Author = "Deep"
			cs, parents = append(cs, r), append(parents, len(cs)-1)
		}
	}
	if err := s.SeedComments(context.Background(), cs, parents, 5); err != nil {
		t.Fatal(err)
	}
	// Hide two top-level comments that have public replies: they stay as
	// placeholders. (Seeding wants approved parents, so hide afterwards.)
	if _, err := s.SetStatus(context.Background(), []uint{cs[0].ID, cs[parentIndex(cs, "Top 8")].ID}, models.StatusRemoved, store.Actor{Name: "t"}, ""); err != nil {
		t.Fatal(err)
	}
	cs[0].Status = models.StatusRemoved
	cs[parentIndex(cs, "Top 8")].Status = models.StatusRemoved
	return cs
}

func parentIndex(cs []models.Comment, author string) int {
	return slices.IndexFunc(cs, func(c models.Comment) bool { return c.Author == author })
}

// expectedOrder is the top-level order worked out here independently:
// visible roots, pinned first, then by the sort with ties by id.
func expectedOrder(cs []models.Comment, sortBy string) []uint {
	publicUnder := map[uint]bool{}
	for _, c := range cs {
		if c.ParentID != nil && c.Status == models.StatusApproved {
			publicUnder[c.RootID] = true
		}
	}
	var roots []models.Comment
	for _, c := range cs {
		if c.ParentID == nil && (c.Status == models.StatusApproved || publicUnder[c.ID]) {
			roots = append(roots, c)
		}
	}
	sort.Slice(roots, func(i, j int) bool {
		a, b := roots[i], roots[j]
		if a.Pinned != b.Pinned {
			return a.Pinned
		}
		if sortBy == models.SortTop && a.Score != b.Score {
			return a.Score > b.Score
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt) != (sortBy == models.SortNewest)
		}
		return (a.ID < b.ID) != (sortBy == models.SortNewest)
	})
	out := make([]uint, len(roots))
	for i, r := range roots {
		out[i] = r.ID
	}
	return out
}

func TestPagingCursorWalksEveryTopLevelOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		cs := pagingThread(t, s, post.ThreadID)
		for _, sortBy := range []string{models.SortOldest, models.SortNewest, models.SortTop} {
			want := expectedOrder(cs, sortBy)
			var got []uint
			var after *models.Cursor
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatalf("%s: paging does not end", sortBy)
				}
				page, err := s.ThreadPage(ctx, post.ThreadID, store.PageQuery{Sort: sortBy, After: after, Limit: 7})
				if err != nil {
					t.Fatal(err)
				}
				roots, _ := models.BuildTree(page.Comments, sortBy)
				onPage := map[uint]bool{}
				for _, r := range roots {
					got = append(got, r.Comment.ID)
					onPage[r.Comment.ID] = true
				}
				// Every reply under the page's roots came along, and nothing else.
				for _, c := range cs {
					loaded := slices.ContainsFunc(page.Comments, func(p models.Comment) bool { return p.ID == c.ID })
					if c.RootID != 0 && onPage[c.RootID] != loaded {
						t.Errorf("%s: reply %d of root %d: loaded %v", sortBy, c.ID, c.RootID, loaded)
					}
				}
				if page.Next == nil {
					break
				}
				after = page.Next
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: pages gave\n%v\nwant\n%v", sortBy, got, want)
			}
		}
	})
}

func TestPagingPageOfFindsTheRootsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		cs := pagingThread(t, s, post.ThreadID)
		for _, sortBy := range []string{models.SortOldest, models.SortNewest, models.SortTop} {
			q := store.PageQuery{Sort: sortBy, Limit: 6}
			// Walk the pages once, noting each page's cursor.
			pageOf := map[uint]*models.Cursor{}
			var after *models.Cursor
			for {
				q.After = after
				page, err := s.ThreadPage(ctx, post.ThreadID, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Comments {
					pageOf[c.ID] = after
				}
				if page.Next == nil {
					break
				}
				after = page.Next
			}
			q.After = nil
			for _, c := range cs {
				want, shown := pageOf[c.ID]
				got, err := s.PageOf(ctx, post.ThreadID, c.ID, q)
				if !shown {
					if c.ParentID == nil && !errors.Is(err, models.ErrNotFound) {
						t.Errorf("%s: hidden comment %d: err %v, want not found", sortBy, c.ID, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: comment %d: %v", sortBy, c.ID, err)
				}
				if (got == nil) != (want == nil) || got != nil && got.ID != want.ID {
					t.Errorf("%s: comment %d: page cursor %+v, want %+v", sortBy, c.ID, got, want)
				}
			}
		}
	})
}

func TestVoteOncePerReaderAndSwitches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		c := addComment(t, s, post.ThreadID, nil, models.StatusApproved)
		before, err := s.ThreadByID(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			voter string
			value int
			score int
		}{
			{"ann", 1, 1}, {"ann", 1, 1}, {"bob", 1, 2}, {"ann", -1, 0}, {"ann", -1, 0}, {"cat", -1, -1},
		}
		for _, st := range steps {
			got, err := s.Vote(ctx, c.ID, st.voter, st.value)
			if err != nil {
				t.Fatal(err)
			}
			if got != st.score {
				t.Fatalf("%s votes %d: score %d, want %d", st.voter, st.value, got, st.score)
			}
		}
		stored, err := s.Comment(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Upvotes != 1 || stored.Downvotes != 2 || stored.Score != -1 {
			t.Errorf("up %d down %d score %d, want 1 2 -1", stored.Upvotes, stored.Downvotes, stored.Score)
		}
		after, err := s.ThreadByID(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		// Four of the six votes changed something.
		if after.Version != before.Version+4 {
			t.Errorf("thread version %d → %d, want +4", before.Version, after.Version)
		}
	})
}

func TestVoteOnlyOnApprovedComments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		held := addComment(t, s, post.ThreadID, nil, models.StatusPending)
		if _, err := s.Vote(ctx, held.ID, "ann", 1); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("vote on a held comment: %v, want not found", err)
		}
		if _, err := s.Vote(ctx, 999999, "ann", 1); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("vote on a missing comment: %v, want not found", err)
		}
		ok := addComment(t, s, post.ThreadID, nil, models.StatusApproved)
		if _, err := s.Vote(ctx, ok.ID, "ann", 2); err == nil {
			t.Error("a vote of 2 was taken")
		}
	})
}

// BenchmarkThreadPageFirst loads the first page of threads of growing size;
// the time per page should stay flat as the thread grows.
func BenchmarkThreadPageFirst(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("comments=%d", n), func(b *testing.B) {
			s := storetest.Open(b, filepath.Join(b.TempDir(), "bench.db"))
			ctx := context.Background()
			if err := s.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
				b.Fatal(err)
			}
			post, err := s.PostBySlug(ctx, models.DefaultSiteID, "welcome")
			if err != nil {
				b.Fatal(err)
			}
			cs, parents := benchComments(post.ThreadID, n, models.StatusApproved)
			if err := s.SeedComments(ctx, cs, parents, 5); err != nil {
				b.Fatal(err)
			}
			for _, sortBy := range []string{models.SortOldest, models.SortTop} {
				b.Run(sortBy, func(b *testing.B) {
					for b.Loop() {
						page, err := s.ThreadPage(ctx, post.ThreadID, store.PageQuery{Sort: sortBy, Limit: 50})
						if err != nil || len(page.Comments) != 100 {
							b.Fatalf("page of %d comments, err %v", len(page.Comments), err)
						}
					}
				})
			}
		})
	}
}

func TestPagingImportSetsRoots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		importFile(t, s, exportPath(t, "wordpress/isso_wordpress.xml", false), importOpts("wordpress", models.DefaultSiteID))
		// 18#6 is top-level; 18#7 replies to it, 18#8 and 18#9 to 18#7.
		top := importedComment(t, s, models.DefaultSiteID, "wordpress", "18#6")
		if top.ParentID != nil || top.RootID != 0 {
			t.Fatalf("18#6: parent %v root %d, want a top-level comment", top.ParentID, top.RootID)
		}
		for _, id := range []string{"18#7", "18#8", "18#9"} {
			if c := importedComment(t, s, models.DefaultSiteID, "wordpress", id); c.RootID != top.ID {
				t.Errorf("%s: root %d, want %d", id, c.RootID, top.ID)
			}
		}
	})
}

func TestPagingSeedSetsRoots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		post := bootstrapped(t, s)
		cs := pagingThread(t, s, post.ThreadID)
		for _, c := range cs {
			got, err := s.Comment(context.Background(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := uint(0)
			for p := got.ParentID; p != nil; {
				want = *p
				parent, err := s.Comment(context.Background(), *p)
				if err != nil {
					t.Fatal(err)
				}
				p = parent.ParentID
			}
			if got.RootID != want {
				t.Errorf("comment %d: root %d, want %d", c.ID, got.RootID, want)
			}
		}
	})
}

// BenchmarkThreadPageUnderARequest reads a 100-comment thread's page with
// a context that cannot be cancelled and with one that can, as a
// request's: on SQLite the second must not cost more (see Store.quick).
func BenchmarkThreadPageUnderARequest(b *testing.B) {
	s, post := benchStore(b)
	benchSeed(b, s, post.ThreadID, 100, models.StatusApproved)
	for _, kind := range []string{"background", "request"} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			if kind == "request" {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
			}
			b.ReportAllocs()
			for b.Loop() {
				page, err := s.ThreadPage(ctx, post.ThreadID, store.PageQuery{Sort: models.SortOldest, Limit: 50})
				if err != nil || len(page.Comments) != 100 {
					b.Fatalf("page of %d comments, err %v", len(page.Comments), err)
				}
			}
		})
	}
}

// TestScanPageReadsAsGORMDoes stores comments with every column a page
// reads set, and with the NULLs a database can hold but GORM never
// writes, and checks a thread's page reads each one as GORM's model does.
func TestScanPageReadsAsGORMDoes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		post := bootstrapped(t, s)
		edited := time.Date(2024, 3, 4, 5, 6, 7, 123456000, time.UTC)
		full := models.Comment{ThreadID: post.ThreadID, Author: "Ann", Email: "ann@example.com", Website: "https://ann.example",
			Body: "hi", HTML: "<p>hi</p>", Status: models.StatusApproved, Score: 3, Upvotes: 4, Downvotes: 1, Pinned: true,
			CommenterKey: "key-a", Reasons: []models.Reason{{Code: "links", Text: "Too many links", Detail: "3"}},
			CreatedAt: edited.Add(-time.Hour), UpdatedAt: edited, EditedAt: &edited}
		if err := store.CreateCommentThroughGORM(s, &full); err != nil {
			t.Fatal(err)
		}
		reply := models.Comment{ThreadID: post.ThreadID, ParentID: &full.ID, RootID: full.ID, Depth: 1, Author: "Bob",
			Body: "b", HTML: "b", Status: models.StatusApproved}
		if err := store.CreateCommentThroughGORM(s, &reply); err != nil {
			t.Fatal(err)
		}
		ids := []uint{full.ID, reply.ID}
		for _, set := range []string{
			"email = NULL, website = NULL, commenter_key = NULL, reasons = NULL, edited_at = NULL",
			"reasons = '[]'",
			"reasons = 'null'",
		} {
			c := models.Comment{ThreadID: post.ThreadID, Author: "Odd", Body: set, HTML: "x", Status: models.StatusApproved}
			if err := store.CreateCommentThroughGORM(s, &c); err != nil {
				t.Fatal(err)
			}
			if err := store.ExecWriter(s, "UPDATE comments SET "+set+" WHERE id = ?", c.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		want, err := store.PageColumnsThroughGORM(s, ids)
		if err != nil || len(want) != len(ids) {
			t.Fatalf("GORM read %d of %d comments: %v", len(want), len(ids), err)
		}
		page, err := s.ThreadPage(context.Background(), post.ThreadID, store.PageQuery{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		got := map[uint]models.Comment{}
		for _, c := range page.Comments {
			got[c.ID] = c
		}
		for _, w := range want {
			g, ok := got[w.ID]
			if !ok {
				t.Errorf("comment %d (%s) is not on the page", w.ID, w.Body)
				continue
			}
			w.Body = "" // not a page column
			if !reflect.DeepEqual(g, w) {
				t.Errorf("comment %d:\n got %+v\nwant %+v", w.ID, g, w)
			}
		}
	})
}
