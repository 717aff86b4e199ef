package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// TestGroupCommitConcurrentWriters stores comments from many goroutines at
// once: every one is stored once with its root, the thread count and the
// status counts agree, and the committer shared transactions between them.
func TestGroupCommitConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		top := addComment(t, s, post.ThreadID, nil, models.StatusApproved)
		const writers, each = 16, 20
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		ids := make(chan models.Comment, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					c := models.Comment{ThreadID: post.ThreadID, Author: "W", Body: fmt.Sprintf("w%d-%d", w, i),
						HTML: "<p>x</p>", Status: models.StatusApproved}
					if i%2 == 1 {
						c.ParentID = ptr(top.ID)
					}
					if i%5 == 0 {
						c.Status = models.StatusPending
					}
					if err := s.CreateComment(ctx, &c, 5); err != nil {
						errs <- err
						continue
					}
					ids <- c
				}
			}()
		}
		wg.Wait()
		close(errs)
		close(ids)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[uint]bool{}
		approved := 1
		for c := range ids {
			if c.ID == 0 || seen[c.ID] {
				t.Fatalf("comment %q got id %d twice or not at all", c.Body, c.ID)
			}
			seen[c.ID] = true
			if c.ParentID != nil && (c.RootID != top.ID || c.Depth != 1) {
				t.Fatalf("reply %d: root %d depth %d, want root %d depth 1", c.ID, c.RootID, c.Depth, top.ID)
			}
			if c.Status == models.StatusApproved {
				approved++
			}
		}
		if len(seen) != writers*each {
			t.Fatalf("%d comments stored, want %d", len(seen), writers*each)
		}
		th, err := s.ThreadByID(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		if th.Count != approved {
			t.Fatalf("thread count %d, want %d", th.Count, approved)
		}
		counts, err := s.QueueCounts(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if counts[models.StatusApproved] != approved || counts[models.StatusPending] != writers*each+1-approved {
			t.Fatalf("queue counts %v, want %d approved and %d pending", counts, approved, writers*each+1-approved)
		}
		st := s.GroupCommitStats()
		t.Logf("%d comments in %d batches, largest %d", st.Comments, st.Batches, st.MaxBatch)
		if st.Comments != writers*each+1 || st.Batches > st.Comments {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestGroupCommitOneBadCommentFailsAlone sends comments with bad parents and
// a duplicate import key among good ones: only the bad ones fail.
func TestGroupCommitOneBadCommentFailsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		pending := addComment(t, s, post.ThreadID, nil, models.StatusPending)
		var wg sync.WaitGroup
		type result struct {
			kind string
			err  error
		}
		results := make(chan result, 200)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := models.Comment{ThreadID: post.ThreadID, Author: "A", Body: fmt.Sprint(i), HTML: "x", Status: models.StatusApproved}
				kind := "good"
				switch i % 4 {
				case 1:
					kind, c.ParentID = "missing parent", ptr(999_999)
				case 2:
					kind, c.ParentID = "pending parent", ptr(pending.ID)
				case 3:
					// Every such comment claims the same imported id: one wins.
					kind, c.Source, c.ExternalID = "same external id", "test", "dup"
				}
				results <- result{kind, s.CreateComment(ctx, &c, 5)}
			}()
		}
		wg.Wait()
		close(results)
		got := map[string]int{}
		for r := range results {
			switch {
			case r.err == nil:
				got[r.kind+" ok"]++
			case errors.Is(r.err, models.ErrBadParent):
				got[r.kind+" bad parent"]++
			default:
				got[r.kind+" failed"]++
			}
		}
		want := map[string]int{"good ok": 10, "missing parent bad parent": 10, "pending parent bad parent": 10,
			"same external id ok": 1, "same external id failed": 9}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("results %v, want %v", got, want)
		}
		th, err := s.ThreadByID(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		if th.Count != 11 {
			t.Fatalf("thread count %d, want 11", th.Count)
		}
	})
}

// TestGroupCommitRespectsCancellation: a comment whose context has ended is
// not stored, and a closed store refuses new comments.
func TestGroupCommitRespectsCancellation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		post := bootstrapped(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c := models.Comment{ThreadID: post.ThreadID, Author: "A", Body: "late", HTML: "x", Status: models.StatusApproved}
		if err := s.CreateComment(ctx, &c, 5); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled create: %v", err)
		}
		th, err := s.ThreadByID(context.Background(), post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		if th.Count != 0 || c.ID != 0 {
			t.Fatalf("cancelled comment stored: count %d id %d", th.Count, c.ID)
		}
		short, cancel2 := context.WithTimeout(context.Background(), time.Nanosecond)
		defer cancel2()
		<-short.Done()
		if err := s.CreateComment(short, &c, 5); err == nil {
			t.Fatal("expired context: comment stored")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateComment(context.Background(), &c, 5); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("create after close: %v", err)
		}
	})
}

