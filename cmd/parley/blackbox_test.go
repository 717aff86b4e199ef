package main

// Black-box walk through the public contract (CONTRACT.md) against the
// built binary: CLI, blog pages, comment form and API, moderation desk.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestCLI(t *testing.T) {
	t.Parallel()
	db := "PARLEY_DB=" + filepath.Join(t.TempDir(), "cli.db")
	addr := "PARLEY_ADDR=" + freeAddr(t)

	out, errOut, code := runCLI(t, []string{db}, "version")
	if code != 0 {
		t.Errorf("parley version: exit %d, want 0; stderr %q", code, errOut)
	}
	if !regexp.MustCompile(`^parley \S+`).MatchString(out) {
		t.Errorf("parley version printed %q, want \"parley <version>…\"", out)
	}

	_, errOut, code = runCLI(t, []string{db}, "frobnicate")
	if code == 0 {
		t.Errorf("parley frobnicate: exit 0, want non-zero")
	}
	checkOneLineError(t, "parley frobnicate", errOut, "frobnicate")

	_, errOut, code = runCLI(t, []string{db, addr, "PARLEY_COMMENT_RATE=abc"}, "serve")
	if code == 0 {
		t.Errorf("PARLEY_COMMENT_RATE=abc parley serve: exit 0, want non-zero")
	}
	checkOneLineError(t, "PARLEY_COMMENT_RATE=abc parley serve", errOut, "PARLEY_COMMENT_RATE")

	_, errOut, code = runCLI(t, []string{db, addr}, "serve", "--comment-rate=abc")
	if code == 0 {
		t.Errorf("parley serve --comment-rate=abc: exit 0, want non-zero")
	}
	if !strings.Contains(errOut, "comment-rate") {
		t.Errorf("parley serve --comment-rate=abc: stderr %q does not name the flag", errOut)
	}
}

// checkOneLineError wants exactly one non-empty line on stderr naming want.
func checkOneLineError(t *testing.T, what, stderr, want string) {
	t.Helper()
	msg := strings.TrimSpace(stderr)
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("%s: stderr %q, want one line", what, stderr)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("%s: stderr %q does not mention %q", what, stderr, want)
	}
}

