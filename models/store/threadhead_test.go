package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

func TestThreadHeadMatchesTheRows(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := storetest.Open(t, b.DSN)
			site := models.Site{ID: "blog", Name: "Blog", Origins: []string{"https://blog.example.com"}, Settings: models.DefaultSiteSettings()}
			if err := st.CreateSite(ctx, &site); err != nil {
				t.Fatal(err)
			}
			if _, err := st.ThreadHead(ctx, "nope", "/x"); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("unknown site: err %v, want ErrNotFound", err)
			}
			head, err := st.ThreadHead(ctx, "blog", "/none")
			if err != nil || head.Thread.ID != 0 || head.SiteUpdated.IsZero() {
				t.Fatalf("page without a thread: %+v, %v", head, err)
			}
			want, err := st.EnsureThread(ctx, "blog", "/p", "A post", "https://blog.example.com/p")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetThreadClosed(ctx, want.ID, true); err != nil {
				t.Fatal(err)
			}
			want, _ = st.ThreadByID(ctx, want.ID)
			head, err = st.ThreadHead(ctx, "blog", "/p")
			if err != nil {
				t.Fatal(err)
			}
			got := head.Thread
			if got.ID != want.ID || got.Version != want.Version || got.Version == 0 || !got.Closed || got.Title != want.Title ||
				got.URL != want.URL || got.Count != want.Count || !got.CreatedAt.Equal(want.CreatedAt) {
				t.Fatalf("head %+v, want %+v", got, want)
			}
			// PostgreSQL keeps microseconds, SQLite nanoseconds.
			if d := head.SiteUpdated.Sub(site.UpdatedAt); d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("site updated %v, want %v", head.SiteUpdated, site.UpdatedAt)
			}
		})
	}
}

func TestSiteCountsNamesTheSite(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := storetest.Open(t, b.DSN)
			if _, _, found, err := st.SiteCounts(ctx, "nope", []string{"/a"}); err != nil || found {
				t.Fatalf("unknown site: found %v, err %v", found, err)
			}
			site := models.Site{ID: "blog", Name: "Blog", Settings: models.DefaultSiteSettings()}
			if err := st.CreateSite(ctx, &site); err != nil {
				t.Fatal(err)
			}
			if _, err := st.EnsureThread(ctx, "blog", "/a", "A", ""); err != nil {
				t.Fatal(err)
			}
			for _, pages := range [][]string{nil, {"/a", "/b"}} {
				counts, updated, found, err := st.SiteCounts(ctx, "blog", pages)
				if err != nil || !found || updated.IsZero() {
					t.Fatalf("pages %v: found %v, updated %v, err %v", pages, found, updated, err)
				}
				if _, ok := counts["/a"]; ok != (len(pages) > 0) || len(counts) > 1 {
					t.Fatalf("pages %v: counts %v", pages, counts)
				}
			}
			// The pages travel to the database as one JSON array: quotes,
			// backslashes, non-ASCII and repeats come back as they went.
			odd := []string{`/q?a="b"&c='d'`, `/back\slash`, "/über/päge", `["/a"]`, "/%22"}
			for _, p := range odd {
				if _, err := st.EnsureThread(ctx, "blog", p, "Odd", ""); err != nil {
					t.Fatal(err)
				}
			}
			counts, _, _, err := st.SiteCounts(ctx, "blog", append(append([]string{}, odd...), odd[0], "/a", "/missing"))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range append(odd, "/a") {
				if n, ok := counts[p]; !ok || n != 0 {
					t.Fatalf("page %q: count %d, present %v (all: %v)", p, n, ok, counts)
				}
			}
			if _, ok := counts["/missing"]; ok || len(counts) != len(odd)+1 {
				t.Fatalf("counts %v", counts)
			}
		})
	}
}

// TestPostRulesMatchThePost: the lean lookup a new comment's judge makes
// answers what the whole post says, and ErrNotFound for no post.
func TestPostRulesMatchThePost(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := storetest.Open(t, b.DSN)
			if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
				t.Fatal(err)
			}
			draft := models.Post{SiteID: models.DefaultSiteID, Slug: "draft", Title: "Draft", Body: "b", BodyHTML: "<p>b</p>",
				Moderation: models.ModerationPost}
			if err := st.CreatePost(ctx, &draft); err != nil {
				t.Fatal(err)
			}
			for _, slug := range []string{"welcome", "draft"} {
				want, err := st.PostBySlug(ctx, models.DefaultSiteID, slug)
				if err != nil {
					t.Fatal(err)
				}
				got, err := st.PostRules(ctx, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				samePublished := (got.PublishedAt == nil) == (want.PublishedAt == nil) &&
					(got.PublishedAt == nil || got.PublishedAt.Equal(*want.PublishedAt))
				if got.Moderation != want.Moderation || !samePublished {
					t.Errorf("%s: rules %+v, post says published %v and moderation %q", slug, got, want.PublishedAt, want.Moderation)
				}
			}
			if _, err := st.PostRules(ctx, 9999); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("no such post: %v, want ErrNotFound", err)
			}
		})
	}
}
