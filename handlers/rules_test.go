package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
	"parley/models/store"
)

// post sends a comment through the API with optional extra fields and
// returns the decoded answer.
type created struct {
	Comment      struct{ ID uint }
	Status       string
	CommenterKey string `json:"commenter_key"`
	Code         string
}

func (e *env) send(fields map[string]any) (int, created) {
	e.t.Helper()
	req := map[string]any{"site": "default", "page": welcomePage, "author": "Ann", "body": fmt.Sprint("body ", time.Now().UnixNano())}
	for k, v := range fields {
		req[k] = v
	}
	resp := e.postJSON(nil, "/api/v1/comments", req)
	var out created
	decode(e.t, resp.Body, &out)
	return resp.StatusCode, out
}

func TestSmartModeTrustsKeysNotEmails(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationSmart)
	status, first := e.send(map[string]any{"email": "ann@example.com"})
	if status != http.StatusCreated || first.Status != "pending" || first.CommenterKey == "" {
		t.Fatalf("first comment: %d %+v", status, first)
	}
	got, _ := e.store.Comment(t.Context(), first.Comment.ID)
	if got.Reasons[0].Code != "first_time" {
		t.Fatalf("reasons = %+v", got.Reasons)
	}
	e.approve(first.Comment.ID)
	_, again := e.send(map[string]any{"email": "ann@example.com", "commenter_key": first.CommenterKey})
	if again.Status != "approved" {
		t.Fatalf("trusted returning commenter: %+v", again)
	}
	_, stranger := e.send(map[string]any{"email": "ann@example.com", "author": "Ann"})
	if stranger.Status != "pending" {
		t.Fatalf("a stranger typing Ann's name and email was trusted: %+v", stranger)
	}
	_, forged := e.send(map[string]any{"commenter_key": first.CommenterKey[:len(first.CommenterKey)-2] + "xx"})
	if forged.Status != "pending" {
		t.Fatalf("a forged key was trusted: %+v", forged)
	}
}

func TestSettingsPresetsAndRulesApply(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	wantStatus(t, e.postForm(admin, "/admin/settings", url.Values{"site": {"default"}, "preset": {"nope"}}), http.StatusUnprocessableEntity)
	wantStatus(t, e.postForm(admin, "/admin/settings", url.Values{"site": {"default"}, "preset": {"off"}}), http.StatusSeeOther)
	site, _ := e.store.Site(t.Context(), "default")
	if site.Settings.Moderation != models.ModerationPost || site.Settings.Rules.MaxLinks != 0 {
		t.Fatalf("off preset = %+v", site.Settings)
	}
	wantContains(t, e.get(admin, "/admin/settings").Body, "(in use)")
	form := settingsForm("post")
	form.Set("max_links", "1")
	form.Set("hold_words", "casino*, free money")
	form.Set("block_words", "viagra\n203.0.113.*")
	wantStatus(t, e.postForm(admin, "/admin/settings", form), http.StatusSeeOther)

	tests := []struct {
		name   string
		fields map[string]any
		want   models.Status
		code   string
	}{
		{"clean", map[string]any{"body": "A thoughtful reply."}, models.StatusApproved, ""},
		{"links", map[string]any{"body": "see https://a.example and https://b.example"}, models.StatusPending, "links"},
		{"hold word", map[string]any{"body": "best CASINOS here"}, models.StatusPending, "hold_word"},
		{"hold phrase", map[string]any{"body": "get free   money now"}, models.StatusPending, "hold_word"},
		{"zero width", map[string]any{"body": "cheap vi\u200bagra"}, models.StatusSpam, "block_word"},
		{"look-alike", map[string]any{"body": "cheap v\u0456agra"}, models.StatusSpam, "block_word"},
		{"block word in name", map[string]any{"author": "Viagra Shop", "body": "hello"}, models.StatusSpam, "block_word"},
		{"whole words only", map[string]any{"body": "the viagras of old"}, models.StatusApproved, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := e.send(tt.fields)
			if status != http.StatusCreated {
				t.Fatalf("status %d %+v", status, out)
			}
			got, _ := e.store.Comment(t.Context(), out.Comment.ID)
			if got.Status != tt.want {
				t.Fatalf("status %s, want %s (reasons %+v)", got.Status, tt.want, got.Reasons)
			}
			if tt.code != "" && (len(got.Reasons) == 0 || got.Reasons[0].Code != tt.code) {
				t.Fatalf("reasons %+v, want %s", got.Reasons, tt.code)
			}
			if tt.want == models.StatusSpam && out.Status != "pending" {
				t.Fatalf("spam answered %q, want the same as held", out.Status)
			}
		})
	}
	queue := e.get(admin, "/admin/queue").Body
	wantContains(t, queue, "Too many links", "2 links, limit 1")
}