// TestHotQueryPlans reads SQLite's plans of the queries each new comment
// and the queue's tab counts run, of the retention sweep, of the lookups by
// address, of the feeds and of the dashboard's chart: each searches an
// index (or a primary key), none scans comments, and the counts never touch
// comments at all.
func TestHotQueryPlans(t *testing.T) {
	s, _ := seeded(t, 20_000)
	plans, err := store.HotPlans(s)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"queue counts (all sites)":  "comment_status_counts",
		"queue counts (one site)":   "SEARCH comment_status_counts USING PRIMARY KEY (site_id=?)",
		"duplicate by key":          "SEARCH comments USING INDEX idx_comments_key_time (commenter_key=? AND created_at>?)",
		"duplicate by ip":           "SEARCH comments USING INDEX idx_comments_ip_prefix (ip=? AND <expr>=? AND created_at>?)",
		"active bans":               "bans", // a handful of rows: any plan will do
		"place reply":               "SEARCH comments USING INTEGER PRIMARY KEY (rowid=?)",
		"approved by key":           "SEARCH comments USING INDEX idx_comments_key_time (commenter_key=?)",
		"thread by page":            "SEARCH threads USING INDEX idx_threads_site_page (site_id=? AND page=?)",
		"post by id":                "SEARCH threads USING INDEX idx_threads_post_id (post_id=?)",
		"page counts":               "SEARCH threads USING INDEX idx_threads_site_page (site_id=? AND page=?)",
		"queue version":             "SEARCH queue_version USING INTEGER PRIMARY KEY (rowid=?)",
		"session moderator":         "SEARCH s USING INDEX sqlite_autoindex_sessions_1 (id=?) | SEARCH m USING INTEGER PRIMARY KEY",
		"old identities":            "SEARCH comments USING INDEX idx_comments_identity_age (created_at<?)",
		"comments by email":         "SEARCH comments USING INDEX idx_comments_email (<expr>=?)",
		"replies off by email":      "SEARCH comments USING INDEX idx_comments_email (<expr>=?)",
		"ban removal by ip":         "SEARCH comments USING INDEX idx_comments_ip_prefix (ip=?)",
		"comments per day":          "SEARCH comments USING COVERING INDEX idx_comments_status (status=? AND created_at>? AND created_at<?)",
		"thread feed":               "SEARCH comments USING INDEX idx_comments_thread (thread_id=? AND status=?)",
		"site feed":                 "SEARCH comments USING INDEX idx_comments_status (status=?)",
		"site feed, site first":     "SEARCH threads USING INDEX idx_threads_site_page (site_id=?) | SEARCH comments USING INDEX idx_comments_thread (thread_id=? AND status=?)",
		"site counts":               "comment_status_counts",
		"blog's posts, older page":  "SEARCH posts USING INDEX idx_posts_site_published (site_id=? AND published=? AND published_at<?)",
		"admin's posts, older page": "SEARCH posts USING INDEX idx_posts_site_created (site_id=? AND created_at<?)",
	}
	for name, plan := range plans {
		if want[name] == "" {
			t.Errorf("%s: no expected plan", name)
		}
		joined := strings.Join(plan, " | ")
		t.Logf("%s: %s", name, joined)
		if strings.Contains(joined, "SCAN comments") || (strings.HasPrefix(name, "queue") && strings.Contains(joined, "comments ")) {
			t.Errorf("%s scans comments: %s", name, joined)
		}
		if !strings.Contains(joined, want[name]) {
			t.Errorf("%s: plan %q lacks %q", name, joined, want[name])
		}
		// A thread's feed and the lists of posts come in index order;
		// walking a site's feed would lose its point with a sort.
		if (strings.Contains(name, "feed") && !strings.Contains(name, "site first") || strings.Contains(name, "posts")) &&
			strings.Contains(joined, "TEMP B-TREE") {
			t.Errorf("%s sorts: %s", name, joined)
		}
	}
	counts, err := s.QueueCounts(context.Background(), models.DefaultSiteID)
	if err != nil {
		t.Fatal(err)
	}
	if counts[models.StatusPending] != 20_000 {
		t.Fatalf("counts after a raw 20,000-row insert: %v", counts)
	}
}

