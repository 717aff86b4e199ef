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

func TestRetentionDropsOldIPsPerSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		now := time.Now().UTC()
		mkWith := func(threadID uint, age time.Duration, ip, userAgent string) uint {
			c := models.Comment{ThreadID: threadID, Author: "A", Body: "b", HTML: "<p>b</p>", Status: models.StatusApproved,
				IP: ip, UserAgent: userAgent, CreatedAt: now.Add(-age)}
			if err := s.CreateComment(ctx, &c, 5); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		mk := func(threadID uint, age time.Duration) uint { return mkWith(threadID, age, "203.0.113.9", "Browser/1") }
		for id, days := range map[string]int{"keep": -1, "short": 7} {
			site := models.Site{ID: id, Name: id, Origins: []string{"https://" + id + ".example"}, Settings: models.DefaultSiteSettings()}
			site.Settings.IPRetentionDays = days
			if err := s.CreateSite(ctx, &site); err != nil {
				t.Fatal(err)
			}
		}
		keepThread, err := s.EnsureThread(ctx, "keep", "/a", "A", "")
		if err != nil {
			t.Fatal(err)
		}
		shortThread, err := s.EnsureThread(ctx, "short", "/a", "A", "")
		if err != nil {
			t.Fatal(err)
		}
		day := 24 * time.Hour
		oldDefault, newDefault := mk(post.ThreadID, 31*day), mk(post.ThreadID, 29*day)
		oldKeep := mk(keepThread.ID, 400*day)
		oldShort, newShort := mk(shortThread.ID, 8*day), mk(shortThread.ID, 6*day)
		// Imported comments may carry only one of the two.
		oldAgentOnly, oldIPOnly := mkWith(post.ThreadID, 40*day, "", "Browser/2"), mkWith(post.ThreadID, 40*day, "192.0.2.1", "")

		n, err := s.DropOldIPs(ctx, now)
		if err != nil || n != 4 {
			t.Fatalf("DropOldIPs = %d, %v; want 4", n, err)
		}
		for id, cleared := range map[uint]bool{oldDefault: true, newDefault: false, oldKeep: false, oldShort: true, newShort: false,
			oldAgentOnly: true, oldIPOnly: true} {
			c, err := s.Comment(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if (c.IP == "" && c.UserAgent == "") != cleared || (!cleared && (c.IP == "") != (c.UserAgent == "")) {
				t.Errorf("comment %d: IP %q, UA %q; want cleared %v", id, c.IP, c.UserAgent, cleared)
			}
		}
		if n, err := s.DropOldIPs(ctx, now); err != nil || n != 0 {
			t.Errorf("second run = %d, %v", n, err)
		}
	})
}

func TestPrivacyEraseByEmailKeepsRepliesAndCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		mk := func(parent *uint, email string, status models.Status) models.Comment {
			c := models.Comment{ThreadID: post.ThreadID, ParentID: parent, Author: "Name", Email: email, Website: "https://x.example",
				Body: "secret words", HTML: "<p>secret words</p>", Status: status, IP: "198.51.100.7", UserAgent: "UA",
				CommenterKey: "key", NotifyReplies: true}
			if err := s.CreateComment(ctx, &c, 5); err != nil {
				t.Fatal(err)
			}
			return c
		}
		mine := mk(nil, "Alice@Example.com", models.StatusApproved)
		reply := mk(&mine.ID, "bob@example.com", models.StatusApproved)
		held := mk(nil, "alice@example.com", models.StatusPending)
		if _, err := s.ConfirmReplies(ctx, "alice@example.com", time.Now()); err != nil {
			t.Fatal(err)
		}
		before, err := s.ThreadByID(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.CommentsByEmail(ctx, "ALICE@example.com")
		if err != nil || len(list) != 2 || list[0].ID != held.ID || list[0].Page != "/posts/welcome" {
			t.Fatalf("CommentsByEmail = %+v, %v", list, err)
		}
		n, err := s.EraseCommentsByEmail(ctx, "alice@example.com", store.Actor{Name: "reader"})
		if err != nil || n != 2 {
			t.Fatalf("erase = %d, %v", n, err)
		}
		after, err := s.ThreadByID(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Count != before.Count-1 || after.Version <= before.Version {
			t.Errorf("thread count %d→%d, version %d→%d", before.Count, after.Count, before.Version, after.Version)
		}
		for _, id := range []uint{mine.ID, held.ID} {
			c, err := s.Comment(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != models.StatusRemoved || c.Body != "" || c.HTML != "" || c.Email != "" || c.Author != "" ||
				c.Website != "" || c.IP != "" || c.UserAgent != "" || c.CommenterKey != "" || c.NotifyReplies {
				t.Errorf("comment %d not scrubbed: %+v", id, c)
			}
		}
		if c, _ := s.Comment(ctx, reply.ID); c.Status != models.StatusApproved || c.Body == "" {
			t.Errorf("the reply of someone else changed: %+v", c)
		}
		flat, err := s.ThreadComments(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		roots, _ := models.BuildTree(flat, models.SortOldest)
		found := false
		for _, r := range roots {
			if r.Comment.ID == mine.ID {
				found = r.Removed && len(r.Replies) == 1
			}
		}
		if !found {
			t.Error("the erased comment is not a placeholder over its reply")
		}
		if left, _ := s.CommentsByEmail(ctx, "alice@example.com"); len(left) != 0 {
			t.Errorf("comments still found by email: %d", len(left))
		}
		if _, err := s.Subscriber(ctx, "alice@example.com"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("subscriber kept: %v", err)
		}
		entries, err := s.AuditEntries(ctx, 0, 10)
		if err != nil || len(entries) < 2 || entries[0].Action != "erase" || entries[0].After != store.ErasedStatus {
			t.Fatalf("audit = %+v, %v", entries, err)
		}
		if _, err := s.Undo(ctx, entries[0].ID, store.Actor{Name: "mod"}); !errors.Is(err, store.ErrNotUndoable) {
			t.Errorf("undo of an erasure: %v", err)
		}
	})
}
