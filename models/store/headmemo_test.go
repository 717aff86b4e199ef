package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// TestHeadMemoSeesEveryCommit reads heads on one store while another store
// on the same SQLite file (as a second process or an import would) and the
// store itself change what they hold: every read after a commit must show
// it, however many reads before it were answered from the memo.
func TestHeadMemoSeesEveryCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "memo.db")
	reader := storetest.Open(t, path)
	if err := reader.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		t.Fatal(err)
	}
	other := storetest.Open(t, path)
	post, err := reader.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	page := post.PagePath()

	readBoth := func(step string) (store.ThreadHead, store.PostHead) {
		t.Helper()
		var th store.ThreadHead
		var ph store.PostHead
		for range 3 { // the later reads come from the memo
			if th, err = reader.ThreadHead(ctx, models.DefaultSiteID, page); err != nil {
				t.Fatalf("%s: thread head: %v", step, err)
			}
			if ph, err = reader.PostHead(ctx, models.DefaultSiteID, "welcome"); err != nil {
				t.Fatalf("%s: post head: %v", step, err)
			}
		}
		return th, ph
	}

	th, ph := readBoth("start")
	if th.Thread.Closed || ph.Thread.Closed {
		t.Fatal("thread closed at the start")
	}
	version := th.Thread.Version

	if err := other.SetThreadClosed(ctx, post.ThreadID, true); err != nil {
		t.Fatal(err)
	}
	th, ph = readBoth("closed by the other store")
	if !th.Thread.Closed || !ph.Thread.Closed || th.Thread.Version == version {
		t.Fatalf("after the other store closed the thread: thread head %+v, post head %+v", th.Thread, ph.Thread)
	}
	version = th.Thread.Version

	if err := reader.SetThreadClosed(ctx, post.ThreadID, false); err != nil {
		t.Fatal(err)
	}
	th, ph = readBoth("reopened by the store itself")
	if th.Thread.Closed || ph.Thread.Closed || th.Thread.Version == version {
		t.Fatalf("after the store reopened the thread: thread head %+v, post head %+v", th.Thread, ph.Thread)
	}

	site, err := other.Site(ctx, models.DefaultSiteID)
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := reader.SiteUpdated(ctx, models.DefaultSiteID)
	if err != nil {
		t.Fatal(err)
	}
	queueBefore, err := reader.QueueVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	site.Name = "Renamed"
	if err := other.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	after, found, err := reader.SiteUpdated(ctx, models.DefaultSiteID)
	if err != nil || !found || !after.After(before) {
		t.Fatalf("site updated %v → %v (found %v, %v): the other store's save does not show", before, after, found, err)
	}

	// A site's change moves the queue version (sites trigger).
	if queueAfter, err := reader.QueueVersion(ctx); err != nil || queueAfter <= queueBefore {
		t.Fatalf("queue version %d → %d (%v): the other store's save does not show", queueBefore, queueAfter, err)
	}

	if _, err := reader.ThreadHead(ctx, models.DefaultSiteID, "/new"); err != nil {
		t.Fatal(err)
	}
	created, err := other.EnsureThread(ctx, models.DefaultSiteID, "/new", "New", "https://example.com/new")
	if err != nil {
		t.Fatal(err)
	}
	if head, err := reader.ThreadHead(ctx, models.DefaultSiteID, "/new"); err != nil || head.Thread.ID != created.ID {
		t.Fatalf("the other store's new thread: %+v, %v", head.Thread, err)
	}
}

// TestHeadMemoRemembersNotFound: an unknown post or site is answered from
// the memo as it was from the database, and a post created later shows.
func TestHeadMemoRemembersNotFound(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "memo.db"))
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.PostHead(ctx, models.DefaultSiteID, "later"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown post: %v, want ErrNotFound", err)
		}
		if _, err := st.ThreadHead(ctx, "nope", "/x"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown site: %v, want ErrNotFound", err)
		}
	}
	p := models.Post{SiteID: models.DefaultSiteID, Slug: "later", Title: "Later", Body: "b", BodyHTML: "<p>b</p>", Published: true}
	if err := st.CreatePost(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if h, err := st.PostHead(ctx, models.DefaultSiteID, "later"); err != nil || h.PostID != p.ID {
		t.Fatalf("post created after a not-found read: %+v, %v", h, err)
	}
}

// TestHeadMemoAnswersCannotBeChanged: what a caller does to a head it got
// does not reach the next caller's.
func TestHeadMemoAnswersCannotBeChanged(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "memo.db"))
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		t.Fatal(err)
	}
	first, err := st.PostHead(ctx, models.DefaultSiteID, "welcome")
	if err != nil || first.Thread.PostID == nil || first.PublishedAt == nil {
		t.Fatalf("post head %+v, %v", first, err)
	}
	id, published := *first.Thread.PostID, *first.PublishedAt
	*first.Thread.PostID = id + 100
	*first.PublishedAt = published.AddDate(1, 0, 0)
	first.Thread.Title = "changed by a caller"
	again, err := st.PostHead(ctx, models.DefaultSiteID, "welcome")
	if err != nil || *again.Thread.PostID != id || !again.PublishedAt.Equal(published) || again.Thread.Title == "changed by a caller" {
		t.Fatalf("second read %+v, %v: a caller's change reached it", again, err)
	}
}

