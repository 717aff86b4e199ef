package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// queueComment stores a comment with the given reason codes.
func queueComment(t *testing.T, s *store.Store, threadID uint, author, email, body string, status models.Status, codes ...string) uint {
	t.Helper()
	c := models.Comment{ThreadID: threadID, Author: author, Email: email, Body: body, HTML: "<p>" + body + "</p>", Status: status}
	for _, code := range codes {
		c.Reasons = append(c.Reasons, models.Reason{Code: code, Text: "because " + code, Detail: "50% sure"})
	}
	if err := s.CreateComment(context.Background(), &c, 5); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func queueIDs(t *testing.T, s *store.Store, f store.QueueFilter) []uint {
	t.Helper()
	items, err := s.Queue(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestQueueFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		note := notesThread(t, s)
		pending := models.StatusPending
		ann := queueComment(t, s, post.ThreadID, "Ann", "ann@example.com", "Buy cheap 100% NATURAL_tea", pending, "links", "hold_word")
		bob := queueComment(t, s, post.ThreadID, "Bob", "", "Hello there, 100 percent agree", pending, "pre_moderation")
		cy := queueComment(t, s, note.ID, "Cy", "CY@Example.com", "hello again", pending, "links_extra", "holdxword")
		dee := queueComment(t, s, note.ID, "Dee", "dee@example.com", "approved hello", models.StatusApproved)

		cases := []struct {
			name string
			f    store.QueueFilter
			want []uint
		}{
			{"status only", store.QueueFilter{Status: pending}, []uint{cy, bob, ann}},
			{"every status", store.QueueFilter{}, []uint{dee, cy, bob, ann}},
			{"site", store.QueueFilter{Status: pending, SiteID: "notes"}, []uint{cy}},
			{"thread", store.QueueFilter{Status: pending, ThreadID: post.ThreadID}, []uint{bob, ann}},
			{"page", store.QueueFilter{Status: pending, Page: "/notes/1"}, []uint{cy}},
			{"page and wrong site", store.QueueFilter{Status: pending, Page: "/notes/1", SiteID: "default"}, nil},
			{"reason is a whole code", store.QueueFilter{Status: pending, Reason: "links"}, []uint{ann}},
			{"underscore in a code is literal", store.QueueFilter{Status: pending, Reason: "hold_word"}, []uint{ann}},
			{"unknown reason", store.QueueFilter{Status: pending, Reason: "nothing"}, nil},
			{"author name, any case", store.QueueFilter{Status: pending, Author: " ANN "}, []uint{ann}},
			{"author email, any case", store.QueueFilter{Status: pending, Author: "cy@example.COM"}, []uint{cy}},
			{"author is whole, not a part", store.QueueFilter{Status: pending, Author: "an"}, nil},
			{"search body, any case", store.QueueFilter{Status: pending, Search: "HELLO"}, []uint{cy, bob}},
			{"search percent is literal", store.QueueFilter{Status: pending, Search: "100%"}, []uint{ann}},
			{"search underscore is literal", store.QueueFilter{Status: pending, Search: "natural_tea"}, []uint{ann}},
			{"search author", store.QueueFilter{Status: pending, Search: "bo"}, []uint{bob}},
			{"search email", store.QueueFilter{Status: pending, Search: "example.com"}, []uint{cy, ann}},
			{"search and status", store.QueueFilter{Status: models.StatusApproved, Search: "hello"}, []uint{dee}},
			{"filters combine", store.QueueFilter{Status: pending, Reason: "links", Search: "hello"}, nil},
		}
		for _, tc := range cases {
			if got := queueIDs(t, s, tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}

		items, err := s.Queue(ctx, store.QueueFilter{Status: pending, Reason: "links"})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || len(items[0].Reasons) != 2 || items[0].Reasons[0].Detail != "50% sure" || items[0].ThreadTitle != "Welcome" {
			t.Fatalf("reasons did not survive storage: %+v", items)
		}
	})
}

func TestQueueKeysetPagesThroughEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		post := bootstrapped(t, s)
		var want []uint
		for i := 0; i < 7; i++ {
			want = append([]uint{queueComment(t, s, post.ThreadID, "A", "", "body", models.StatusPending)}, want...)
		}
		var got []uint
		var before uint
		for page := 0; page < 10; page++ {
			ids := queueIDs(t, s, store.QueueFilter{Status: models.StatusPending, Before: before, Limit: 3})
			if len(ids) == 0 {
				break
			}
			got = append(got, ids...)
			before = ids[len(ids)-1]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages gave %v, want %v", got, want)
		}
	})
}