func TestContractWalk(t *testing.T) {
	t.Parallel()
	// The walk posts more comments than the default per-minute limit allows;
	// TestCommentRateLimit covers the limit.
	s := startServer(t, filepath.Join(t.TempDir(), "parley.db"), "PARLEY_COMMENT_RATE=0")

	// The blog and the health check.
	r := s.get(t, nil, "/")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `href="`+welcomePage+`"`) || !strings.Contains(r.Body, "No comments") {
		t.Fatalf("GET /: status %d; want 200 listing %s with \"No comments\":\n%s", r.StatusCode, welcomePage, r.Body)
	}
	r = s.get(t, nil, "/healthz")
	var health map[string]any
	if r.StatusCode != http.StatusOK || json.Unmarshal([]byte(r.Body), &health) != nil || health["status"] != "ok" {
		t.Fatalf("GET /healthz: %d %s, want 200 {\"status\":\"ok\"}", r.StatusCode, r.Body)
	}

	formBody := "Form comment ZQX1 from a reader"
	formEmail := "form.reader@example.com"
	walkFormPost(t, s, formBody, formEmail)

	jsonBody := "JSON comment KWV2 from a script"
	jsonEmail := "json.secret@example.com"
	walkJSONPost(t, s, jsonBody, jsonEmail)

	a := walkLogin(t, s)
	formID := s.queueItem(t, a, "pending", formBody, formEmail)
	jsonID := s.queueItem(t, a, "pending", jsonBody, jsonEmail)

	// Approve the form comment: now it is public.
	s.moderate(t, a, formID, "approve")
	r = s.get(t, nil, welcomePage)
	if !strings.Contains(r.Body, fmt.Sprintf(`id="comment-%d"`, formID)) || !strings.Contains(r.Body, formBody) {
		t.Errorf("approved comment %d is not on the post page", formID)
	}
	th := s.thread(t)
	if th.Thread.Count != 1 || len(th.Comments) != 1 || th.Comments[0].ID != formID {
		t.Errorf("API after one approval: count %d, comments %+v; want count 1 with comment %d", th.Thread.Count, th.Comments, formID)
	}

	walkCrossOrigin(t, s, a, jsonID)

	// Nobody may reply to a comment that is not public.
	r = s.postJSON(t, "/api/v1/comments", map[string]any{
		"site": "default", "page": welcomePage, "author": "Sneaky", "body": "reply to a held comment", "parent_id": jsonID,
	})
	checkAPIError(t, "a reply to a held comment", r, http.StatusUnprocessableEntity)

	// A scripted approval asks for JSON and gets 204.
	r = s.postForm(t, a.Client, fmt.Sprintf("/admin/comments/%d/approve", jsonID), url.Values{}, "Accept", "application/json")
	if r.StatusCode != http.StatusNoContent {
		t.Errorf("scripted approve: status %d, want 204", r.StatusCode)
	}
	if th := s.thread(t); th.Thread.Count != 2 {
		t.Errorf("API count after two approvals = %d, want 2", th.Thread.Count)
	}

	approved := []uint{formID, jsonID}
	approved = append(approved, walkReplies(t, s, a, formID)...)
	if th := s.thread(t); th.Thread.Count != len(approved) {
		t.Errorf("API count = %d, want %d", th.Thread.Count, len(approved))
	}
	if r := s.get(t, nil, "/"); !strings.Contains(r.Body, fmt.Sprintf("%d comments", len(approved))) {
		t.Errorf("GET / does not show \"%d comments\" for the welcome post", len(approved))
	}

	// The audit log names every approval and who made it.
	r = s.get(t, a.Client, "/admin/audit")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, testAdminEmail) {
		t.Errorf("GET /admin/audit: status %d, or the admin %s is not named", r.StatusCode, testAdminEmail)
	}
	for _, id := range approved {
		if !strings.Contains(r.Body, fmt.Sprintf("#%d<", id)) {
			t.Errorf("the audit log does not show the approval of comment %d", id)
		}
	}

	walkLogout(t, s, a)
}

func TestCommentRateLimit(t *testing.T) {
	t.Parallel()
	s := startServer(t, filepath.Join(t.TempDir(), "parley.db"))
	for i := 0; i < 30; i++ {
		r := s.postJSON(t, "/api/v1/comments", map[string]any{
			"site": "default", "page": welcomePage, "author": "Fast", "body": fmt.Sprintf("comment %d", i),
		})
		switch r.StatusCode {
		case http.StatusCreated:
			continue
		case http.StatusTooManyRequests:
			checkAPIError(t, "rate-limited comment", r, http.StatusTooManyRequests)
			if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
				t.Errorf("429 with Retry-After %q, want whole seconds ≥ 1", r.Header.Get("Retry-After"))
			}
			if i == 0 {
				t.Errorf("the very first comment was rate limited")
			}
			return
		default:
			t.Fatalf("comment %d: status %d: %s", i, r.StatusCode, r.Body)
		}
	}
	t.Errorf("30 comments in a row from one client were all accepted with the default PARLEY_COMMENT_RATE")
}

