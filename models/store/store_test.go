package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

var welcome = store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}

func bootstrapped(t *testing.T, s *store.Store) store.PostWithThread {
	t.Helper()
	ctx := context.Background()
	if err := s.Bootstrap(ctx, welcome); err != nil {
		t.Fatal(err)
	}
	p, err := s.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func addComment(t *testing.T, s *store.Store, threadID uint, parent *uint, status models.Status) models.Comment {
	t.Helper()
	c := models.Comment{ThreadID: threadID, ParentID: parent, Author: "A", Body: "b", HTML: "<p>b</p>", Status: status}
	if err := s.CreateComment(context.Background(), &c, 5); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBootstrapIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bootstrapped(t, s)
		if err := s.Bootstrap(ctx, welcome); err != nil {
			t.Fatal(err)
		}
		posts, err := s.PublishedPosts(ctx, models.DefaultSiteID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != 1 || posts[0].Slug != "welcome" || posts[0].Count != 0 {
			t.Fatalf("posts = %+v", posts)
		}
		site, err := s.Site(ctx, models.DefaultSiteID)
		if err != nil {
			t.Fatal(err)
		}
		if site.Settings.Moderation != models.ModerationPre || site.Settings.MaxDepth != 5 {
			t.Fatalf("default site settings = %+v", site.Settings)
		}
	})
}

func TestSchemaFromTheFutureIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s := storetest.Open(t, path)
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != store.LatestSchema() {
		t.Fatalf("version = %d, %v", v, err)
	}
	if err := store.ForceSchemaVersion(s, store.LatestSchema()+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := store.Open(context.Background(), path)
	if !errors.Is(err, models.ErrSchemaTooNew) {
		t.Fatalf("Open on a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
}

// The writer keeps its temporary data in memory (a new comment's statement
// journal went to a temporary file otherwise, at about 40% of the insert's
// CPU) except while it migrates; the readers keep temporary files, so that
// a sort larger than the page cache does not stay whole in memory.
func TestSQLiteWriterKeepsTemporaryDataInMemory(t *testing.T) {
	s := storetest.Open(t, filepath.Join(t.TempDir(), "p.db"))
	const files, memory = 1, 2
	w, r, err := store.TempStores(s)
	if err != nil || w != memory || r != 0 {
		t.Fatalf("temp_store: writer %d, reader %d, %v; want %d and the default, 0", w, r, err, memory)
	}
	var during int
	err = store.WithTempFiles(s, func(db *gorm.DB) error { return db.Raw("PRAGMA temp_store").Scan(&during).Error })
	if err != nil || during != files {
		t.Fatalf("temp_store while migrating: %d, %v; want %d", during, err, files)
	}
	if w, _, err = store.TempStores(s); err != nil || w != memory {
		t.Fatalf("temp_store after migrating: %d, %v; want %d", w, err, memory)
	}
}

func TestCreateCommentChecksParentAndCapsDepth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		root := addComment(t, s, post.ThreadID, nil, models.StatusApproved)
		parent := root
		for depth := 1; depth <= 5; depth++ {
			id := parent.ID
			parent = addComment(t, s, post.ThreadID, &id, models.StatusApproved)
			if parent.Depth != depth {
				t.Fatalf("depth = %d, want %d", parent.Depth, depth)
			}
		}
		deepest := parent
		id := deepest.ID
		tooDeep := addComment(t, s, post.ThreadID, &id, models.StatusApproved)
		if tooDeep.Depth != 5 || *tooDeep.ParentID != *deepest.ParentID {
			t.Fatalf("reply to depth 5: depth %d parent %d, want depth 5 under %d", tooDeep.Depth, *tooDeep.ParentID, *deepest.ParentID)
		}

		pending := addComment(t, s, post.ThreadID, nil, models.StatusPending)
		other, err := s.EnsureThread(ctx, models.DefaultSiteID, "/elsewhere", "Elsewhere", "")
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]models.Comment{
			"missing parent": {ThreadID: post.ThreadID, ParentID: ptr(999999)},
			"pending parent": {ThreadID: post.ThreadID, ParentID: ptr(pending.ID)},
			"other thread":   {ThreadID: other.ID, ParentID: ptr(root.ID)},
		} {
			c.Author, c.Body, c.HTML, c.Status = "x", "x", "x", models.StatusApproved
			if err := s.CreateComment(ctx, &c, 5); !errors.Is(err, models.ErrBadParent) {
				t.Errorf("%s: err = %v, want ErrBadParent", name, err)
			}
		}
	})
}