// seeded opens a fresh SQLite store with n pending comments on the welcome post.
func seeded(tb testing.TB, n int) (*store.Store, uint) {
	tb.Helper()
	s := storetest.Open(tb, filepath.Join(tb.TempDir(), "big.db"))
	ctx := context.Background()
	if err := s.Bootstrap(ctx, welcome); err != nil {
		tb.Fatal(err)
	}
	p, err := s.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.SeedPending(s, p.ThreadID, n); err != nil {
		tb.Fatal(err)
	}
	return s, p.ThreadID
}

// TestQueueUsesIndexWith100kPending reads SQLite's plan of the queue's
// first page over 100,000 pending comments: an index search, never a full
// scan of comments, never a sort in a temporary b-tree.
func TestQueueUsesIndexWith100kPending(t *testing.T) {
	s, threadID := seeded(t, 100_000)
	pending := models.StatusPending
	filters := map[string]store.QueueFilter{
		"default":            {Status: pending, Limit: 51},
		"next page":          {Status: pending, Limit: 51, Before: 60_000},
		"site":               {Status: pending, SiteID: models.DefaultSiteID, Limit: 51},
		"thread":             {Status: pending, ThreadID: threadID, Limit: 51},
		"reason":             {Status: pending, Reason: "links", Limit: 51},
		"search":             {Status: pending, Search: "number 4", Limit: 51},
		"search in a window": {Status: pending, Search: "number 4", Limit: 51, ScanLimit: 20_000},
		"author in a window": {Status: pending, Author: "reader 7", Limit: 51, ScanLimit: 20_000, Before: 60_000},
	}
	for name, f := range filters {
		plan, err := store.QueuePlan(s, f)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(plan, " | ")
		t.Logf("%s: %s", name, joined)
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN comments") || strings.Contains(line, "TEMP B-TREE") {
				t.Errorf("%s: plan has %q: %s", name, line, joined)
			}
		}
		if !strings.Contains(joined, "SEARCH comments USING INDEX") {
			t.Errorf("%s: plan does not search comments by an index: %s", name, joined)
		}
	}
	if plan, _ := store.QueuePlan(s, filters["default"]); !strings.Contains(plan[0], "idx_comments_queue (status=?)") {
		t.Errorf("default filter: plan %q does not use idx_comments_queue", plan)
	}

	ids := queueIDs(t, s, store.QueueFilter{Status: pending, Limit: 50})
	if len(ids) != 50 || ids[0] != 100_000 || ids[49] != 99_951 {
		t.Fatalf("first page ids %v…", ids[:min(3, len(ids))])
	}
	links := queueIDs(t, s, store.QueueFilter{Status: pending, Reason: "links", Limit: 3})
	if !slices.Equal(links, []uint{99_995, 99_988, 99_981}) {
		t.Fatalf("reason filter over 100k gave %v", links)
	}
	counts, err := s.QueueCounts(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if counts[pending] != 100_000 {
		t.Fatalf("counts = %v", counts)
	}
}