// walkFormPost posts a comment by the HTML form and checks it is held.
func walkFormPost(t *testing.T, s *server, body, email string) {
	r := s.postForm(t, nil, welcomePage+"/comments", url.Values{
		"author": {"Form Reader"}, "email": {email}, "website": {"https://reader.example"},
		"body": {body}, "parent_id": {""},
	})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("form post: status %d, want 303:\n%s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(welcomePage) + `\?pending=[^#&]+#pending$`).MatchString(loc) {
		t.Fatalf("form post: Location %q, want %s?pending=…#pending", loc, welcomePage)
	}
	r = s.get(t, nil, loc)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "awaiting moderation") || !strings.Contains(r.Body, body) {
		t.Errorf("GET %s: status %d; want the comment with an \"awaiting moderation\" notice", loc, r.StatusCode)
	}
	r = s.postForm(t, nil, welcomePage+"/comments", url.Values{"author": {"Keep Me Author"}, "email": {"not-an-email"}, "body": {""}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="Keep Me Author"`) {
		t.Errorf("invalid form post: status %d; want 422 with the reader's name kept in the form", r.StatusCode)
	}
	if r := s.get(t, nil, welcomePage+"?pending=1.forged"); strings.Contains(r.Body, body) {
		t.Errorf("a forged pending token shows the held comment")
	}
	if r := s.get(t, nil, welcomePage); strings.Contains(r.Body, body) {
		t.Errorf("the held comment is on the post page for a plain reader")
	}
	if th := s.thread(t); th.Thread.Count != 0 || len(th.Comments) != 0 {
		t.Errorf("the held comment is in the API: %+v", th)
	}
}

// walkJSONPost posts by the API: 201 pending, no private fields, read-only
// fields ignored, and the 415 and 422 errors.
func walkJSONPost(t *testing.T, s *server, body, email string) {
	agent := "BlackboxAgent/7.7 (unique-agent-string)"
	r := s.postJSON(t, "/api/v1/comments", map[string]any{
		"site": "default", "page": welcomePage, "author": "Script", "email": email,
		"body": body, "status": "approved", "id": 999,
	}, "User-Agent", agent)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/comments: status %d, want 201: %s", r.StatusCode, r.Body)
	}
	var created createdResponse
	if err := json.Unmarshal([]byte(r.Body), &created); err != nil {
		t.Fatalf("decode: %v: %s", err, r.Body)
	}
	if created.Status != "pending" || created.EditToken == "" || created.Comment.ID == 999 || created.Comment.ID == 0 {
		t.Errorf("created %+v; want status pending, an edit token, a server-chosen id", created)
	}
	for _, secret := range []string{email, agent, "127.0.0.1"} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("the create response leaks %q: %s", secret, r.Body)
		}
	}
	var raw struct{ Comment map[string]any }
	json.Unmarshal([]byte(r.Body), &raw)
	for _, key := range []string{"email", "ip", "user_agent", "status"} {
		if _, ok := raw.Comment[key]; ok {
			t.Errorf("the created comment has the private field %q", key)
		}
	}
	if th := s.thread(t); len(th.Comments) != 0 {
		t.Errorf("a comment sent with \"status\":\"approved\" is public: %+v", th.Comments)
	}

	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
		req := newRequest(t, http.MethodPost, s.Base+"/api/v1/comments",
			strings.NewReader(`{"site":"default","page":"/posts/welcome-to-parley","author":"A","body":"b"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		r := do(t, s.Client, req)
		checkAPIError(t, "POST /api/v1/comments with Content-Type "+strconv.Quote(ct), r, http.StatusUnsupportedMediaType)
	}
	r = s.postJSON(t, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "", "body": "  "})
	checkAPIError(t, "POST /api/v1/comments without author and body", r, http.StatusUnprocessableEntity)
}