// BenchmarkGroupCommit stores comments from 8 goroutines on a SQLite file
// with synchronous=FULL, for several batch bounds and lingers (maxBatch=1 is
// one transaction per comment, as before group commit). It reports the mean
// batch, the p99 latency of one CreateComment and the CPU per comment.
func BenchmarkGroupCommit(b *testing.B) {
	for _, cfg := range []struct {
		maxBatch int
		linger   time.Duration
	}{{1, 0}, {4, 0}, {16, 0}, {64, 0}, {64, 500 * time.Microsecond}, {64, 2 * time.Millisecond}} {
		b.Run(fmt.Sprintf("maxBatch=%d/linger=%s", cfg.maxBatch, cfg.linger), func(b *testing.B) {
			s, threadID := seeded(b, 1000)
			store.SetGroupCommit(s, cfg.maxBatch, cfg.linger)
			ctx := context.Background()
			before := s.GroupCommitStats()
			cpu0 := cpuTime(b)
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(4) // 8 writers on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				i := 0
				for pb.Next() {
					i++
					c := models.Comment{ThreadID: threadID, Author: "B", Body: fmt.Sprint(i), HTML: "<p>b</p>", Status: models.StatusPending}
					t0 := time.Now()
					if err := s.CreateComment(ctx, &c, 5); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
			st := s.GroupCommitStats()
			if n := st.Batches - before.Batches; n > 0 {
				b.ReportMetric(float64(st.Comments-before.Comments)/float64(n), "comments/batch")
			}
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestStatusCountsFollowEveryWriter moves comments through the writers that
// change statuses (new comments, moderation, undo, a ban that removes the
// banned IP's comments) on two sites and checks QueueCounts after each step.
func TestStatusCountsFollowEveryWriter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		note := notesThread(t, s)
		check := func(step string, want map[string]map[models.Status]int) {
			t.Helper()
			for site, w := range want {
				got, err := s.QueueCounts(ctx, site)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(w) {
					t.Fatalf("%s: counts of site %q = %v, want %v", step, site, got, w)
				}
			}
		}
		var ids []uint
		for i := range 6 {
			c := models.Comment{ThreadID: post.ThreadID, Author: "A", Body: fmt.Sprint(i), HTML: "x",
				Status: models.StatusPending, IP: "198.51.100.7"}
			if i < 2 {
				c.Status = models.StatusApproved
			}
			if err := s.CreateComment(ctx, &c, 5); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		noteComment := queueComment(t, s, note.ID, "N", "", "on a note", models.StatusPending)
		ap, pe, sp, rm := models.StatusApproved, models.StatusPending, models.StatusSpam, models.StatusRemoved
		check("created", map[string]map[models.Status]int{
			"": {ap: 2, pe: 5}, models.DefaultSiteID: {ap: 2, pe: 4}, "notes": {pe: 1}})

		entries, err := s.Moderate(ctx, ids[2:4], sp, store.Actor{Name: "mod"}, "")
		if err != nil {
			t.Fatal(err)
		}
		check("moderated", map[string]map[models.Status]int{models.DefaultSiteID: {ap: 2, pe: 2, sp: 2}})
		if _, err := s.Undo(ctx, entries[0].ID, store.Actor{Name: "mod"}); err != nil {
			t.Fatal(err)
		}
		check("undone", map[string]map[models.Status]int{models.DefaultSiteID: {ap: 2, pe: 3, sp: 1}})

		since := time.Now().Add(-time.Hour)
		ban := models.Ban{Kind: models.BanIP, Value: "198.51.100.7"}
		if _, err := s.CreateBan(ctx, &ban, store.Actor{Name: "mod"}, &since, models.Commenter{IP: "198.51.100.7"}); err != nil {
			t.Fatal(err)
		}
		check("banned", map[string]map[models.Status]int{
			"": {pe: 1, sp: 1, rm: 5}, models.DefaultSiteID: {sp: 1, rm: 5}, "notes": {pe: 1}})
		if _, err := s.Moderate(ctx, []uint{noteComment}, ap, store.Actor{Name: "mod"}, ""); err != nil {
			t.Fatal(err)
		}
		check("approved on the other site", map[string]map[models.Status]int{
			"": {ap: 1, sp: 1, rm: 5}, "notes": {ap: 1}})
	})
}