func ptr(v uint) *uint { return &v }

func TestStatusChangesKeepCountsAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		a := addComment(t, s, post.ThreadID, nil, models.StatusPending)
		b := addComment(t, s, post.ThreadID, nil, models.StatusApproved)
		mod := uint(7)
		actor := store.Actor{ModeratorID: &mod, Name: "mod@example.com"}
		n, err := s.SetStatus(ctx, []uint{a.ID, b.ID}, models.StatusApproved, actor, "")
		if err != nil || n != 1 {
			t.Fatalf("approve: n=%d err=%v, want 1 change", n, err)
		}
		counts, _, _, err := s.SiteCounts(ctx, models.DefaultSiteID, []string{"/posts/welcome", "/nothing"})
		if err != nil {
			t.Fatal(err)
		}
		if counts["/posts/welcome"] != 2 {
			t.Fatalf("count = %v, want 2", counts)
		}
		if _, err := s.SetStatus(ctx, []uint{b.ID}, models.StatusRemoved, actor, "rude"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.PostBySlug(ctx, models.DefaultSiteID, "welcome")
		if got.Count != 1 {
			t.Fatalf("count after remove = %d, want 1", got.Count)
		}
		log, err := s.AuditEntries(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 || log[0].Before != "approved" || log[0].After != "removed" || log[0].Note != "rude" ||
			*log[0].ModeratorID != mod || log[1].Before != "pending" || log[1].After != "approved" {
			t.Fatalf("audit = %+v", log)
		}
		qc, err := s.QueueCounts(ctx, models.DefaultSiteID)
		if err != nil {
			t.Fatal(err)
		}
		if qc[models.StatusApproved] != 1 || qc[models.StatusRemoved] != 1 || qc[models.StatusPending] != 0 {
			t.Fatalf("queue counts = %v", qc)
		}
	})
}

func TestQueuePagesNewestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		var ids []uint
		for i := 0; i < 5; i++ {
			ids = append(ids, addComment(t, s, post.ThreadID, nil, models.StatusPending).ID)
		}
		first, err := s.Queue(ctx, store.QueueFilter{Status: models.StatusPending, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 3 || first[0].ID != ids[4] || first[0].Page != "/posts/welcome" || first[0].SiteID != "default" {
			t.Fatalf("first page = %+v", first)
		}
		rest, err := s.Queue(ctx, store.QueueFilter{Status: models.StatusPending, Limit: 3, Before: first[2].ID, SiteID: "default"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rest) != 2 || rest[1].ID != ids[0] {
			t.Fatalf("second page = %+v", rest)
		}
	})
}

func TestThreadIsOneQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		root := addComment(t, s, post.ThreadID, nil, models.StatusApproved)
		for i := 0; i < 20; i++ {
			addComment(t, s, post.ThreadID, ptr(root.ID), models.StatusApproved)
		}
		var n atomic.Int64
		if err := s.OnStatement(func(string) { n.Add(1) }); err != nil {
			t.Fatal(err)
		}
		flat, err := s.ThreadComments(ctx, post.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		if len(flat) != 21 || n.Load() != 1 {
			t.Fatalf("got %d comments in %d queries, want 21 in 1", len(flat), n.Load())
		}
	})
}

func TestSessionsAndPasswordRevocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := models.Moderator{Email: " Admin@Example.com", Name: "Admin", PasswordHash: "h", Role: models.RoleAdmin}
		if err := s.CreateModerator(ctx, &m); err != nil {
			t.Fatal(err)
		}
		dup := models.Moderator{Email: "admin@example.com", Name: "x", PasswordHash: "h", Role: models.RoleAdmin}
		if err := s.CreateModerator(ctx, &dup); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate email: %v", err)
		}
		for _, id := range []string{"s1", "s2"} {
			if err := s.CreateSession(ctx, &models.Session{ID: id, ModeratorID: m.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSession(ctx, &models.Session{ID: "old", ModeratorID: m.ID, ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionModerator(ctx, "old"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("expired session: %v", err)
		}
		if got, err := s.SessionModerator(ctx, "s1"); err != nil || got.Email != "admin@example.com" {
			t.Fatalf("session: %+v %v", got, err)
		}
		if err := s.DeleteSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionModerator(ctx, "s1"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted session: %v", err)
		}
		if err := s.SetPassword(ctx, m.ID, "new"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionModerator(ctx, "s2"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("session after password change: %v", err)
		}
	})
}

func TestSecretsPersistAndRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first, err := s.Secrets(ctx, "cookie", 32)
		if err != nil || len(first) != 1 || len(first[0]) != 32 {
			t.Fatalf("first = %v, %v", first, err)
		}
		again, _ := s.Secrets(ctx, "cookie", 32)
		if string(again[0]) != string(first[0]) {
			t.Fatal("secret changed between reads")
		}
		for i := 0; i < 3; i++ {
			if err := s.RotateSecret(ctx, "cookie", 32); err != nil {
				t.Fatal(err)
			}
		}
		keys, _ := s.Secrets(ctx, "cookie", 32)
		if len(keys) != 2 || string(keys[0]) == string(first[0]) {
			t.Fatalf("after rotation got %d keys", len(keys))
		}
	})
}

func TestLoginFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			if err := s.RecordLoginFailure(ctx, "ip:1.2.3.4", time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		f, err := s.LoginFailures(ctx, "ip:1.2.3.4")
		if err != nil || f.Failures != 3 {
			t.Fatalf("failures = %+v %v", f, err)
		}
		if err := s.ClearLoginFailures(ctx, "ip:1.2.3.4"); err != nil {
			t.Fatal(err)
		}
		if f, _ := s.LoginFailures(ctx, "ip:1.2.3.4"); f.Failures != 0 {
			t.Fatalf("after clear = %+v", f)
		}
	})
}

func TestPostsCreateUpdateAndSlugConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bootstrapped(t, s)
		p := models.Post{SiteID: "default", Slug: "second", Title: "Second", Body: "b", BodyHTML: "<p>b</p>"}
		if err := s.CreatePost(ctx, &p); err != nil {
			t.Fatal(err)
		}
		dup := models.Post{SiteID: "default", Slug: "second", Title: "Dup"}
		if err := s.CreatePost(ctx, &dup); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate slug: %v", err)
		}
		if posts, _ := s.PublishedPosts(ctx, "default", 0, 10); len(posts) != 1 {
			t.Fatalf("draft listed: %d posts", len(posts))
		}
		p.Slug, p.Published = "renamed", true
		if err := s.UpdatePost(ctx, &p, true); err != nil {
			t.Fatal(err)
		}
		got, err := s.PostBySlug(ctx, "default", "renamed")
		if err != nil || !got.Closed || got.PublishedAt == nil {
			t.Fatalf("updated post = %+v, %v", got, err)
		}
		if th, err := s.Thread(ctx, "default", "/posts/renamed"); err != nil || th.ID != got.ThreadID {
			t.Fatalf("thread follows slug: %+v %v", th, err)
		}
		posts, _ := s.PublishedPosts(ctx, "default", 0, 10)
		if len(posts) != 2 || posts[0].Slug != "renamed" {
			t.Fatalf("newest first: %+v", posts)
		}
	})
}

// TestConcurrentWritersNeverLock runs many writers at once: every write
// succeeds, none sees "database is locked".
func TestConcurrentWritersNeverLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		post := bootstrapped(t, s)
		const writers, each = 16, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					c := models.Comment{ThreadID: post.ThreadID, Author: fmt.Sprint(w), Body: "b", HTML: "b", Status: models.StatusApproved}
					if err := s.CreateComment(context.Background(), &c, 5); err != nil {
						errs <- err
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got, _ := s.PostBySlug(context.Background(), "default", "welcome")
		if got.Count != writers*each {
			t.Fatalf("count = %d, want %d", got.Count, writers*each)
		}
	})
}