// checkAPIError wants status and a JSON {"error","code"} body.
func checkAPIError(t *testing.T, what string, r response, status int) {
	t.Helper()
	var e struct{ Error, Code string }
	if r.StatusCode != status {
		t.Errorf("%s: status %d, want %d: %s", what, r.StatusCode, status, r.Body)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal([]byte(r.Body), &e) != nil || e.Error == "" || e.Code == "" {
		t.Errorf("%s: body %q (%s), want JSON {\"error\",\"code\"}", what, r.Body, r.Header.Get("Content-Type"))
	}
}

var loginProblem = regexp.MustCompile(`role="alert">([^<]+)<`)

// walkLogin checks failed sign-ins, the guard on the queue, and a good
// sign-in with a safe cookie.
func walkLogin(t *testing.T, s *server) admin {
	wrong := s.postForm(t, nil, "/admin/login", url.Values{"email": {testAdminEmail}, "password": {"not the password"}})
	unknown := s.postForm(t, nil, "/admin/login", url.Values{"email": {"nobody@example.com"}, "password": {testAdminPassword}})
	if wrong.StatusCode != http.StatusUnauthorized || unknown.StatusCode != http.StatusUnauthorized {
		t.Errorf("failed sign-ins: %d (wrong password), %d (unknown email); want 401", wrong.StatusCode, unknown.StatusCode)
	}
	m1, m2 := loginProblem.FindStringSubmatch(wrong.Body), loginProblem.FindStringSubmatch(unknown.Body)
	if m1 == nil || m2 == nil || m1[1] != m2[1] {
		t.Errorf("failed sign-in messages differ or are missing: %q vs %q", m1, m2)
	}
	for _, r := range []response{wrong, unknown} {
		if len(r.Cookies()) > 0 {
			t.Errorf("a failed sign-in set cookies: %v", r.Header["Set-Cookie"])
		}
	}

	r := s.get(t, nil, "/admin/queue")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Errorf("GET /admin/queue without a session: %d to %q, want 303 to /admin/login", r.StatusCode, r.Header.Get("Location"))
	}

	a := s.login(t)
	c := a.Session
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/admin" {
		t.Errorf("session cookie %s: HttpOnly %v, SameSite %v, Path %q; want HttpOnly, Lax, /admin", c.Name, c.HttpOnly, c.SameSite, c.Path)
	}
	r = s.get(t, a.Client, "/admin")
	if r.StatusCode >= 400 {
		t.Errorf("GET /admin with a session: status %d", r.StatusCode)
	}
	return a
}

var queueItemRe = regexp.MustCompile(`(?s)<li class="queue-item" id="q-(\d+)">(.*?)</li>`)

// queueItem finds the comment with body text in the queue of status and
// checks that the moderator sees its email and IP.
func (s *server) queueItem(t *testing.T, a admin, status, body, email string) uint {
	t.Helper()
	r := s.get(t, a.Client, "/admin/queue?status="+status)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/queue?status=%s: status %d", status, r.StatusCode)
	}
	for _, m := range queueItemRe.FindAllStringSubmatch(r.Body, -1) {
		if !strings.Contains(m[2], body) {
			continue
		}
		if email != "" && !strings.Contains(m[2], email) {
			t.Errorf("queue item %s does not show the email %s", m[1], email)
		}
		if !strings.Contains(m[2], "127.0.0.1") {
			t.Errorf("queue item %s does not show the IP", m[1])
		}
		id, _ := strconv.ParseUint(m[1], 10, 64)
		return uint(id)
	}
	t.Fatalf("the %s queue does not list the comment %q:\n%s", status, body, r.Body)
	return 0
}

// walkCrossOrigin checks that cross-origin POSTs and any GET leave a
// pending comment pending.
func walkCrossOrigin(t *testing.T, s *server, a admin, id uint) {
	path := fmt.Sprintf("/admin/comments/%d/approve", id)
	for _, h := range [][]string{
		{"Origin", "http://evil.example"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"},
	} {
		if r := s.postForm(t, a.Client, path, url.Values{}, h...); r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin POST %s with %v: status %d, want 403", path, h, r.StatusCode)
		}
	}
	if r := s.get(t, a.Client, path); r.StatusCode >= 500 {
		t.Errorf("GET %s: status %d", path, r.StatusCode)
	}
	if _, _, ok := findComment(s.thread(t).Comments, id, 0); ok {
		t.Fatalf("comment %d became public after cross-origin POSTs or a GET", id)
	}
	if r := s.get(t, a.Client, "/admin/queue?status=pending"); !strings.Contains(r.Body, fmt.Sprintf(`id="q-%d"`, id)) {
		t.Errorf("comment %d left the pending queue after cross-origin POSTs or a GET", id)
	}
}