// TestHeadMemoUnderConcurrentReads: while readers keep the memo busy, every
// read that starts after a write has returned shows that write.
func TestHeadMemoUnderConcurrentReads(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "memo.db"))
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: "welcome", Body: "hi", BodyHTML: "<p>hi</p>"}); err != nil {
		t.Fatal(err)
	}
	post, err := st.PostBySlug(ctx, models.DefaultSiteID, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := st.PostHead(ctx, models.DefaultSiteID, "welcome"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 40 {
		closed := i%2 == 0
		if err := st.SetThreadClosed(ctx, post.ThreadID, closed); err != nil {
			t.Fatal(err)
		}
		for _, read := range []string{"thread", "post"} {
			var got bool
			if read == "thread" {
				h, err := st.ThreadHead(ctx, models.DefaultSiteID, post.PagePath())
				if err != nil {
					t.Fatal(err)
				}
				got = h.Thread.Closed
			} else {
				h, err := st.PostHead(ctx, models.DefaultSiteID, "welcome")
				if err != nil {
					t.Fatal(err)
				}
				got = h.Thread.Closed
			}
			if got != closed {
				t.Fatalf("write %d: %s head shows closed=%v after the write set %v", i, read, got, closed)
			}
		}
	}
	close(stop)
	wg.Wait()
}

// TestHeadMemoSeesAnotherProcess: a second process (this test binary run
// again) checkpoints the WAL back to nothing and then closes the thread,
// as a second Parley or an import on the same file would; the memo of
// this process, which answered before, must show the change.
func TestHeadMemoSeesAnotherProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "memo.db")
	st := storetest.Open(t, path)
	post := bootstrapped(t, st)
	for _, closed := range []bool{true, false} {
		for range 2 { // the second read comes from the memo
			if h, err := st.PostHead(ctx, models.DefaultSiteID, "welcome"); err != nil || h.Thread.Closed == closed {
				t.Fatalf("before the other process: %+v, %v", h.Thread, err)
			}
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHeadMemoOtherProcess$")
		cmd.Env = append(os.Environ(), "PARLEY_MEMO_OTHER_DB="+path,
			fmt.Sprintf("PARLEY_MEMO_OTHER_THREAD=%d", post.ThreadID),
			fmt.Sprintf("PARLEY_MEMO_OTHER_CLOSED=%t", closed))
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "closed by the other process") {
			t.Fatalf("the other process: %v\n%s", err, out)
		}
		h, err := st.PostHead(ctx, models.DefaultSiteID, "welcome")
		if err != nil || h.Thread.Closed != closed {
			t.Fatalf("after the other process set closed=%v: %+v, %v", closed, h.Thread, err)
		}
	}
}

// TestHeadMemoOtherProcess is the other process of
// TestHeadMemoSeesAnotherProcess; alone it does nothing.
func TestHeadMemoOtherProcess(t *testing.T) {
	path := os.Getenv("PARLEY_MEMO_OTHER_DB")
	if path == "" {
		t.Skip("run by TestHeadMemoSeesAnotherProcess")
	}
	ctx := context.Background()
	threadID, err := strconv.ParseUint(os.Getenv("PARLEY_MEMO_OTHER_THREAD"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var busy, logFrames, checkpointed int
	if err := raw.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed); err != nil || busy != 0 {
		t.Fatalf("checkpoint: busy %d, %v", busy, err)
	}
	st := storetest.Open(t, path)
	if err := st.SetThreadClosed(ctx, uint(threadID), os.Getenv("PARLEY_MEMO_OTHER_CLOSED") == "true"); err != nil {
		t.Fatal(err)
	}
	fmt.Println("closed by the other process")
}

// TestHeadMemoSessionsEndWhenTheyShould: a moderator's session is answered
// from the memo between commits, and stops being answered the moment
// another store signs it out or disables its moderator, or its time runs
// out with nothing committed at all.
func TestHeadMemoSessionsEndWhenTheyShould(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "memo.db")
	reader := storetest.Open(t, path)
	other := storetest.Open(t, path)
	mod := models.Moderator{Email: "mod@example.com", Name: "Mod", PasswordHash: "x", Role: models.RoleModerator}
	if err := other.CreateModerator(ctx, &mod); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, sess := range []models.Session{
		{ID: "signed-out", ModeratorID: mod.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "short", ModeratorID: mod.ID, CreatedAt: now, ExpiresAt: now.Add(300 * time.Millisecond)},
		{ID: "disabled", ModeratorID: mod.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := other.CreateSession(ctx, &sess); err != nil {
			t.Fatal(err)
		}
	}
	signedIn := func(id string) bool {
		t.Helper()
		var found bool
		for range 3 { // the later reads come from the memo
			m, err := reader.SessionModerator(ctx, id)
			if err != nil && !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("session %s: %v", id, err)
			}
			if err == nil && m.ID != mod.ID {
				t.Fatalf("session %s: moderator %d, want %d", id, m.ID, mod.ID)
			}
			found = err == nil
		}
		return found
	}
	for _, id := range []string{"signed-out", "short", "disabled"} {
		if !signedIn(id) {
			t.Fatalf("session %s not found at the start", id)
		}
	}
	if err := other.DeleteSession(ctx, "signed-out"); err != nil {
		t.Fatal(err)
	}
	if signedIn("signed-out") {
		t.Error("a session the other store deleted is still signed in")
	}
	signedIn("short") // remembered again after the delete's commit
	time.Sleep(400 * time.Millisecond)
	if signedIn("short") {
		t.Error("an expired session is still signed in")
	}
	if _, err := other.SetModeratorDisabled(ctx, mod.ID, true, store.Actor{Name: "test"}); err != nil {
		t.Fatal(err)
	}
	if signedIn("disabled") {
		t.Error("the session of a moderator the other store disabled is still signed in")
	}
}
