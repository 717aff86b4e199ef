package store_test

import (
	"context"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

func TestBansActiveAndRemoval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		c := models.Comment{ThreadID: post.ThreadID, Author: "T", Body: "b", HTML: "b", Status: models.StatusApproved, CommenterKey: "k1", IP: "192.0.2.1"}
		if err := s.CreateComment(ctx, &c, 5); err != nil {
			t.Fatal(err)
		}
		past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		for _, b := range []models.Ban{
			{Kind: models.BanIP, Value: "192.0.2.0/24", ExpiresAt: &past},
			{SiteID: "other", Kind: models.BanEmail, Value: "x@example.com"},
		} {
			if _, err := s.CreateBan(ctx, &b, store.Actor{Name: "t"}, nil, models.Commenter{}); err != nil {
				t.Fatal(err)
			}
		}
		since := time.Now().Add(-24 * time.Hour)
		key := models.Ban{SiteID: "default", Kind: models.BanKey, Value: "k1", ExpiresAt: &future}
		removed, err := s.CreateBan(ctx, &key, store.Actor{Name: "t"}, &since, models.Commenter{Key: "k1"})
		if err != nil || removed != 1 {
			t.Fatalf("removed %d, %v", removed, err)
		}
		active, err := s.ActiveBans(ctx, "default", time.Now())
		if err != nil || len(active) != 1 || active[0].Kind != models.BanKey {
			t.Fatalf("active = %+v, %v", active, err)
		}
		// Every column comes back as the ban list (through GORM) reads it.
		all, err := s.Bans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range all {
			if b.ID != key.ID {
				continue
			}
			a := active[0]
			if a.ID != b.ID || a.SiteID != b.SiteID || a.Kind != b.Kind || a.Value != b.Value || a.Shadow != b.Shadow ||
				a.Note != b.Note || a.CreatedBy != b.CreatedBy || !a.CreatedAt.Equal(b.CreatedAt) ||
				a.ExpiresAt == nil || b.ExpiresAt == nil || !a.ExpiresAt.Equal(*b.ExpiresAt) {
				t.Fatalf("active ban %+v, listed as %+v", a, b)
			}
		}
		got, _ := s.PostBySlug(ctx, "default", "welcome")
		if got.Count != 0 {
			t.Fatalf("count after removal = %d", got.Count)
		}
		if err := s.DeleteBan(ctx, key.ID, store.Actor{Name: "t"}); err != nil {
			t.Fatal(err)
		}
		if active, _ := s.ActiveBans(ctx, "default", time.Now()); len(active) != 0 {
			t.Fatalf("after delete: %+v", active)
		}
	})
}

func TestTrustDuplicatesAndFlags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		c := models.Comment{ThreadID: post.ThreadID, Author: "A", Body: "same", HTML: "same", Status: models.StatusApproved, CommenterKey: "k", IP: "192.0.2.9"}
		if err := s.CreateComment(ctx, &c, 5); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.ApprovedByKey(ctx, "k"); n != 1 {
			t.Fatalf("approved by key = %d", n)
		}
		hour := time.Now().Add(-time.Hour)
		for _, tc := range []struct {
			body, key, ip string
			want          bool
		}{
			{"same", "k", "", true}, {"same", "", "192.0.2.9", true}, {"same", "other", "192.0.2.1", false}, {"different", "k", "192.0.2.9", false},
		} {
			if got, err := s.RecentDuplicate(ctx, tc.body, tc.key, tc.ip, hour); err != nil || got != tc.want {
				t.Errorf("duplicate(%+v) = %v, %v", tc, got, err)
			}
		}
		// A repeat from before the window is not one.
		if got, err := s.RecentDuplicate(ctx, "same", "k", "192.0.2.9", time.Now().Add(time.Minute)); err != nil || got {
			t.Errorf("duplicate of a comment older than the window = %v, %v", got, err)
		}
		for i, reader := range []string{"a", "a", "b", "c"} {
			res, err := s.AddFlag(ctx, &models.Flag{CommentID: c.ID, Reader: reader, Reason: "spam"}, 3)
			if err != nil {
				t.Fatal(err)
			}
			if want := i == 3; res.Flagged != want {
				t.Fatalf("flag %d: %+v", i, res)
			}
		}
		got, _ := s.Comment(ctx, c.ID)
		if got.Status != models.StatusFlagged || len(got.Reasons) != 1 || got.Reasons[0].Detail != "3 flags: spam ×3" {
			t.Fatalf("flagged comment = %s %+v", got.Status, got.Reasons)
		}
	})
}