// walkReplies nests replies under parent by form and JSON, then checks
// that a reply below the depth cap attaches to the deepest allowed
// ancestor. It returns the ids it approved.
func walkReplies(t *testing.T, s *server, a admin, parent uint) []uint {
	formReply := "Form reply PLM3"
	r := s.postForm(t, nil, welcomePage+"/comments", url.Values{
		"author": {"Replier"}, "email": {""}, "website": {""}, "body": {formReply},
		"parent_id": {strconv.FormatUint(uint64(parent), 10)},
	})
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "pending=") {
		t.Fatalf("form reply: %d to %q, want 303 with a pending notice:\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	formReplyID := s.queueItem(t, a, "pending", formReply, "")
	jsonReply := s.newJSONComment(t, "Script", "JSON reply NBV4", parent)
	if jsonReply.Comment.ParentID == nil || *jsonReply.Comment.ParentID != parent {
		t.Errorf("JSON reply: parent_id %s, want %d", idString(jsonReply.Comment.ParentID), parent)
	}
	s.moderate(t, a, formReplyID, "approve")
	s.moderate(t, a, jsonReply.Comment.ID, "approve")
	top, _, ok := findComment(s.thread(t).Comments, parent, 0)
	if !ok {
		t.Fatalf("comment %d is not in the API", parent)
	}
	for _, id := range []uint{formReplyID, jsonReply.Comment.ID} {
		if _, p, ok := findComment(top.Replies, id, parent); !ok || p != parent {
			t.Errorf("reply %d is not nested under %d: %+v", id, parent, top.Replies)
		}
	}
	approved := []uint{formReplyID, jsonReply.Comment.ID}

	// A chain down to the cap: chain[i] is at depth i (five levels of replies).
	const maxDepth = 5
	chain := []uint{parent, jsonReply.Comment.ID}
	for len(chain) <= maxDepth {
		c := s.newJSONComment(t, "Deep", fmt.Sprintf("Depth %d reply", len(chain)), chain[len(chain)-1])
		s.moderate(t, a, c.Comment.ID, "approve")
		chain = append(chain, c.Comment.ID)
		approved = append(approved, c.Comment.ID)
	}
	deep := s.newJSONComment(t, "Deep", "Too deep reply", chain[maxDepth])
	if deep.Comment.ParentID == nil || *deep.Comment.ParentID != chain[maxDepth-1] {
		t.Errorf("a reply to depth %d has parent_id %v, want the deepest allowed ancestor %d",
			maxDepth, idString(deep.Comment.ParentID), chain[maxDepth-1])
	}
	s.moderate(t, a, deep.Comment.ID, "approve")
	approved = append(approved, deep.Comment.ID)

	tree := s.thread(t).Comments
	for i := 1; i < len(chain); i++ {
		if _, p, ok := findComment(tree, chain[i], 0); !ok || p != chain[i-1] {
			t.Errorf("chain comment %d (depth %d) is under %d, want %d", chain[i], i, p, chain[i-1])
		}
	}
	if _, p, ok := findComment(tree, deep.Comment.ID, 0); !ok || p != chain[maxDepth-1] {
		t.Errorf("the too-deep reply %d is under %d in the API tree, want %d", deep.Comment.ID, p, chain[maxDepth-1])
	}
	return approved
}

// walkLogout checks that logging out revokes every copy of the session.
func walkLogout(t *testing.T, s *server, a admin) {
	copied := *a.Session
	r := s.postForm(t, a.Client, "/admin/logout", url.Values{})
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /admin/logout: status %d, want 303", r.StatusCode)
	}
	other := newClient(nil)
	defer other.CloseIdleConnections()
	req := newRequest(t, http.MethodGet, s.Base+"/admin/queue", nil)
	req.AddCookie(&http.Cookie{Name: copied.Name, Value: copied.Value})
	r = do(t, other, req)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Errorf("GET /admin/queue with a copy of the logged-out cookie: %d to %q, want 303 to /admin/login",
			r.StatusCode, r.Header.Get("Location"))
	}
	if r := s.get(t, a.Client, "/admin/queue"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /admin/queue after logout: status %d, want 303", r.StatusCode)
	}
}

func idString(id *uint) string {
	if id == nil {
		return "null"
	}
	return strconv.FormatUint(uint64(*id), 10)
}