// BenchmarkQueueCounts measures the tab counts (read from
// comment_status_counts) over 100,000 pending comments, for all sites and
// for one.
func BenchmarkQueueCounts(b *testing.B) {
	s, _ := seeded(b, 100_000)
	ctx := context.Background()
	for _, site := range []string{"", models.DefaultSiteID} {
		b.Run("site="+site, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.QueueCounts(ctx, site); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQueueFirstPage measures the default first page and a deep page.
func BenchmarkQueueFirstPage(b *testing.B) {
	s, _ := seeded(b, 100_000)
	ctx := context.Background()
	for name, f := range map[string]store.QueueFilter{
		"first": {Status: models.StatusPending, Limit: 51},
		"deep":  {Status: models.StatusPending, Limit: 51, Before: 1_000},
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Queue(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestModerateReturnsItsAuditEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		a := queueComment(t, s, post.ThreadID, "Ann", "", "x", models.StatusPending)
		b := queueComment(t, s, post.ThreadID, "Bob", "", "y", models.StatusApproved)
		id := uint(7)
		actor := store.Actor{ModeratorID: &id, Name: "mod@example.com"}
		entries, err := s.Moderate(ctx, []uint{b, a, a, 999_999}, models.StatusApproved, actor, "looks fine")
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || *entries[0].CommentID != a || entries[0].Before != "pending" ||
			entries[0].After != "approved" || entries[0].Note != "looks fine" || entries[0].ID == 0 {
			t.Fatalf("entries = %+v", entries)
		}
		log, err := s.AuditEntries(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if log[0].ID != entries[0].ID || *log[0].ModeratorID != 7 {
			t.Fatalf("newest audit entry %+v is not the returned one %+v", log[0], entries[0])
		}
		if _, err := s.Moderate(ctx, []uint{a}, "published", actor, ""); err == nil {
			t.Fatal("an unknown status was accepted")
		}
	})
}

func TestUndo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		a := queueComment(t, s, post.ThreadID, "Ann", "", "x", models.StatusPending)
		actor := store.Actor{Name: "mod@example.com"}
		approved, err := s.Moderate(ctx, []uint{a}, models.StatusApproved, actor, "")
		if err != nil {
			t.Fatal(err)
		}
		thread, _ := s.ThreadByID(ctx, post.ThreadID)
		if thread.Count != 1 {
			t.Fatalf("count after approve = %d", thread.Count)
		}

		undo, err := s.Undo(ctx, approved[0].ID, actor)
		if err != nil {
			t.Fatal(err)
		}
		if undo.Action != "undo" || undo.Before != "approved" || undo.After != "pending" || *undo.CommentID != a ||
			!strings.Contains(undo.Note, fmt.Sprintf("#%d", approved[0].ID)) {
			t.Fatalf("undo entry = %+v", undo)
		}
		got, _ := s.Comment(ctx, a)
		thread, _ = s.ThreadByID(ctx, post.ThreadID)
		if got.Status != models.StatusPending || thread.Count != 0 {
			t.Fatalf("after undo: status %s, count %d", got.Status, thread.Count)
		}
		log, _ := s.AuditEntries(ctx, 0, 1)
		if log[0].ID != undo.ID || log[0].Action != "undo" {
			t.Fatalf("stored undo entry = %+v", log[0])
		}

		// The comment moved on (it is pending, not approved): a second undo is refused.
		_, err = s.Undo(ctx, approved[0].ID, actor)
		var conflict *store.UndoConflictError
		if !errors.As(err, &conflict) || !errors.Is(err, models.ErrConflict) ||
			conflict.Now != models.StatusPending || conflict.Want != models.StatusApproved {
			t.Fatalf("second undo: err = %v", err)
		}
		// The undo itself can be undone (a redo).
		if _, err := s.Undo(ctx, undo.ID, actor); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Comment(ctx, a); got.Status != models.StatusApproved {
			t.Fatalf("after redo: %s", got.Status)
		}

		settings := models.AuditEntry{Actor: "x", Action: "settings", Before: "pre", After: "post"}
		if err := s.AddAudit(ctx, &settings); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Undo(ctx, settings.ID, actor); !errors.Is(err, store.ErrNotUndoable) {
			t.Fatalf("undo of a settings change: %v", err)
		}
		if _, err := s.Undo(ctx, 999_999, actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("undo of a missing entry: %v", err)
		}
		statuses, err := s.CommentStatuses(ctx, []uint{a, 999_999})
		if err != nil || len(statuses) != 1 || statuses[a] != models.StatusApproved {
			t.Fatalf("statuses = %v, %v", statuses, err)
		}
	})
}

func TestModeratorAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		root := models.Moderator{Email: "root@example.com", Name: "Root", PasswordHash: "h", Role: models.RoleAdmin}
		if err := s.CreateModerator(ctx, &root); err != nil {
			t.Fatal(err)
		}
		actor := store.Actor{ModeratorID: &root.ID, Name: root.Email}
		mod := models.Moderator{Email: " Mod@Example.com", Name: "Mod", PasswordHash: "h", Role: models.RoleModerator}
		if err := s.AddModerator(ctx, &mod, actor); err != nil {
			t.Fatal(err)
		}
		dup := models.Moderator{Email: "mod@example.com", Name: "Again", PasswordHash: "h", Role: models.RoleModerator}
		if err := s.AddModerator(ctx, &dup, actor); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate email: %v", err)
		}
		sessions := 0
		session := func(id uint) string {
			sessions++
			sid := fmt.Sprintf("session-%d-%d", id, sessions)
			if err := s.CreateSession(ctx, &models.Session{ID: sid, ModeratorID: id, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			return sid
		}
		sid := session(mod.ID)

		if _, err := s.SetModeratorDisabled(ctx, root.ID, true, actor); !errors.Is(err, store.ErrSelf) {
			t.Fatalf("self disable: %v", err)
		}
		if _, err := s.SetModeratorRole(ctx, root.ID, models.RoleModerator, actor); !errors.Is(err, store.ErrSelf) {
			t.Fatalf("self demote: %v", err)
		}
		someone := store.Actor{Name: "cli"}
		if _, err := s.SetModeratorRole(ctx, root.ID, models.RoleModerator, someone); !errors.Is(err, store.ErrLastAdmin) {
			t.Fatalf("demoting the last admin: %v", err)
		}
		if _, err := s.SetModeratorDisabled(ctx, root.ID, true, someone); !errors.Is(err, store.ErrLastAdmin) {
			t.Fatalf("disabling the last admin: %v", err)
		}

		m, err := s.SetModeratorDisabled(ctx, mod.ID, true, actor)
		if err != nil || !m.Disabled {
			t.Fatalf("disable: %+v, %v", m, err)
		}
		if _, err := s.SessionModerator(ctx, sid); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("session of a disabled moderator still works: %v", err)
		}
		if m, err := s.SetModeratorDisabled(ctx, mod.ID, false, actor); err != nil || m.Disabled {
			t.Fatalf("enable: %+v, %v", m, err)
		}
		if _, err := s.SetModeratorRole(ctx, mod.ID, models.RoleAdmin, actor); err != nil {
			t.Fatal(err)
		}
		// With a second admin, root may be demoted by someone else.
		if m, err := s.SetModeratorRole(ctx, root.ID, models.RoleModerator, store.Actor{ModeratorID: &mod.ID, Name: mod.Email}); err != nil || m.Role != models.RoleModerator {
			t.Fatalf("demote with another admin: %+v, %v", m, err)
		}
		sid = session(mod.ID)
		if m, err := s.ResetModeratorPassword(ctx, mod.ID, "new-hash", actor); err != nil || m.PasswordHash != "new-hash" {
			t.Fatalf("reset: %+v, %v", m, err)
		}
		if _, err := s.SessionModerator(ctx, sid); !errors.Is(err, models.ErrNotFound) {
			t.Fatal("a password reset left a session alive")
		}
		if _, err := s.SetModeratorDisabled(ctx, 999_999, true, actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("missing account: %v", err)
		}

		log, err := s.AuditEntries(ctx, 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action+":"+e.Before+">"+e.After)
		}
		want := []string{"reset password:>", "change role:admin>moderator", "change role:moderator>admin",
			"enable moderator:disabled>enabled", "disable moderator:enabled>disabled", "add moderator:>moderator"}
		if !slices.Equal(actions, want) {
			t.Fatalf("audit = %v, want %v", actions, want)
		}
		list, err := s.Moderators(ctx)
		if err != nil || len(list) != 2 || list[1].Email != "mod@example.com" {
			t.Fatalf("moderators = %+v, %v", list, err)
		}
	})
}

