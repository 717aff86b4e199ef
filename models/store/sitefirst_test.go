package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// notesThread adds a second site, "notes", with one thread, /notes/1.
func notesThread(t *testing.T, s *store.Store) models.Thread {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateSite(ctx, &models.Site{ID: "notes", Name: "Notes", Settings: models.DefaultSiteSettings()}); err != nil {
		t.Fatal(err)
	}
	note, err := s.EnsureThread(ctx, "notes", "/notes/1", "A note", "")
	if err != nil {
		t.Fatal(err)
	}
	return note
}

func TestGatherCheaper(t *testing.T) {
	cases := []struct {
		site, total int64
		limit       int
		want        bool
	}{
		{3, 1_000_000, 50, true},          // a small site among a million
		{7_000, 1_000_000, 50, true},      // 49e6 < 50e6
		{7_100, 1_000_000, 50, false},     // walking reads about 7,000 rows
		{900_000, 1_000_000, 50, false},   // the site is nearly everything
		{0, 0, 50, false},                 // nothing anywhere: either plan is free
		{10, 10, 0, false},                // a zero limit counts as one
		{100_000, 100_000_000, 50, false}, // walking reads about 50,000 rows, gathering 100,000
	}
	for _, c := range cases {
		if got := store.GatherCheaper(c.site, c.total, c.limit); got != c.want {
			t.Errorf("GatherCheaper(%d, %d, %d) = %v, want %v", c.site, c.total, c.limit, got, c.want)
		}
	}
}

// TestSiteListsAgreeWhicheverWayTheyRead checks the queue filtered by site
// and the site's feed against what they must list, on both databases, with
// limits that make each read the site's threads first and that make each
// walk every site's comments.
func TestSiteListsAgreeWhicheverWayTheyRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		note := notesThread(t, s)
		approved, pending := models.StatusApproved, models.StatusPending
		var big []uint
		for i := range 12 {
			big = append(big, queueComment(t, s, post.ThreadID, "Ann", "", "on the blog", []models.Status{approved, pending}[i%2]))
		}
		old := queueComment(t, s, note.ID, "Cy", "", "an old note", approved)
		held := queueComment(t, s, note.ID, "Dee", "", "a held note", pending)
		newer := queueComment(t, s, note.ID, "Eve", "", "a newer note", approved)
		// The notes' comments are older than the blog's, as on a site
		// nobody has commented on for a while.
		if err := store.ExecWriter(s, "UPDATE comments SET created_at = ? WHERE id = ?", time.Now().UTC().AddDate(0, -2, 0), old); err != nil {
			t.Fatal(err)
		}
		if err := store.ExecWriter(s, "UPDATE comments SET created_at = ? WHERE id = ?", time.Now().UTC().AddDate(0, -1, 0), newer); err != nil {
			t.Fatal(err)
		}

		// Two of eight approved with a limit of 50 reads the notes' threads
		// first (4 < 400); the blog's six with a limit of 1 walk (36 >= 8).
		for _, c := range []struct {
			site  string
			limit int
			want  []uint
		}{
			{"notes", 50, []uint{newer, old}},
			{"notes", 1, []uint{newer}},
			{models.DefaultSiteID, 1, []uint{big[10]}},
			{models.DefaultSiteID, 50, []uint{big[10], big[8], big[6], big[4], big[2], big[0]}},
		} {
			got, err := s.RecentComments(ctx, c.site, 0, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint
			for _, fc := range got {
				ids = append(ids, fc.ID)
				if fc.SiteID != c.site {
					t.Errorf("feed of %s lists comment %d of %s", c.site, fc.ID, fc.SiteID)
				}
			}
			if !slices.Equal(ids, c.want) {
				t.Errorf("feed of %s, limit %d: %v, want %v", c.site, c.limit, ids, c.want)
			}
		}
		for _, c := range []struct {
			f    store.QueueFilter
			want []uint
		}{
			{store.QueueFilter{Status: pending, SiteID: "notes", Limit: 50}, []uint{held}},
			{store.QueueFilter{Status: pending, SiteID: models.DefaultSiteID, Limit: 2}, []uint{big[11], big[9]}},
			{store.QueueFilter{Status: pending, SiteID: models.DefaultSiteID, Limit: 2, Before: big[9]}, []uint{big[7], big[5]}},
			{store.QueueFilter{SiteID: "notes", Limit: 50}, []uint{newer, held, old}},
			{store.QueueFilter{Status: approved, SiteID: "notes", Limit: 50, Before: newer}, []uint{old}},
			{store.QueueFilter{Status: pending, ThreadID: note.ID, Limit: 50}, []uint{held}},
			{store.QueueFilter{SiteID: "notes", Search: "NOTE", Limit: 50, ScanLimit: 1}, []uint{newer, held, old}},
			{store.QueueFilter{Status: pending, SiteID: models.DefaultSiteID, Search: "blog", Limit: 2, ScanLimit: 2}, []uint{big[11]}}, // the window: held, big[11]
			{store.QueueFilter{ThreadID: note.ID, Limit: 50}, []uint{newer, held, old}},
			{store.QueueFilter{Status: pending, ThreadID: post.ThreadID, Limit: 2}, []uint{big[11], big[9]}},
			{store.QueueFilter{Status: pending, ThreadID: post.ThreadID, Limit: 50, Before: big[5]}, []uint{big[3], big[1]}},
		} {
			if got := queueIDs(t, s, c.f); !slices.Equal(got, c.want) {
				t.Errorf("queue %+v: %v, want %v", c.f, got, c.want)
			}
		}
	})
}