func TestPostOverridesSiteModeration(t *testing.T) {
	e := newEnv(t)
	post, _ := e.store.PostBySlug(t.Context(), "default", welcomeSlug)
	p := post.Post
	p.Moderation = models.ModerationPost
	if err := e.store.UpdatePost(t.Context(), &p, false); err != nil {
		t.Fatal(err)
	}
	if _, out := e.send(nil); out.Status != "approved" {
		t.Fatalf("post-moderated post on a pre-moderated site: %+v", out)
	}
}

func TestDuplicatesAreRefused(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	status, _ := e.send(map[string]any{"body": "Same words"})
	wantStatusCode(t, status, http.StatusCreated)
	status, out := e.send(map[string]any{"body": "Same words"})
	if status != http.StatusConflict || out.Code != "duplicate" {
		t.Fatalf("duplicate: %d %+v", status, out)
	}
	form := e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"Ann"}, "body": {"Same words"}})
	wantStatus(t, form, http.StatusConflict)
	wantContains(t, form.Body, "already")
}

func wantStatusCode(t *testing.T, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
}

func TestRateLimitPerEmail(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.CommentRate = 2 })
	// Two different clients (by X-Forwarded-For, not trusted: the socket IP
	// is the same) would share the IP limit, so use one client and check that
	// the email limit is counted on its own key.
	status, _ := e.send(map[string]any{"email": "ann@example.com"})
	wantStatusCode(t, status, http.StatusCreated)
	status, _ = e.send(map[string]any{"email": "ANN@example.com"})
	wantStatusCode(t, status, http.StatusCreated)
	status, _ = e.send(map[string]any{"email": "ann@example.com"})
	wantStatusCode(t, status, http.StatusTooManyRequests)
}

func TestBansEachKindExpiryAndShadow(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	admin := e.admin()
	_, keyed := e.send(map[string]any{"email": "troll@bad.example"})
	tests := []struct {
		name, kind, value string
		fields            map[string]any
	}{
		{"ip", "ip", "127.0.0.1", nil},
		{"cidr", "ip", "127.0.0.0/8", nil},
		{"email", "email", "Troll@Bad.example", map[string]any{"email": "troll@bad.example"}},
		{"domain", "domain", "bad.example", map[string]any{"email": "other@mail.bad.example"}},
		{"key", "key", "", map[string]any{"commenter_key": keyed.CommenterKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value := tt.value
			if tt.kind == "key" {
				c, _ := e.store.Comment(t.Context(), keyed.Comment.ID)
				value = c.CommenterKey
			}
			wantStatus(t, e.postForm(admin, "/admin/bans", url.Values{"kind": {tt.kind}, "value": {value}, "hours": {"0"}}), http.StatusSeeOther)
			status, out := e.send(tt.fields)
			if status != http.StatusForbidden || out.Code != "banned" {
				t.Fatalf("banned commenter: %d %+v", status, out)
			}
			liftAll(t, e, admin)
			if status, _ := e.send(tt.fields); status != http.StatusCreated {
				t.Fatalf("after lifting: %d", status)
			}
		})
	}
	wantStatus(t, e.postForm(admin, "/admin/bans", url.Values{"kind": {"ip"}, "value": {"not an ip"}}), http.StatusUnprocessableEntity)

	// An expired ban no longer holds.
	past := time.Now().Add(-time.Hour)
	if _, err := e.store.CreateBan(t.Context(), &models.Ban{Kind: "ip", Value: "127.0.0.1", ExpiresAt: &past}, store.Actor{Name: "t"}, nil, models.Commenter{}); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.send(nil); status != http.StatusCreated {
		t.Fatalf("expired ban still applies: %d", status)
	}
	wantContains(t, e.get(admin, "/admin/bans").Body, "(expired)")
	wantContains(t, e.get(admin, "/admin/audit").Body, "ban", "unban")
}

func liftAll(t *testing.T, e *env, admin *http.Client) {
	t.Helper()
	bans, _ := e.store.Bans(t.Context())
	for _, b := range bans {
		wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/bans/%d/delete", b.ID), nil), http.StatusSeeOther)
	}
}