// Names and words outside ASCII: SQLite's LOWER folds only ASCII letters,
// so a filter that lowered the input alone missed "Émile" and "Иван" on
// the default database, even from the queue's own "only by" links, which
// carry the name as stored.
func TestQueueFiltersFindNamesAndWordsOutsideASCII(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		post := bootstrapped(t, s)
		pending := models.StatusPending
		emile := queueComment(t, s, post.ThreadID, "Émile Zola", "", "Été à Paris", pending)
		ivan := queueComment(t, s, post.ThreadID, "Иван", "Иван@пример.рф", "Привет, МИР", pending)
		queueComment(t, s, post.ThreadID, "emile zola", "", "plain", models.StatusApproved)
		cases := []struct {
			name string
			f    store.QueueFilter
			want []uint
		}{
			{"a name as stored", store.QueueFilter{Status: pending, Author: "Émile Zola"}, []uint{emile}},
			{"a name in another alphabet, as stored", store.QueueFilter{Status: pending, Author: " Иван "}, []uint{ivan}},
			{"an email as stored", store.QueueFilter{Status: pending, Author: "Иван@пример.рф"}, []uint{ivan}},
			{"ASCII still folds", store.QueueFilter{Status: pending, Author: "ÉMILE ZOLA"}, []uint{emile}},
			{"a word as written", store.QueueFilter{Status: pending, Search: "МИР"}, []uint{ivan}},
			{"a word as written, capital first", store.QueueFilter{Status: pending, Search: "Été"}, []uint{emile}},
			{"a name as written", store.QueueFilter{Status: pending, Search: "Иван"}, []uint{ivan}},
			{"a name typed in lower case", store.QueueFilter{Status: pending, Author: "émile zola"}, []uint{emile}},
			{"another alphabet typed in capitals", store.QueueFilter{Status: pending, Author: "ИВАН"}, []uint{ivan}},
			{"an email typed in lower case", store.QueueFilter{Status: pending, Author: "иван@пример.рф"}, []uint{ivan}},
			{"a word typed in lower case", store.QueueFilter{Status: pending, Search: "мир"}, []uint{ivan}},
			{"an accented word typed in lower case", store.QueueFilter{Status: pending, Search: "été à"}, []uint{emile}},
			{"an accented capital typed", store.QueueFilter{Search: "ÉMILE"}, []uint{emile}},
		}
		for _, tc := range cases {
			if got := queueIDs(t, s, tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		// A reader asking for what they wrote, with the address as written.
		mine, err := s.CommentsByEmail(context.Background(), "Иван@пример.рф")
		if err != nil {
			t.Fatal(err)
		}
		if len(mine) != 1 || mine[0].ID != ivan {
			t.Errorf("comments by Иван@пример.рф: %d found, want comment %d", len(mine), ivan)
		}
	})
}

