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

// TestEditsKeepCountAndVersion edits, deletes and pins comments and checks
// the thread's count and version, the audit log and the guards.
func TestEditsKeepCountAndVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		thread := func() models.Thread {
			th, err := s.ThreadByID(ctx, post.ThreadID)
			if err != nil {
				t.Fatal(err)
			}
			return th
		}
		id := queueComment(t, s, post.ThreadID, "Ann", "", "first", models.StatusApproved)
		v0 := thread()

		held := []models.Reason{{Code: "hold_word", Text: "Hold word"}}
		c, err := s.EditComment(ctx, id, store.CommentEdit{Body: "casino", HTML: "<p>casino</p>", Status: models.StatusPending,
			Reasons: held, Actor: store.Actor{Name: "reader Ann"}, At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != models.StatusPending || c.EditedAt == nil {
			t.Errorf("edited comment: %+v", c)
		}
		v1 := thread()
		if v1.Count != v0.Count-1 || v1.Version <= v0.Version {
			t.Errorf("after a held edit: count %d→%d version %d→%d", v0.Count, v1.Count, v0.Version, v1.Version)
		}
		stored, _ := s.Comment(ctx, id)
		if stored.Body != "casino" || len(stored.Reasons) != 1 || stored.Reasons[0].Code != "hold_word" {
			t.Errorf("stored: %+v", stored)
		}

		// A moderator's edit keeps the status and writes the note.
		mod := uint(1)
		if _, err := s.EditComment(ctx, id, store.CommentEdit{Body: "c*sino", HTML: "<p>c*sino</p>",
			Actor: store.Actor{ModeratorID: &mod, Name: "M"}, Note: "masked", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.Comment(ctx, id); c.Status != models.StatusPending {
			t.Errorf("moderator edit changed the status to %s", c.Status)
		}

		// The guard runs inside the transaction.
		never := func(models.Comment) bool { return false }
		if _, err := s.EditComment(ctx, id, store.CommentEdit{Body: "x", HTML: "x", Editable: never}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("guarded edit: %v", err)
		}
		if err := s.DeleteOwnComment(ctx, id, store.Actor{Name: "reader Ann"}, never); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("guarded delete: %v", err)
		}

		if _, err := s.SetStatus(ctx, []uint{id}, models.StatusApproved, store.Actor{Name: "M"}, ""); err != nil {
			t.Fatal(err)
		}
		v2 := thread()
		if err := s.SetPinned(ctx, id, true, store.Actor{Name: "M"}); err != nil {
			t.Fatal(err)
		}
		v3 := thread()
		if c, _ := s.Comment(ctx, id); !c.Pinned || v3.Version <= v2.Version {
			t.Errorf("pin: pinned %v, version %d→%d", c.Pinned, v2.Version, v3.Version)
		}
		if err := s.DeleteOwnComment(ctx, id, store.Actor{Name: "reader Ann"}, nil); err != nil {
			t.Fatal(err)
		}
		v4 := thread()
		if c, _ := s.Comment(ctx, id); c.Status != models.StatusRemoved || v4.Count != v3.Count-1 || v4.Version <= v3.Version {
			t.Errorf("delete: status %s, count %d→%d", c.Status, v3.Count, v4.Count)
		}
		entries, err := s.AuditEntries(ctx, 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if e.CommentID != nil && *e.CommentID == id {
				got = append(got, e.Action+"/"+e.Before+"/"+e.After+"/"+e.Note)
			}
		}
		want := []string{"delete//removed/deleted by author", "pin///", "approved/pending/approved/", "edit///masked", "edit/approved/pending/"}
		if len(got) != len(want) {
			t.Fatalf("audit = %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("audit[%d] = %q, want %q", i, got[i], want[i])
			}
		}
		if _, err := s.Undo(ctx, entries[0].ID, store.Actor{Name: "M"}); !errors.Is(err, store.ErrNotUndoable) {
			t.Errorf("undo of an author's delete: %v", err)
		}
	})
}