// TestSmallSiteReadsItsThreadsFirst reads SQLite's plans for a site of
// two comments beside 100,000 of another: its queue and feed, and its
// thread's queue, start from its threads, where walking the big site's
// comments would read them all (1.1 s on a million). The big site and its
// thread keep the walk.
func TestSmallSiteReadsItsThreadsFirst(t *testing.T) {
	s, bigThread := seeded(t, 100_000)
	if err := store.ExecWriter(s, "UPDATE comments SET status = 'approved' WHERE id % 2 = 0"); err != nil {
		t.Fatal(err)
	}
	note := notesThread(t, s)
	queueComment(t, s, note.ID, "Cy", "", "a note", models.StatusApproved)
	queueComment(t, s, note.ID, "Dee", "", "a held note", models.StatusPending)

	threadsFirst := "SEARCH threads USING INDEX idx_threads_site_page (site_id=?) | SEARCH comments USING INDEX idx_comments_thread (thread_id=? AND status=?)"
	plans := map[string]struct {
		plan func() ([]string, error)
		want string
	}{
		"small site's queue": {func() ([]string, error) {
			return store.QueuePlan(s, store.QueueFilter{Status: models.StatusPending, SiteID: "notes", Limit: 51})
		}, threadsFirst},
		"small site's feed": {func() ([]string, error) { return store.FeedPlan(s, "notes", 0, 50) }, threadsFirst},
		"big site's queue": {func() ([]string, error) {
			return store.QueuePlan(s, store.QueueFilter{Status: models.StatusPending, SiteID: models.DefaultSiteID, Limit: 51})
		}, "SEARCH comments USING INDEX idx_comments_queue (status=?)"},
		"big site's feed": {func() ([]string, error) { return store.FeedPlan(s, models.DefaultSiteID, 0, 50) },
			"SEARCH comments USING INDEX idx_comments_status (status=?)"},
		"small site's search": {func() ([]string, error) {
			return store.QueuePlan(s, store.QueueFilter{Status: models.StatusPending, SiteID: "notes", Search: "held", Limit: 51, ScanLimit: 20_000})
		}, threadsFirst},
		"big site's search": {func() ([]string, error) {
			return store.QueuePlan(s, store.QueueFilter{Status: models.StatusPending, SiteID: models.DefaultSiteID, Search: "held", Limit: 51, ScanLimit: 20_000})
		}, "SEARCH comments USING INDEX idx_comments_queue (status=? AND id>?)"},
		"small thread's queue": {func() ([]string, error) {
			return store.QueuePlan(s, store.QueueFilter{Status: models.StatusPending, ThreadID: note.ID, Limit: 51})
		}, "SEARCH threads USING INTEGER PRIMARY KEY (rowid=?) | SEARCH comments USING INDEX idx_comments_thread (thread_id=?)"},
		"big thread's queue": {func() ([]string, error) {
			return store.QueuePlan(s, store.QueueFilter{Status: models.StatusPending, ThreadID: bigThread, Limit: 51})
		}, "SEARCH threads USING INTEGER PRIMARY KEY (rowid=?) | SEARCH comments USING INDEX idx_comments_queue (status=?)"},
	}
	for name, p := range plans {
		plan, err := p.plan()
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(plan, " | ")
		t.Logf("%s: %s", name, joined)
		if !strings.HasPrefix(joined, p.want) {
			t.Errorf("%s: plan %q does not start with %q", name, joined, p.want)
		}
	}
}
