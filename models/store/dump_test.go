package store_test

import (
	"context"
	"path/filepath"
	"regexp"
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
	populateModeration(t, s, top.ID)
	importString(t, s, bloggerFeed, importOpts("blogger", ""))
	importString(t, s, wxr("https://other.example/2020/post/", wpComment(1, 0, "W", "<p>imported</p>"),
		wpComment(2, 1, "X", "<p>reply</p>"), wpComment(3, 99, "Y", "<p>orphan</p>")), importOpts("wordpress", "other"))
}

// populateModeration adds what readers and moderators leave besides
// comments: votes, flags, bans on one site and on all, reply subscribers
// and a moderator's audit entries.
func populateModeration(t *testing.T, s *store.Store, top uint) {
	t.Helper()
	ctx := context.Background()
	for _, v := range []struct {
		voter string
		value int
	}{{"key-a", 1}, {"key-b", 1}, {"iphash-c", -1}} {
		if _, err := s.Vote(ctx, top, v.voter, v.value); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddFlag(ctx, &models.Flag{CommentID: top, Reader: "key-b", Reason: "off-topic", Note: "not about the post"}, 99); err != nil {
		t.Fatal(err)
	}
	mod, err := s.ModeratorByEmail(ctx, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	until := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, b := range []models.Ban{
		{Kind: models.BanDomain, Value: "spam.example", Note: "link farm", CreatedBy: "admin@example.com"},
		{SiteID: "other", Kind: models.BanIP, Value: "198.51.100.0/24", Shadow: true, ExpiresAt: &until},
	} {
		if _, err := s.CreateBan(ctx, &b, store.Actor{ModeratorID: &mod.ID, Name: mod.Email}, nil, models.Commenter{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetPinned(ctx, top, true, store.Actor{ModeratorID: &mod.ID, Name: mod.Email}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		if _, err := s.RequestReplies(ctx, email, "de", now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ConfirmReplies(ctx, "ann@example.com", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
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
			`"edited_at":"2024-03-04T05:06:07.123456Z"`, `"score":4,"upvotes":2,"downvotes":1`, `"status":"flagged"`, `"status":"removed"`,
			`"code":"first"`, `"source":"wordpress"`, `"from_path":"/2011/01/hello.html"`, `"closed":true`,
			`"voter":"iphash-c","value":-1`, `"reader":"key-b","reason":"off-topic","note":"not about the post"`,
			`"kind":"domain","value":"spam.example"`, `"site_id":"other","kind":"ip","value":"198.51.100.0/24","shadow":true`,
			`"email":"bob@example.com","confirmed_at":null`, `"language":"de"`, `"pinned":true`} {
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
		if res.Votes != 3 || res.Flags != 1 || res.Bans != 2 || res.Subscribers != 2 || res.Audit != len(d.Audit) || len(d.Audit) < 5 {
			t.Errorf("import of votes, flags, bans, subscribers and %d audit entries: %+v", len(d.Audit), res)
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
		if res.Comments+res.Posts+res.Threads+res.Sites+res.Moderators+res.Redirects+res.Votes+res.Flags+res.Bans+res.Subscribers+res.Audit != 0 {
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
		if len(d.Bans) != 1 || d.Bans[0].SiteID != "other" || len(d.Subscribers) != 0 || len(d.Audit) != 0 {
			t.Errorf("site dump: bans %+v, %d subscribers, %d audit entries", d.Bans, len(d.Subscribers), len(d.Audit))
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
		// Ann's comment took a new id; her votes, flag and pin entry follow it.
		var ann store.DumpComment
		for _, c := range d.Comments {
			if c.Author == "Ann" {
				ann = c
			}
		}
		if ann.ID == 1 || len(ann.Votes) != 3 || len(ann.Flags) != 1 {
			t.Errorf("Ann's comment after the merge: id %d, %d votes, %d flags", ann.ID, len(ann.Votes), len(ann.Flags))
		}
		pinned := 0
		for _, a := range d.Audit {
			if a.Action == "pin" || a.After == "pinned" {
				pinned++
				if a.CommentID == nil || *a.CommentID != ann.ID || a.ModeratorID == nil {
					t.Errorf("the pin's audit entry names comment %v, moderator %v; want comment %d", a.CommentID, a.ModeratorID, ann.ID)
				}
			}
		}
		if pinned != 1 {
			t.Errorf("%d pin entries in the audit log after the merge", pinned)
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

// TestDumpMovesFromSQLiteToPostgreSQL is the move README describes: export
// the SQLite file, read the dump into a fresh PostgreSQL database, export
// that. The dumps differ only where PostgreSQL keeps times to the
// microsecond.
func TestDumpMovesFromSQLiteToPostgreSQL(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip("needs PostgreSQL: set PARLEY_TEST_POSTGRES")
	}
	ctx := context.Background()
	from := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	populate(t, from)
	src := exportString(t, from, "")

	to := storetest.Open(t, dsn)
	bootstrapped(t, to)
	res, err := to.ImportDump(ctx, strings.NewReader(src), store.DumpImportOptions{WelcomeSlug: "welcome"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != 0 || res.Votes != 3 || res.Flags != 1 || res.Bans != 2 || res.Subscribers != 2 {
		t.Errorf("move: %+v", res)
	}
	want, got := microseconds(t, src), microseconds(t, exportString(t, to, ""))
	if got != want {
		t.Fatalf("the move changed the dump:\n%s", firstDiff(want, got))
	}
	checkCounts(t, to)
}

var dumpTime = regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+Z"`)

// microseconds cuts every time in a dump to the microsecond, as
// PostgreSQL (through pgx) stores it.
func microseconds(t *testing.T, dump string) string {
	t.Helper()
	return dumpTime.ReplaceAllStringFunc(dump, func(q string) string {
		ts, err := time.Parse(time.RFC3339Nano, strings.Trim(q, `"`))
		if err != nil {
			t.Fatalf("time %s: %v", q, err)
		}
		return `"` + ts.Truncate(time.Microsecond).Format(time.RFC3339Nano) + `"`
	})
}

// TestDumpSkipsBrokenModerationRecords reads votes, flags, bans,
// subscribers and audit entries no Parley writes: each is skipped with its
// reason and the rest of the dump is stored.
func TestDumpSkipsBrokenModerationRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		bootstrapped(t, s)
		src := `{"format":"parley-export","version":2,
"threads":[{"id":7,"site_id":"default","page":"/p","title":"P"}],
"comments":[{"id":1,"thread_id":7,"status":"approved","author":"A","body":"x","html":"<p>x</p>","created_at":"2024-01-02T03:04:05Z",
 "votes":[{"voter":"v1","value":1},{"voter":"v2","value":5},{"voter":"","value":-1}],
 "flags":[{"reader":"r1","reason":"spam"},{"reader":"r2","reason":"bogus"}]}],
"bans":[{"kind":"nope","value":"x"},{"kind":"ip","value":"not-an-ip"},{"site_id":"missing","kind":"email","value":"a@b.example"},
 {"kind":"email","value":"Spam@B.example"}],
"subscribers":[{"email":"no-at"},{"email":"Reader@Example.com","language":"es"}],
"audit":[{"action":"","actor":"x"},{"action":"approved","actor":"mod@example.com","comment_id":1,"created_at":"2024-01-02T03:05:00Z"}]}`
		res, err := s.ImportDump(context.Background(), strings.NewReader(src), store.DumpImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Comments != 1 || res.Votes != 1 || res.Flags != 1 || res.Bans != 1 || res.Subscribers != 1 || res.Audit != 1 || res.Skipped != 8 {
			t.Errorf("import: %+v", res)
		}
		d := parseDump(t, exportString(t, s, ""))
		if len(d.Bans) != 1 || d.Bans[0].Value != "spam@b.example" || len(d.Subscribers) != 1 || d.Subscribers[0].Email != "reader@example.com" {
			t.Errorf("stored bans %+v, subscribers %+v", d.Bans, d.Subscribers)
		}
		// The dump said score 0; v1's vote is on record, so voting again changes nothing.
		if v, err := s.Vote(context.Background(), d.Comments[0].ID, "v1", 1); err != nil || v != 0 {
			t.Errorf("v1 voted twice: score %d, %v", v, err)
		}
	})
}

// TestDumpWithKeysCarriesTheSigningKeys moves the keys that sign readers'
// cookies and emailed links along with a dump made WithKeys, so that they
// keep working after a move; without it, and into a database in use, the
// keys stay where they are.
func TestDumpWithKeysCarriesTheSigningKeys(t *testing.T) {
	eachPair(t, func(t *testing.T, a, b *store.Store) {
		ctx := context.Background()
		populate(t, a)
		if _, err := a.Secrets(ctx, "tokens", 32); err != nil {
			t.Fatal(err)
		}
		if err := a.RotateSecret(ctx, "tokens", 32); err != nil {
			t.Fatal(err)
		}
		wantTokens, err := a.Secrets(ctx, "tokens", 32)
		if err != nil {
			t.Fatal(err)
		}
		if plain := exportString(t, a, ""); strings.Contains(plain, `"keys"`) {
			t.Error("a dump made without WithKeys carries keys")
		}
		var withKeys strings.Builder
		if err := a.Export(ctx, &withKeys, store.ExportOptions{WithKeys: true}); err != nil {
			t.Fatal(err)
		}
		if err := a.Export(ctx, &strings.Builder{}, store.ExportOptions{SiteID: "other", WithKeys: true}); err == nil {
			t.Error("a one-site dump took the keys of the whole database")
		}

		bootstrapped(t, b)
		if _, err := b.Secrets(ctx, "tokens", 32); err != nil { // as a first start would
			t.Fatal(err)
		}
		// Through the admin's upload (a running server), the keys are not taken.
		web := storetest.Open(t, storetest.Backends(t)[0].DSN)
		bootstrapped(t, web)
		if res, err := web.ImportDump(ctx, strings.NewReader(withKeys.String()), store.DumpImportOptions{WelcomeSlug: "welcome"}); err != nil || res.Keys != 0 || res.Skipped != 2 {
			t.Errorf("upload with keys: %+v, %v", res, err)
		}
		// An import that stops half-way (here: a dump cut short) and is run
		// again still ends with the old instance's keys.
		cut := withKeys.String()[:strings.Index(withKeys.String(), `"author":"Ann"`)]
		if _, err := b.ImportDump(ctx, strings.NewReader(cut), store.DumpImportOptions{WelcomeSlug: "welcome", RestoreKeys: true, BatchSize: 2}); err == nil {
			t.Fatal("a dump cut short was read without an error")
		}
		res, err := b.ImportDump(ctx, strings.NewReader(withKeys.String()), store.DumpImportOptions{WelcomeSlug: "welcome", RestoreKeys: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Keys != 0 || res.Skipped != 0 || res.Comments == 0 {
			t.Errorf("import with keys after one that stopped: %+v", res)
		}
		got, err := b.Secrets(ctx, "tokens", 32)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || string(got[0]) != string(wantTokens[0]) || string(got[1]) != string(wantTokens[1]) {
			t.Errorf("tokens keys after the move differ from the old instance's")
		}
		again, err := b.ImportDump(ctx, strings.NewReader(withKeys.String()), store.DumpImportOptions{WelcomeSlug: "welcome", RestoreKeys: true})
		if err != nil || again.Keys != 0 || again.Skipped != 0 {
			t.Errorf("second import: %+v, %v", again, err)
		}

		// A database with comments of its own keeps its keys.
		live := storetest.Open(t, storetest.Backends(t)[0].DSN)
		post := bootstrapped(t, live)
		addComment(t, live, post.ThreadID, nil, models.StatusApproved)
		own, err := live.Secrets(ctx, "tokens", 32)
		if err != nil {
			t.Fatal(err)
		}
		merged, err := live.ImportDump(ctx, strings.NewReader(withKeys.String()), store.DumpImportOptions{WelcomeSlug: "welcome", RestoreKeys: true})
		if err != nil || merged.Keys != 0 || merged.Skipped != 2 {
			t.Errorf("merge with keys: %+v, %v", merged, err)
		}
		if kept, err := live.Secrets(ctx, "tokens", 32); err != nil || len(kept) != 1 || string(kept[0]) != string(own[0]) {
			t.Errorf("the live database's keys changed: %v", err)
		}
	})
}