// A bounded search reads a window of the tab's newest comments at a time;
// following the windows down finds every match the unbounded search finds,
// in the same order, once each.
func TestQueueWindowFindsEveryMatchWindowByWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		pending := models.StatusPending
		for i := range 37 {
			if i%3 == 0 || i >= 30 {
				queueComment(t, s, post.ThreadID, fmt.Sprint("Reader ", i), "", "a NEEDLE here", pending, "links")
			} else {
				queueComment(t, s, post.ThreadID, fmt.Sprint("Reader ", i), "", "plain words", pending)
			}
		}
		queueComment(t, s, post.ThreadID, "Approved", "", "needle", models.StatusApproved, "links")
		for _, filter := range []store.QueueFilter{{Search: "needle"}, {Reason: "links"}} {
			filter.Status = pending
			unbounded := filter
			unbounded.Limit = 100
			want := queueIDs(t, s, unbounded)
			if len(want) != 17 {
				t.Fatalf("%+v: unbounded search found %d, want 17", filter, len(want))
			}
			var got []uint
			windowEnded := false
			f := filter
			f.Limit, f.ScanLimit = 4, 10
			for step := 0; ; step++ {
				if step > 20 {
					t.Fatalf("%+v: the windows never ended", filter)
				}
				items, scannedTo, err := s.QueueWindow(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range items {
					got = append(got, it.ID)
				}
				if len(items) == f.Limit { // a full page: the next starts below its last
					f.Before = items[len(items)-1].ID
				} else if scannedTo > 0 { // the window ended first: search below it
					f.Before, windowEnded = scannedTo, true
				} else {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%+v: window by window found %v, want %v", filter, got, want)
			}
			if !windowEnded {
				t.Errorf("%+v: no window ended before its page was full: the search was not bounded", filter)
			}
		}
	})
}

// The window bounds only the filters no index serves.
func TestQueueWindowOnlyBoundsScans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		for i := range 5 {
			queueComment(t, s, post.ThreadID, fmt.Sprint("R", i), "", "text", models.StatusPending)
		}
		for name, f := range map[string]store.QueueFilter{
			"no text or author":            {Status: models.StatusPending, ScanLimit: 2},
			"one thread":                   {Status: models.StatusPending, ThreadID: post.ThreadID, Search: "text", ScanLimit: 2},
			"a window larger than the tab": {Status: models.StatusPending, Search: "text", ScanLimit: 5},
		} {
			items, scannedTo, err := s.QueueWindow(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 5 || scannedTo != 0 {
				t.Errorf("%s: %d items, scanned to %d; want all 5 and no window", name, len(items), scannedTo)
			}
		}
	})
}
