package store_test

import (
	"context"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

func TestReplyNoticeOncePerApprovedReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		now := time.Now()
		for i, want := range []bool{true, false} {
			if send, err := s.RequestReplies(ctx, "Ann@Example.com", "de", now); err != nil || send != want {
				t.Fatalf("request %d: send %v, %v", i, send, err)
			}
		}
		if send, _ := s.RequestReplies(ctx, "ann@example.com", "", now.Add(25*time.Hour)); !send {
			t.Error("no second confirmation a day later")
		}
		if ok, err := s.ConfirmReplies(ctx, "ann@example.com", now); !ok || err != nil {
			t.Fatalf("confirm: %v %v", ok, err)
		}
		if ok, _ := s.ConfirmReplies(ctx, "ann@example.com", now); ok {
			t.Error("confirmed twice")
		}
		if send, _ := s.RequestReplies(ctx, "ann@example.com", "", now.Add(50*time.Hour)); send {
			t.Error("a confirmed address was asked again")
		}
		parent := models.Comment{ThreadID: post.ThreadID, Author: "Ann", Email: "ANN@example.com", Body: "b", HTML: "b",
			Status: models.StatusApproved, NotifyReplies: true, CommenterKey: "k1"}
		if err := s.CreateComment(ctx, &parent, 5); err != nil {
			t.Fatal(err)
		}
		reply := func(email, key string, status models.Status) uint {
			c := models.Comment{ThreadID: post.ThreadID, ParentID: &parent.ID, Author: "R", Email: email, Body: "r", HTML: "r",
				Status: status, CommenterKey: key}
			if err := s.CreateComment(ctx, &c, 5); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		pending := func() []store.ReplyMail {
			items, err := s.PendingReplyMail(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			return items
		}
		held := reply("bob@example.com", "k2", models.StatusPending)
		reply("ann@example.com", "k3", models.StatusApproved) // her own, by email
		reply("", "k1", models.StatusApproved)                // her own, by browser key
		if got := pending(); len(got) != 0 {
			t.Fatalf("notices before approval: %+v", got)
		}
		entries, err := s.Moderate(ctx, []uint{held}, models.StatusApproved, store.Actor{Name: "m"}, "")
		if err != nil || len(entries) != 1 {
			t.Fatal(entries, err)
		}
		got := pending()
		if len(got) != 1 || got[0].Reply.ID != held || got[0].Parent.ID != parent.ID || !got[0].Send || got[0].Thread.ID != post.ThreadID || got[0].Language != "de" {
			t.Fatalf("pending = %+v", got)
		}
		msg := &models.OutboxMessage{Recipient: "ann@example.com", Subject: "s", Body: "b", MessageID: "<1@x>",
			Headers: []models.MailHeader{{Name: "List-Unsubscribe", Value: "<https://x/u>"}}}
		if ok, err := s.QueueReplyMail(ctx, held, msg); !ok || err != nil {
			t.Fatalf("queue: %v %v", ok, err)
		}
		if ok, _ := s.QueueReplyMail(ctx, held, msg); ok {
			t.Error("queued twice")
		}
		out, err := s.OutboxMessages(ctx, 10)
		if err != nil || len(out) != 1 || len(out[0].Headers) != 1 || out[0].Headers[0].Value != "<https://x/u>" {
			t.Fatalf("outbox = %+v, %v", out, err)
		}
		// Undo to held and approve again: no second notice.
		if _, err := s.Undo(ctx, entries[0].ID, store.Actor{Name: "m"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, []uint{held}, models.StatusApproved, store.Actor{Name: "m"}, ""); err != nil {
			t.Fatal(err)
		}
		if got := pending(); len(got) != 0 {
			t.Fatalf("a second notice: %+v", got)
		}
		// A reply published at once is announced by the insert itself.
		published := reply("dan@example.com", "k5", models.StatusApproved)
		if got := pending(); len(got) != 1 || got[0].Reply.ID != published {
			t.Fatalf("pending after a published reply = %+v", got)
		}
		if ok, err := s.QueueReplyMail(ctx, published, nil); !ok || err != nil {
			t.Fatalf("close without mail: %v %v", ok, err)
		}
		// After unsubscribing, new replies are not announced.
		if ok, err := s.Unsubscribe(ctx, "Ann@example.com", now); !ok || err != nil {
			t.Fatalf("unsubscribe: %v %v", ok, err)
		}
		reply("carol@example.com", "k4", models.StatusApproved)
		if got := pending(); len(got) != 0 {
			t.Fatalf("notice after unsubscribe: %+v", got)
		}
	})
}
