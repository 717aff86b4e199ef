package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// An address is one person whatever its letters' case, in every alphabet:
// SQLite's LOWER folds only A–Z, so a reader who typed "иван@пример.рф"
// did not find, erase or unsubscribe what they wrote as "Иван@Пример.рф".
func TestCommentAddressesMatchWithoutCaseInEveryAlphabet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		mk := func(email string, notify bool) uint {
			c := models.Comment{ThreadID: post.ThreadID, Author: "Иван", Email: email, Body: "b", HTML: "<p>b</p>",
				Status: models.StatusApproved, NotifyReplies: notify}
			if err := s.CreateComment(ctx, &c, 5); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		cyrillic := mk(" Иван@Пример.РФ ", true)
		accented := mk("ÉMILE@Exemple.fr", false)
		if c, err := s.Comment(ctx, cyrillic); err != nil || c.Email != "иван@пример.рф" {
			t.Fatalf("stored address = %q, %v; want it folded", c.Email, err)
		}
		for _, typed := range []string{"иван@пример.рф", "ИВАН@ПРИМЕР.РФ", "Иван@Пример.РФ"} {
			list, err := s.CommentsByEmail(ctx, typed)
			if err != nil || len(list) != 1 || list[0].ID != cyrillic {
				t.Errorf("CommentsByEmail(%q) = %d comments, %v; want comment %d", typed, len(list), err, cyrillic)
			}
		}
		if changed, err := s.Unsubscribe(ctx, "ИВАН@пример.рф", time.Now()); err != nil || !changed {
			t.Errorf("Unsubscribe = %v, %v; want the comment's notifications turned off", changed, err)
		}
		if c, _ := s.Comment(ctx, cyrillic); c.NotifyReplies {
			t.Error("the comment still asks for reply notifications")
		}
		if n, err := s.EraseCommentsByEmail(ctx, "émile@exemple.FR", store.Actor{Name: "reader"}); err != nil || n != 1 {
			t.Errorf("erase = %d, %v; want the accented address's comment", n, err)
		}
		if c, _ := s.Comment(ctx, accented); c.Status != models.StatusRemoved || c.Email != "" {
			t.Errorf("comment not erased: %+v", c)
		}
	})
}

// A database written before addresses were folded gets them folded once,
// when it is opened by this Parley, so the lookups above find old comments
// too.
func TestMigrationFoldsStoredAddresses(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.DSN
			if b.Name == "sqlite" {
				dsn = filepath.Join(t.TempDir(), "old.db")
			}
			s := storetest.Open(t, dsn)
			post := bootstrapped(t, s)
			typed := map[string]string{"Иван@Пример.РФ": "иван@пример.рф", "Bob@Example.COM": "bob@example.com",
				"plain@example.com": "plain@example.com", "émile@exemple.fr": "émile@exemple.fr",
				" Spaced@Example.com ": "spaced@example.com", "": ""}
			ids := map[uint]string{}
			for email := range typed {
				c := models.Comment{ThreadID: post.ThreadID, Author: "A", Body: "b", HTML: "<p>b</p>", Status: models.StatusApproved}
				if err := s.CreateComment(ctx, &c, 5); err != nil {
					t.Fatal(err)
				}
				if err := store.ExecWriter(s, "UPDATE comments SET email = ? WHERE id = ?", email, c.ID); err != nil {
					t.Fatal(err)
				}
				ids[c.ID] = email
			}
			if err := store.ForceSchemaVersion(s, store.FoldedEmailsSchema-1); err != nil {
				t.Fatal(err)
			}
			s.Close()

			s = storetest.Open(t, dsn)
			if v, err := s.SchemaVersion(ctx); err != nil || v != store.LatestSchema() {
				t.Fatalf("schema = %d, %v; want %d", v, err, store.LatestSchema())
			}
			for id, email := range ids {
				c, err := s.Comment(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if c.Email != typed[email] {
					t.Errorf("%q became %q, want %q", email, c.Email, typed[email])
				}
			}
			if list, err := s.CommentsByEmail(ctx, "ИВАН@ПРИМЕР.РФ"); err != nil || len(list) != 1 {
				t.Errorf("the old comment by address: %d found, %v", len(list), err)
			}
		})
	}
}
