package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// benchBody is a comment of typical size (about 600 bytes of markdown and
// as much HTML), so rows are as wide as real ones.
var benchBody = strings.Repeat("I tried this on my own blog and it *worked* the first time. ", 10)

var benchHTML = "<p>" + strings.Repeat("I tried this on my own blog and it <em>worked</em> the first time. ", 10) + "</p>"

// benchStore opens a fresh SQLite store with the welcome post.
func benchStore(b *testing.B) (*store.Store, store.PostWithThread) {
	b.Helper()
	s := storetest.Open(b, filepath.Join(b.TempDir(), "bench.db"))
	ctx := context.Background()
	if err := s.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		b.Fatal(err)
	}
	p, err := s.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		b.Fatal(err)
	}
	return s, p
}

// benchComments makes n comments on a thread, every other one a reply to
// the one before, all with the given status.
func benchComments(threadID uint, n int, status models.Status) ([]models.Comment, []int) {
	at := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	cs := make([]models.Comment, n)
	parents := make([]int, n)
	for i := range cs {
		cs[i] = models.Comment{ThreadID: threadID, Author: fmt.Sprintf("Reader %d", i%50), Email: "reader@example.com",
			Body: benchBody, HTML: benchHTML, Status: status, IP: "10.1.2.3", UserAgent: "Mozilla/5.0",
			CreatedAt: at.Add(time.Duration(i) * time.Minute)}
		parents[i] = -1
		if status == models.StatusApproved && i%2 == 1 {
			parents[i] = i - 1
		}
		if status == models.StatusPending {
			cs[i].Reasons = []models.Reason{{Code: "pre_moderation", Text: "Pre-moderation"}}
		}
	}
	return cs, parents
}

func benchSeed(b *testing.B, s *store.Store, threadID uint, n int, status models.Status) {
	b.Helper()
	cs, parents := benchComments(threadID, n, status)
	if err := s.SeedComments(context.Background(), cs, parents, 5); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkThreadComments100 reads a 100-comment thread whole, in every
// status, through GORM's model. Readers' pages read through ThreadPage
// (BenchmarkThreadPageUnderARequest); this was their query before paging.
func BenchmarkThreadComments100(b *testing.B) {
	s, post := benchStore(b)
	benchSeed(b, s, post.ThreadID, 100, models.StatusApproved)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		flat, err := s.ThreadComments(ctx, post.ThreadID)
		if err != nil {
			b.Fatal(err)
		}
		if len(flat) != 100 {
			b.Fatalf("%d comments, want 100", len(flat))
		}
	}
}

// BenchmarkQueueFirstPage10kPending reads the queue's first page (51 rows,
// as the handler asks) over 10,000 pending comments, and the tab counts
// the queue page shows beside it.
func BenchmarkQueueFirstPage10kPending(b *testing.B) {
	s, post := benchStore(b)
	benchSeed(b, s, post.ThreadID, 10_000, models.StatusPending)
	ctx := context.Background()
	b.Run("page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			items, err := s.Queue(ctx, store.QueueFilter{Status: models.StatusPending, Limit: 51})
			if err != nil {
				b.Fatal(err)
			}
			if len(items) != 51 {
				b.Fatalf("%d items, want 51", len(items))
			}
		}
	})
	// A search that finds nothing reads every pending comment: SQLite's
	// LOWER for an ASCII term, parley_fold (a call into Go per value) for
	// one in another alphabet.
	for _, term := range []struct{ name, text string }{{"search-ascii", "zzqx"}, {"search-other-alphabet", "жжщ"}} {
		b.Run(term.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				items, err := s.Queue(ctx, store.QueueFilter{Status: models.StatusPending, Search: term.text, Limit: 51})
				if err != nil || len(items) != 0 {
					b.Fatalf("%d items, %v", len(items), err)
				}
			}
		})
	}
	b.Run("counts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			counts, err := s.QueueCounts(ctx, "")
			if err != nil {
				b.Fatal(err)
			}
			if counts[models.StatusPending] != 10_000 {
				b.Fatalf("counts = %v", counts)
			}
		}
	})
}