// The index of comments by IP address and time is gone from databases
// that had it; a ban's removal reads idx_comments_ip_prefix instead
// (TestHotQueryPlans).
func TestMigrationDropsTheIPTimeIndex(t *testing.T) {
	checkMigrationRedoes(t, store.DroppedIPTimeSchema, []string{"CREATE INDEX idx_comments_ip_time ON comments (ip, created_at)"},
		func(t *testing.T, s *store.Store, when string) {
			if store.HasCommentIndex(s, "idx_comments_ip_time") {
				t.Errorf("%s: idx_comments_ip_time is there", when)
			}
			if !store.HasCommentIndex(s, "idx_comments_ip_prefix") {
				t.Errorf("%s: idx_comments_ip_prefix is missing", when)
			}
		})
}

// checkMigrationRedoes opens a new database on each backend and checks it,
// runs undo to put it back in the state before the migration that brings
// it to schema, and checks the migration, run on the next open, gets it
// where a new database already is.
func checkMigrationRedoes(t *testing.T, schema int, undo []string, check func(t *testing.T, s *store.Store, when string)) {
	t.Helper()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := storetest.Open(t, b.DSN)
			check(t, s, "a new database")
			for _, stmt := range undo {
				if err := store.ExecWriter(s, stmt); err != nil {
					t.Fatal(err)
				}
			}
			if err := store.ForceSchemaVersion(s, schema-1); err != nil {
				t.Fatal(err)
			}
			s.Close()
			check(t, storetest.Open(t, b.DSN), "after the migration")
		})
	}
}

// checkIndex fails t unless the named index is on want ("" for no index).
func checkIndex(t *testing.T, s *store.Store, when, name, want string) {
	t.Helper()
	cols, err := store.IndexColumns(s, name)
	if err != nil {
		t.Fatal(err)
	}
	if cols != want {
		t.Errorf("%s: %s is on %q, want %q", when, name, cols, want)
	}
}

// TestMigrationOrdersTheThreadIndexByAge checks the migration that drops
// idx_comments_parent_id and adds created_at and id to idx_comments_thread.
func TestMigrationOrdersTheThreadIndexByAge(t *testing.T) {
	checkMigrationRedoes(t, store.ThreadAgeIndexSchema, []string{
		"DROP INDEX idx_comments_thread",
		"CREATE INDEX idx_comments_thread ON comments (thread_id, status)",
		"CREATE INDEX idx_comments_parent_id ON comments (parent_id)",
	}, func(t *testing.T, s *store.Store, when string) {
		if store.HasCommentIndex(s, "idx_comments_parent_id") {
			t.Errorf("%s: idx_comments_parent_id is there", when)
		}
		checkIndex(t, s, when, "idx_comments_thread", "thread_id,status,created_at,id")
	})
}

// TestMigrationIndexesPostsByAge checks the migration that adds
// idx_posts_site_created.
func TestMigrationIndexesPostsByAge(t *testing.T) {
	checkMigrationRedoes(t, store.PostAgeIndexSchema, []string{"DROP INDEX idx_posts_site_created"},
		func(t *testing.T, s *store.Store, when string) {
			checkIndex(t, s, when, "idx_posts_site_created", "site_id,created_at,id")
		})
}

// TestMigrationIndexesPublishedPostsBySite checks the migration that
// replaces idx_posts_published, without the site, by
// idx_posts_site_published.
func TestMigrationIndexesPublishedPostsBySite(t *testing.T) {
	checkMigrationRedoes(t, store.PostsPublishedBySiteSchema, []string{
		"DROP INDEX idx_posts_site_published",
		"CREATE INDEX idx_posts_published ON posts (published, published_at)",
	}, func(t *testing.T, s *store.Store, when string) {
		checkIndex(t, s, when, "idx_posts_site_published", "site_id,published,published_at,id")
		checkIndex(t, s, when, "idx_posts_published", "")
	})
}
