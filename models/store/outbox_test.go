package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

func queueMail(t *testing.T, s *store.Store, recipients ...string) []*models.OutboxMessage {
	t.Helper()
	var msgs []*models.OutboxMessage
	for _, r := range recipients {
		msgs = append(msgs, &models.OutboxMessage{Recipient: r, Subject: "s " + r, Body: "b", MessageID: "<" + r + ">"})
	}
	if err := s.EnqueueMail(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func claimIDs(t *testing.T, s *store.Store, now time.Time) []uint {
	t.Helper()
	msgs, err := s.ClaimMail(context.Background(), now, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestOutboxClaimLeaseRetryAndSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		queued := queueMail(t, s, "a@example.com", "b@example.com")
		now := time.Now().Add(time.Second)

		msgs, err := s.ClaimMail(ctx, now, time.Minute, 10)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("claim = %d messages, %v", len(msgs), err)
		}
		if msgs[0].Attempts != 1 || msgs[0].Recipient != "a@example.com" || msgs[0].MessageID != "<a@example.com>" {
			t.Fatalf("claimed %+v", msgs[0])
		}
		if ids := claimIDs(t, s, now); len(ids) != 0 {
			t.Fatalf("leased messages claimed again: %v", ids)
		}
		// The lease ends: a worker that died mid-send does not lose the mail.
		if ids := claimIDs(t, s, now.Add(2*time.Minute)); len(ids) != 2 {
			t.Fatalf("after the lease: %v", ids)
		}

		retry := now.Add(10 * time.Minute)
		if err := s.MarkMailFailed(ctx, queued[0].ID, "451 try later", &retry); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkMailSent(ctx, queued[1].ID, now); err != nil {
			t.Fatal(err)
		}
		if ids := claimIDs(t, s, retry.Add(-time.Second)); len(ids) != 0 {
			t.Fatalf("claimed before its retry time: %v", ids)
		}
		msgs, err = s.ClaimMail(ctx, retry, time.Minute, 10)
		if err != nil || len(msgs) != 1 || msgs[0].ID != queued[0].ID || msgs[0].Attempts != 3 || msgs[0].LastError != "451 try later" {
			t.Fatalf("retry claim = %+v, %v", msgs, err)
		}

		stats, err := s.OutboxStats(ctx)
		if err != nil || stats.Waiting != 1 || stats.Sent != 1 || stats.GivenUp != 0 || stats.LastError != "451 try later" {
			t.Fatalf("stats = %+v, %v", stats, err)
		}
		if err := s.MarkMailFailed(ctx, queued[0].ID, "550 no", nil); err != nil {
			t.Fatal(err)
		}
		if ids := claimIDs(t, s, now.Add(24*time.Hour)); len(ids) != 0 {
			t.Fatalf("a given-up message was claimed: %v", ids)
		}
		stats, err = s.OutboxStats(ctx)
		if err != nil || stats.Waiting != 0 || stats.GivenUp != 1 || stats.Sent != 1 {
			t.Fatalf("stats = %+v, %v", stats, err)
		}

		n, err := s.PruneMail(ctx, time.Now().Add(time.Hour), time.Now())
		if err != nil || n != 2 {
			t.Fatalf("prune = %d, %v", n, err)
		}
		if left, _ := s.OutboxMessages(ctx, 10); len(left) != 0 {
			t.Fatalf("left after prune: %+v", left)
		}
	})
}

func TestOutboxConcurrentClaimsTakeEachMessageOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var recipients []string
		for i := range 12 {
			recipients = append(recipients, string(rune('a'+i))+"@example.com")
		}
		queueMail(t, s, recipients...)
		now := time.Now().Add(time.Second)
		var mu sync.Mutex
		seen := map[uint]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				msgs, err := s.ClaimMail(context.Background(), now, time.Minute, 12)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, m := range msgs {
					seen[m.ID]++
				}
			}()
		}
		wg.Wait()
		if len(seen) != 12 {
			t.Fatalf("claimed %d distinct messages, want 12", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("message %d claimed %d times", id, n)
			}
		}
	})
}

func TestUsedTokensAreSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tok := func() *models.UsedToken {
			return &models.UsedToken{Hash: "h1", ModeratorID: 1, CommentID: 2, Action: "approve",
				UsedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		}
		results := make(chan error, 5)
		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() { defer wg.Done(); results <- s.UseToken(ctx, tok()) }()
		}
		wg.Wait()
		close(results)
		ok, conflicts := 0, 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, models.ErrConflict):
				conflicts++
			default:
				t.Fatal(err)
			}
		}
		if ok != 1 || conflicts != 4 {
			t.Fatalf("%d uses succeeded and %d conflicted; want 1 and 4", ok, conflicts)
		}
		if used, err := s.TokenUsed(ctx, "h1"); err != nil || !used {
			t.Fatalf("TokenUsed = %v, %v", used, err)
		}
		if err := s.ReleaseToken(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if used, _ := s.TokenUsed(ctx, "h1"); used {
			t.Fatal("released token still used")
		}
		if err := s.UseToken(ctx, tok()); err != nil {
			t.Fatalf("use after release: %v", err)
		}
		if n, err := s.PruneMail(ctx, time.Now(), time.Now().Add(2*time.Hour)); err != nil || n != 1 {
			t.Fatalf("prune expired tokens = %d, %v", n, err)
		}
	})
}

func TestNotifyModesAndRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		add := func(email, role string, disabled bool) models.Moderator {
			m := models.Moderator{Email: email, Name: "N", PasswordHash: "x", Role: role, Disabled: disabled}
			if err := s.CreateModerator(ctx, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		admin := add("admin@example.com", models.RoleAdmin, false)
		mod := add("mod@example.com", models.RoleModerator, false)
		add("gone@example.com", models.RoleAdmin, true)

		emails := func(mode string) []string {
			ms, err := s.MailRecipients(ctx, mode)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, m.Email)
			}
			return out
		}
		if got := emails(models.NotifyEach); len(got) != 1 || got[0] != "admin@example.com" {
			t.Fatalf("default each = %v; want the enabled admin only", got)
		}
		if err := s.SetNotifyMode(ctx, mod.ID, "sometimes"); err == nil {
			t.Fatal("invalid mode accepted")
		}
		if err := s.SetNotifyMode(ctx, 9999, models.NotifyEach); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown moderator: %v", err)
		}

		p := bootstrapped(t, s)
		c1 := addComment(t, s, p.ThreadID, nil, models.StatusPending)
		if err := s.SetNotifyMode(ctx, mod.ID, models.NotifyDigest); err != nil {
			t.Fatal(err)
		}
		if err := s.SetNotifyMode(ctx, admin.ID, models.NotifyOff); err != nil {
			t.Fatal(err)
		}
		if got := emails(models.NotifyEach); len(got) != 0 {
			t.Fatalf("each after turning off = %v", got)
		}
		if got := emails(models.NotifyDigest); len(got) != 1 || got[0] != "mod@example.com" {
			t.Fatalf("digest = %v", got)
		}
		// Choosing the digest starts it after the newest comment.
		if cur, err := s.DigestCursor(ctx, mod.ID); err != nil || cur != c1.ID {
			t.Fatalf("cursor = %d, %v; want %d", cur, err, c1.ID)
		}
		if m, err := s.MailModerator(ctx, mod.ID); err != nil || m.Notify != models.NotifyDigest {
			t.Fatalf("MailModerator = %+v, %v", m, err)
		}
	})
}

func TestHeldAfterAndAdvanceDigest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := bootstrapped(t, s)
		old := addComment(t, s, p.ThreadID, nil, models.StatusPending)
		h1 := addComment(t, s, p.ThreadID, nil, models.StatusPending)
		addComment(t, s, p.ThreadID, nil, models.StatusApproved)
		addComment(t, s, p.ThreadID, nil, models.StatusSpam)
		h2 := addComment(t, s, p.ThreadID, nil, models.StatusPending)

		items, total, newest, err := s.HeldAfter(ctx, old.ID, 1)
		if err != nil || total != 2 || newest != h2.ID || len(items) != 1 || items[0].ID != h1.ID ||
			items[0].Page != "/posts/welcome" || items[0].SiteID != models.DefaultSiteID {
			t.Fatalf("HeldAfter = %+v, %d, %d, %v", items, total, newest, err)
		}
		if items, total, newest, err := s.HeldAfter(ctx, h2.ID, 10); err != nil || total != 0 || newest != h2.ID || len(items) != 0 {
			t.Fatalf("nothing new: %+v, %d, %d, %v", items, total, newest, err)
		}

		msg := func() *models.OutboxMessage {
			return &models.OutboxMessage{Recipient: "mod@example.com", Subject: "digest", Body: "b", MessageID: "<d>"}
		}
		// Two instances race for the first digest: one wins, one message.
		var wg sync.WaitGroup
		wins := make(chan bool, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.AdvanceDigest(ctx, 7, 0, h2.ID, msg())
				if err != nil {
					t.Error(err)
				}
				wins <- ok
			}()
		}
		wg.Wait()
		close(wins)
		won := 0
		for ok := range wins {
			if ok {
				won++
			}
		}
		if won != 1 {
			t.Fatalf("%d instances sent the first digest, want 1", won)
		}
		if ok, err := s.AdvanceDigest(ctx, 7, old.ID, h2.ID+5, msg()); err != nil || ok {
			t.Fatalf("advance from a stale cursor = %v, %v", ok, err)
		}
		if ok, err := s.AdvanceDigest(ctx, 7, h2.ID, h2.ID+5, nil); err != nil || !ok {
			t.Fatalf("advance without a message = %v, %v", ok, err)
		}
		if cur, _ := s.DigestCursor(ctx, 7); cur != h2.ID+5 {
			t.Fatalf("cursor = %d", cur)
		}
		queued, err := s.OutboxMessages(ctx, 10)
		if err != nil || len(queued) != 1 || queued[0].NextAttemptAt == nil {
			t.Fatalf("outbox = %+v, %v", queued, err)
		}
	})
}
