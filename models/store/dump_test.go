package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// populate fills a store with one of everything a dump must carry.
func populate(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	post := bootstrapped(t, s)
	settings := models.DefaultSiteSettings()
	settings.Moderation, settings.MaxDepth = models.ModerationPost, 3
	other := models.Site{ID: "other", Name: "Other site", Origins: []string{"https://other.example", "https://www.other.example"}, Settings: settings}
	if err := s.CreateSite(ctx, &other); err != nil {
		t.Fatal(err)
	}
	for _, m := range []models.Moderator{
		{Email: "admin@example.com", Name: "Admin", PasswordHash: "$argon2id$x", Role: models.RoleAdmin},
		{Email: "mod@example.com", Name: "Mod", PasswordHash: "$argon2id$y", Role: models.RoleModerator, Disabled: true},
	} {
		if err := s.CreateModerator(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	draft := models.Post{SiteID: models.DefaultSiteID, Slug: "draft", Title: "A draft", Body: "*soon*", BodyHTML: "<p><em>soon</em></p>"}
	if err := s.CreatePost(ctx, &draft); err != nil {
		t.Fatal(err)
	}
	th, err := s.EnsureThread(ctx, "other", "/page?id=1", "Page one", "https://other.example/page?id=1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetThreadClosed(ctx, th.ID, true); err != nil {
		t.Fatal(err)
	}
	edited := time.Date(2024, 3, 4, 5, 6, 7, 123456000, time.UTC)
	top := models.Comment{ThreadID: post.ThreadID, Author: "Ann", Email: "ann@example.com", Website: "https://ann.example/",
		Body: "Hello *there*", HTML: "<p>Hello <em>there</em></p>", Status: models.StatusApproved, Score: 3,
		IP: "203.0.113.7", UserAgent: "Mozilla/5.0", CommenterKey: "k1", EditedAt: &edited,
		Reasons: []models.Reason{{Code: "first", Text: "First comment", Detail: "by this key"}}}
	if err := s.CreateComment(ctx, &top, 5); err != nil {
		t.Fatal(err)
	}
	reply := addComment(t, s, post.ThreadID, &top.ID, models.StatusApproved)
	addComment(t, s, post.ThreadID, &reply.ID, models.StatusApproved)
	for _, st := range []models.Status{models.StatusPending, models.StatusSpam} {
		addComment(t, s, th.ID, nil, st)
	}
	gone := addComment(t, s, post.ThreadID, nil, models.StatusApproved)
	addComment(t, s, post.ThreadID, &gone.ID, models.StatusApproved)
	if _, err := s.SetStatus(ctx, []uint{gone.ID}, models.StatusRemoved, store.Actor{Name: "test"}, "rude"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, []uint{reply.ID}, models.StatusFlagged, store.Actor{Name: "readers"}, ""); err != nil {
		t.Fatal(err)
	}
	importString(t, s, bloggerFeed, importOpts("blogger", ""))
	importString(t, s, wxr("https://other.example/2020/post/", wpComment(1, 0, "W", "<p>imported</p>"),
		wpComment(2, 1, "X", "<p>reply</p>"), wpComment(3, 99, "Y", "<p>orphan</p>")), importOpts("wordpress", "other"))
}

func exportString(t *testing.T, s *store.Store, site string) string {
	t.Helper()
	var b strings.Builder
	if err := s.Export(context.Background(), &b, store.ExportOptions{SiteID: site}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// eachPair runs fn with two fresh stores on each backend.
func eachPair(t *testing.T, fn func(t *testing.T, a, b *store.Store)) {
	for i, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			a := storetest.Open(t, be.DSN)
			b := storetest.Open(t, storetest.Backends(t)[i].DSN)
			fn(t, a, b)
		})
	}
}

// TestDumpRoundTrip exports a database with everything in it, reads the
// dump into a fresh database and exports that: the bytes are the same.
func TestDumpRoundTrip(t *testing.T) {
	eachPair(t, func(t *testing.T, a, b *store.Store) {
		ctx := context.Background()
		populate(t, a)
		first := exportString(t, a, "")
		d := parseDump(t, first)
		if d.Format != store.DumpFormat || len(d.Sites) != 2 || len(d.Moderators) != 2 || len(d.Redirects) != 2 || len(d.Comments) != 12 {
			t.Fatalf("dump: %d sites, %d moderators, %d redirects, %d comments",
				len(d.Sites), len(d.Moderators), len(d.Redirects), len(d.Comments))
		}
		if strings.Contains(first, "argon2id") || strings.Contains(first, "password") {
			t.Error("the dump carries password hashes")
		}
		for _, want := range []string{`"ip":"203.0.113.7"`, `"email":"ann@example.com"`, `"user_agent":"Mozilla/5.0"`,
			`"edited_at":"2024-03-04T05:06:07.123456Z"`, `"score":3`, `"status":"flagged"`, `"status":"removed"`,
			`"code":"first"`, `"source":"wordpress"`, `"from_path":"/2011/01/hello.html"`, `"closed":true`} {
			if !strings.Contains(first, want) {
				t.Errorf("dump lacks %s", want)
			}
		}
		if again := exportString(t, a, ""); again != first {
			t.Fatalf("two exports of one database differ:\n%s", firstDiff(first, again))
		}

		bootstrapped(t, b) // a fresh database has its own welcome post
		res, err := b.ImportDump(ctx, strings.NewReader(first), store.DumpImportOptions{WelcomeSlug: "welcome", BatchSize: 4})
		if err != nil {
			t.Fatal(err)
		}
		if res.Comments != 12 || res.Posts != 5 || res.Moderators != 2 || res.Redirects != 2 || res.Skipped != 0 || res.Orphans != 0 {
			t.Errorf("import: %+v", res)
		}
		if second := exportString(t, b, ""); second != first {
			t.Fatalf("the round trip changed the dump:\n%s", firstDiff(first, second))
		}
		m, err := b.ModeratorByEmail(ctx, "admin@example.com")
		if err != nil || strings.HasPrefix(m.PasswordHash, "$argon2id$") {
			t.Errorf("restored moderator: %+v, %v", m, err)
		}

		// Reading it once more adds nothing.
		res, err = b.ImportDump(ctx, strings.NewReader(first), store.DumpImportOptions{WelcomeSlug: "welcome"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Comments+res.Posts+res.Threads+res.Sites+res.Moderators+res.Redirects != 0 {
			t.Errorf("second import stored something: %+v", res)
		}
		if third := exportString(t, b, ""); third != first {
			t.Fatalf("the second import changed the database:\n%s", firstDiff(first, third))
		}
		// New rows get fresh ids after ids were inserted by hand (PostgreSQL sequences).
		p, err := b.PostBySlug(ctx, models.DefaultSiteID, "welcome")
		if err != nil {
			t.Fatal(err)
		}
		addComment(t, b, p.ThreadID, nil, models.StatusApproved)
		if err := b.CreatePost(ctx, &models.Post{SiteID: models.DefaultSiteID, Slug: "after", Title: "After", Body: "x", BodyHTML: "x"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDumpOfOneSite(t *testing.T) {
	eachPair(t, func(t *testing.T, a, b *store.Store) {
		populate(t, a)
		d := parseDump(t, exportString(t, a, "other"))
		if len(d.Sites) != 1 || d.Sites[0].ID != "other" || len(d.Moderators) != 0 || len(d.Redirects) != 0 || len(d.Posts) != 0 {
			t.Fatalf("site dump: %+v", d)
		}
		if len(d.Threads) != 2 || len(d.Comments) != 5 {
			t.Errorf("site dump: %d threads, %d comments", len(d.Threads), len(d.Comments))
		}
		var none strings.Builder
		if err := a.Export(context.Background(), &none, store.ExportOptions{SiteID: "nope"}); err == nil {
			t.Error("export of an unknown site succeeded")
		}
	})
}

// TestDumpMergesIntoALiveDatabase reads a dump into a database that has
// comments of its own with the same ids: the dump's comments get new ids,
// keep their threading, and a second read adds nothing.
func TestDumpMergesIntoALiveDatabase(t *testing.T) {
	eachPair(t, func(t *testing.T, a, b *store.Store) {
		ctx := context.Background()
		populate(t, a)
		src := exportString(t, a, "")
		post := bootstrapped(t, b)
		for i := 0; i < 3; i++ {
			addComment(t, b, post.ThreadID, nil, models.StatusApproved)
		}
		res, err := b.ImportDump(ctx, strings.NewReader(src), store.DumpImportOptions{WelcomeSlug: "welcome"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Comments != 12 || res.Orphans != 0 {
			t.Fatalf("merge: %+v", res)
		}
		checkCounts(t, b)
		d := parseDump(t, exportString(t, b, ""))
		if len(d.Comments) != 15 {
			t.Fatalf("%d comments after the merge, want 15", len(d.Comments))
		}
		replies := 0
		for _, c := range d.Comments {
			if c.ParentID != nil {
				replies++
			}
		}
		if replies != 4 { // 2 under Ann, 1 under the removed one, 1 WordPress reply
			t.Errorf("%d replies after the merge, want 4", replies)
		}
		again, err := b.ImportDump(ctx, strings.NewReader(src), store.DumpImportOptions{WelcomeSlug: "welcome"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Comments != 0 || again.Existing < 12 {
			t.Errorf("second merge: %+v", again)
		}
	})
}

func TestDumpRejectsOtherFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		bootstrapped(t, s)
		for _, src := range []string{``, `[]`, `{"format":"other"}`, `{"sites":[]}`, `{"format":"parley-export","version":99}`,
			`{"format":"parley-export","comments":[{"id":1}`} {
			if _, err := s.ImportDump(context.Background(), strings.NewReader(src), store.DumpImportOptions{}); err == nil {
				t.Errorf("%q was accepted", src)
			}
		}
		res, err := s.ImportDump(context.Background(), strings.NewReader(
			`{"format":"parley-export","version":1,"comments":[{"id":"x"},{"id":5,"thread_id":999,"status":"approved"}]}`),
			store.DumpImportOptions{})
		if err != nil || res.Skipped != 2 || res.Comments != 0 {
			t.Errorf("broken records: %+v, %v", res, err)
		}
	})
}