// BenchmarkCounts50Pages asks for the comment counts of 50 pages, as a
// blog's front page does through count.js.
func BenchmarkCounts50Pages(b *testing.B) {
	s, _ := benchStore(b)
	ctx := context.Background()
	pages := make([]string, 50)
	for i := range pages {
		pages[i] = fmt.Sprintf("/posts/page-%02d", i)
		t, err := s.EnsureThread(ctx, models.DefaultSiteID, pages[i], "Page", "")
		if err != nil {
			b.Fatal(err)
		}
		benchSeed(b, s, t.ID, 3, models.StatusApproved)
	}
	b.ReportAllocs()
	for b.Loop() {
		counts, _, _, err := s.SiteCounts(ctx, models.DefaultSiteID, pages)
		if err != nil {
			b.Fatal(err)
		}
		if len(counts) != 50 || counts[pages[49]] != 3 {
			b.Fatalf("counts = %v", counts)
		}
	}
}

// BenchmarkSeedComments measures the kit's batched insert, per comment:
// what bounds seeding a million comments.
func BenchmarkSeedComments(b *testing.B) {
	s, post := benchStore(b)
	ctx := context.Background()
	const batch = 5_000
	b.ReportAllocs()
	for b.Loop() {
		cs, parents := benchComments(post.ThreadID, batch, models.StatusApproved)
		if err := s.SeedComments(ctx, cs, parents, 5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/comment")
}

// BenchmarkPostHead reads a post's head, the one query every cached post
// page runs, on a database that nothing writes to.
func BenchmarkPostHead(b *testing.B) {
	s, _ := benchStore(b)
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PostHead(ctx, models.DefaultSiteID, "welcome"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkThreadHead reads a thread's head, the one query every cached
// JSON thread and embed page runs, on a database that nothing writes to.
func BenchmarkThreadHead(b *testing.B) {
	s, post := benchStore(b)
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ThreadHead(ctx, models.DefaultSiteID, post.PagePath()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkThreadHeadUnderWrites reads a thread's head while every read
// follows a committed write, the worst case for remembering heads.
func BenchmarkThreadHeadUnderWrites(b *testing.B) {
	s, post := benchStore(b)
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SetThreadClosed(ctx, post.ThreadID, false); err != nil {
			b.Fatal(err)
		}
		if _, err := s.ThreadHead(ctx, models.DefaultSiteID, post.PagePath()); err != nil {
			b.Fatal(err)
		}
	}
}

// requestContext is a context that can be cancelled, as a request's is:
// database/sql and the SQLite driver do more work for those.
func requestContext(b *testing.B) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	return ctx
}

// BenchmarkPostRules is what a new comment's judge reads of its post.
func BenchmarkPostRules(b *testing.B) {
	s, post := benchStore(b)
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PostRules(ctx, post.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPostByID is the whole post, as the judge read it before.
func BenchmarkPostByID(b *testing.B) {
	s, post := benchStore(b)
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PostByID(ctx, post.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlogPostsBesideABigSite reads the first page of the blog's
// published posts while another site holds 20,000 newer ones (imported
// posts land in the site they are imported into), through the index that
// leads with the site and through the old one that did not.
func BenchmarkBlogPostsBesideABigSite(b *testing.B) {
	s, _ := benchStore(b)
	ctx := requestContext(b)
	if err := s.CreateSite(ctx, &models.Site{ID: "big", Name: "Big", Settings: models.DefaultSiteSettings()}); err != nil {
		b.Fatal(err)
	}
	err := store.ExecWriter(s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
		INSERT INTO posts (site_id, slug, title, body, body_html, published, published_at, moderation, created_at, updated_at, source, external_id)
		SELECT 'big', 'p' || i, 'Post ' || i, '', '', 1, datetime('now', '+1 day', '+' || i || ' seconds'), '',
			datetime('now', '+1 day'), datetime('now', '+1 day'), '', '' FROM n`)
	if err != nil {
		b.Fatal(err)
	}
	read := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			posts, err := s.PublishedPosts(ctx, models.DefaultSiteID, 0, 11)
			if err != nil || len(posts) != 1 {
				b.Fatalf("posts = %d, %v; want the welcome post", len(posts), err)
			}
		}
	}
	b.Run("site index", read)
	for _, stmt := range []string{"DROP INDEX idx_posts_site_published", "CREATE INDEX idx_posts_published ON posts (published, published_at)"} {
		if err := store.ExecWriter(s, stmt); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("old index", read)
}