func TestShadowBanShowsOnlyToAuthor(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	author := e.client()
	first := e.postForm(author, welcomePage+"/comments", url.Values{"author": {"Troll"}, "body": {"first words"}})
	wantStatus(t, first, http.StatusSeeOther)
	var firstID uint
	fmt.Sscanf(first.Header.Get("Location"), welcomePage+"#comment-%d", &firstID)
	admin := e.admin()
	wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/comments/%d/ban", firstID), url.Values{"shadow": {"on"}, "hours": {"0"}}), http.StatusSeeOther)

	resp := e.postForm(author, welcomePage+"/comments", url.Values{"author": {"Troll"}, "body": {"shadow words"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if !strings.Contains(resp.Header.Get("Location"), "#comment-") {
		t.Fatalf("shadow-banned author learns of it: %q", resp.Header.Get("Location"))
	}
	wantContains(t, e.get(author, welcomePage).Body, "shadow words")
	wantNotContains(t, e.get(nil, welcomePage).Body, "shadow words")
	wantNotContains(t, e.get(nil, "/api/v1/comments?site=default&page="+welcomePage).Body, "shadow words")
	wantContains(t, e.get(admin, "/admin/queue?status=spam").Body, "shadow words", "Shadow-banned commenter")
}

func TestTimeoutFromQueueRemovesRecentComments(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	_, a := e.send(map[string]any{"body": "one"})
	_, b := e.send(map[string]any{"body": "two", "commenter_key": a.CommenterKey})
	_, other := e.send(map[string]any{"body": "someone else"})
	admin := e.admin()
	wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/comments/%d/ban", b.Comment.ID), url.Values{"hours": {"2"}, "remove_recent": {"on"}}), http.StatusSeeOther)
	for id, want := range map[uint]models.Status{a.Comment.ID: models.StatusRemoved, b.Comment.ID: models.StatusRemoved, other.Comment.ID: models.StatusApproved} {
		if c, _ := e.store.Comment(t.Context(), id); c.Status != want {
			t.Errorf("comment %d is %s, want %s", id, c.Status, want)
		}
	}
	bans, _ := e.store.Bans(t.Context())
	if len(bans) != 1 || bans[0].Kind != "key" || bans[0].ExpiresAt == nil {
		t.Fatalf("bans = %+v", bans)
	}
	if status, _ := e.send(map[string]any{"commenter_key": a.CommenterKey}); status != http.StatusForbidden {
		t.Fatalf("timed-out commenter: %d", status)
	}
}

func TestFlagsReachThresholdIntoFlaggedQueue(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	_, c := e.send(map[string]any{"body": "edgy"})
	flag := func(key, reason string) response {
		return e.postJSON(nil, fmt.Sprintf("/api/v1/comments/%d/flag", c.Comment.ID), map[string]any{"reason": reason, "note": "not ok", "commenter_key": key})
	}
	var keys []string
	for i := 0; i < 3; i++ {
		_, r := e.send(map[string]any{"body": fmt.Sprint("reader ", i)})
		keys = append(keys, r.CommenterKey)
	}
	wantStatus(t, flag(keys[0], "spam"), http.StatusAccepted)
	wantStatus(t, flag(keys[0], "spam"), http.StatusAccepted) // a repeat counts once
	wantStatus(t, flag(keys[1], "abuse"), http.StatusAccepted)
	if got, _ := e.store.Comment(t.Context(), c.Comment.ID); got.Status != models.StatusApproved {
		t.Fatalf("two readers hid the comment: %s", got.Status)
	}
	if r := flag(keys[2], "spam"); r.StatusCode != http.StatusAccepted {
		t.Fatalf("flag: %d %s\n%s", r.StatusCode, r.Body, e.logText())
	}
	if got, _ := e.store.Comment(t.Context(), c.Comment.ID); got.Status != models.StatusFlagged {
		t.Fatalf("three readers: status %s", got.Status)
	}
	wantNotContains(t, e.get(nil, welcomePage).Body, "edgy")
	queue := e.get(e.admin(), "/admin/queue?status=flagged").Body
	wantContains(t, queue, "edgy", "Flagged by readers", "3 flags: spam ×2, abuse")

	wantStatus(t, flag(keys[0], "rude"), http.StatusUnprocessableEntity)
	wantStatus(t, e.postJSON(nil, "/api/v1/comments/999999/flag", map[string]any{"reason": "spam"}), http.StatusNotFound)
}

func TestFlagFormWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	id, _ := e.comment("Ann", "flag me", 0)
	e.approve(id)
	other, _ := e.comment("Bo", "not approved", 0)
	page := e.get(nil, welcomePage).Body
	action := fmt.Sprintf("%s/comments/%d/flag", welcomePage, id)
	// Each comment has a link, not a form; the one form is the script's
	// template.
	wantContains(t, page, fmt.Sprintf(`href="?flag=%d#flag-form" data-flag="%s"`, id, action))
	if n := strings.Count(page, `name="reason"`); n != 1 {
		t.Fatalf("the page has %d flag forms, want only the template's", n)
	}
	// The link opens the page with the form for that comment.
	form := e.get(nil, fmt.Sprintf("%s?flag=%d", welcomePage, id)).Body
	wantContains(t, form, `<form method="post" action="`+action+`" class="flag-form" id="flag-form">`,
		"Report the comment by Ann to the moderators.", fmt.Sprintf(`href="%s#comment-%d"`, welcomePage, id))
	for _, bad := range []string{"x", "0", "999999", fmt.Sprint(other)} {
		if got := e.get(nil, welcomePage+"?flag="+bad); got.StatusCode != http.StatusOK || strings.Contains(got.Body, "flag-about") {
			t.Fatalf("?flag=%s: status %d, or a form for a comment that cannot be flagged", bad, got.StatusCode)
		}
	}
	resp := e.postForm(nil, action, url.Values{"reason": {"abuse"}})
	wantStatus(t, resp, http.StatusSeeOther)
	wantContains(t, e.get(nil, resp.Header.Get("Location")).Body, "Thank you for the report")
}

// akismetServer speaks the part of Akismet's protocol Parley uses.
func akismetServer(t *testing.T, calls *atomic.Int64, submitted *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if strings.HasPrefix(r.URL.Path, "/1.1/submit-") {
			submitted.Add(1)
		}
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.Form.Get("api_key") != "k123" {
			w.Header().Set("X-akismet-debug-help", "bad key")
			fmt.Fprint(w, "invalid")
			return
		}
		switch r.URL.Path {
		case "/1.1/comment-check":
			if strings.Contains(r.Form.Get("comment_content"), "viagra-spam-test") {
				fmt.Fprint(w, "true")
				return
			}
			fmt.Fprint(w, "false")
		case "/1.1/submit-spam", "/1.1/submit-ham":
			fmt.Fprint(w, "Thanks for making the web a better place.")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAkismetIsAskedOnlyWithAKey(t *testing.T) {
	var calls, submitted atomic.Int64
	srv := akismetServer(t, &calls, &submitted)
	off := newEnv(t, func(c *handlers.Config) { c.AkismetURL = srv.URL + "/1.1" })
	off.send(nil)
	if calls.Load() != 0 {
		t.Fatal("Akismet was contacted without a key")
	}
	on := newEnv(t, func(c *handlers.Config) { c.AkismetKey = "k123"; c.AkismetURL = srv.URL + "/1.1" })
	on.setModeration(models.ModerationPost)
	_, spam := on.send(map[string]any{"body": "buy viagra-spam-test now"})
	got, _ := on.store.Comment(t.Context(), spam.Comment.ID)
	if got.Status != models.StatusSpam || got.Reasons[0].Code != "akismet" {
		t.Fatalf("akismet spam: %s %+v", got.Status, got.Reasons)
	}
	_, ham := on.send(map[string]any{"body": "a kind word"})
	if ham.Status != "approved" || calls.Load() != 2 {
		t.Fatalf("ham: %+v after %d calls", ham, calls.Load())
	}
	// Moderator decisions are reported back: approving what Akismet called
	// spam is ham, marking spam is spam.
	admin := on.admin()
	wantStatus(t, on.postForm(admin, fmt.Sprintf("/admin/comments/%d/approve", spam.Comment.ID), nil), http.StatusSeeOther)
	wantStatus(t, on.postForm(admin, fmt.Sprintf("/admin/comments/%d/spam", ham.Comment.ID), nil), http.StatusSeeOther)
	deadline := time.Now().Add(10 * time.Second)
	for submitted.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if submitted.Load() != 2 {
		t.Fatalf("%d decisions reported to Akismet, want 2", submitted.Load())
	}
}

func TestQueueOffersBanOptionsWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	e.comment("Ann", "held", 0)
	page := e.get(e.admin(), "/admin/queue").Body
	wantContains(t, page, `name="hours"`, `name="remove_recent"`, `name="shadow"`, `formaction="/admin/comments/1/ban"`)
}
