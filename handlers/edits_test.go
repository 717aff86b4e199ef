package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
)

func withClock(c *testClock) option { return func(cfg *handlers.Config) { cfg.Now = c.now } }

// createWithToken posts a comment through the API and returns its id,
// status and edit token.
func (e *env) createWithToken(author, body string) (uint, string, string) {
	e.t.Helper()
	resp := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": author, "body": body})
	wantStatus(e.t, resp, http.StatusCreated)
	var out struct {
		Comment   struct{ ID uint }
		Status    string
		EditToken string `json:"edit_token"`
	}
	decode(e.t, resp.Body, &out)
	return out.Comment.ID, out.Status, out.EditToken
}

func (e *env) sendEdit(method string, id uint, token, body string) response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v1/comments/"+itoa(id), strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Edit-Token", token)
	}
	return e.do(nil, req)
}

func itoa(id uint) string { return strconv.FormatUint(uint64(id), 10) }

func (e *env) thread() models.Thread {
	e.t.Helper()
	th, err := e.store.Thread(context.Background(), models.DefaultSiteID, welcomePage)
	if err != nil {
		e.t.Fatal(err)
	}
	return th
}

func TestEditAPIEditAndDelete(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.setModeration(models.ModerationPost)
		id, status, token := e.createWithToken("Ada", "First words")
		if status != "approved" || token == "" {
			t.Fatalf("create: status %q token %q", status, token)
		}

		wantStatus(t, e.sendEdit(http.MethodPatch, id, "", `{"body":"x"}`), http.StatusForbidden)
		wantStatus(t, e.sendEdit(http.MethodPatch, id, "wrong", `{"body":"x"}`), http.StatusForbidden)
		wantStatus(t, e.sendEdit(http.MethodDelete, id, "wrong", ""), http.StatusForbidden)
		wantStatus(t, e.sendEdit(http.MethodPatch, id, token, `{"body":"  "}`), http.StatusUnprocessableEntity)

		before := e.thread()
		resp := e.sendEdit(http.MethodPatch, id, token, `{"body":"Better *words*"}`)
		wantStatus(t, resp, http.StatusOK)
		var out struct {
			Comment struct {
				ID       uint
				HTML     string
				EditedAt *time.Time `json:"edited_at"`
			}
			Status string
		}
		decode(t, resp.Body, &out)
		if out.Status != "approved" || out.Comment.ID != id || out.Comment.EditedAt == nil || !strings.Contains(out.Comment.HTML, "<em>words</em>") {
			t.Fatalf("edit answer: %+v", out)
		}
		after := e.thread()
		if after.Version <= before.Version || after.Count != before.Count {
			t.Errorf("thread after edit: version %d→%d, count %d→%d", before.Version, after.Version, before.Count, after.Count)
		}
		page := e.get(nil, welcomePage)
		wantContains(t, page.Body, "<em>words</em>", `class="edited"`, "edited ")

		reply, _ := e.comment("Bo", "A reply that stays", id)
		before = e.thread()
		wantStatus(t, e.sendEdit(http.MethodDelete, id, token, ""), http.StatusNoContent)
		c, err := e.store.Comment(context.Background(), id)
		if err != nil || c.Status != models.StatusRemoved {
			t.Fatalf("after delete: %v %v", c.Status, err)
		}
		if th := e.thread(); th.Count != before.Count-1 {
			t.Errorf("count after delete = %d, want %d", th.Count, before.Count-1)
		}
		wantNotContains(t, e.get(nil, welcomePage).Body, "Better")
		wantContains(t, e.get(nil, welcomePage).Body, "This comment was removed.", "A reply that stays")
		wantContains(t, e.get(nil, "/api/v1/comments?site=default&page="+welcomePage).Body,
			`{"id":`+itoa(id)+`,"removed":true,"replies":[{"id":`+itoa(reply))
		// A deleted comment is the moderators' now.
		wantStatus(t, e.sendEdit(http.MethodPatch, id, token, `{"body":"back"}`), http.StatusForbidden)

		entries, err := e.store.AuditEntries(context.Background(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range entries {
			if en.CommentID != nil && *en.CommentID == id {
				actions = append(actions, en.Action+":"+en.Note)
			}
		}
		if strings.Join(actions, ",") != "delete:deleted by author,edit:" {
			t.Errorf("audit of the comment = %v", actions)
		}
	})
}

func TestEditAPIWindow(t *testing.T) {
	clock := &testClock{}
	e := newEnv(t, withClock(clock))
	e.setModeration(models.ModerationPost)
	id, _, token := e.createWithToken("Ada", "Hello there")
	clock.advance(14 * time.Minute)
	wantStatus(t, e.sendEdit(http.MethodPatch, id, token, `{"body":"Still in time"}`), http.StatusOK)
	clock.advance(2 * time.Minute)
	resp := e.sendEdit(http.MethodPatch, id, token, `{"body":"Too late"}`)
	wantStatus(t, resp, http.StatusForbidden)
	wantContains(t, resp.Body, "edit_window_closed")
	wantStatus(t, e.sendEdit(http.MethodDelete, id, token, ""), http.StatusForbidden)

	// A site with a longer window lets the same comment change again.
	ctx := context.Background()
	site, _ := e.store.Site(ctx, models.DefaultSiteID)
	site.Settings.EditWindowSeconds = 3600
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.sendEdit(http.MethodPatch, id, token, `{"body":"Now in time"}`), http.StatusOK)
	site.Settings.EditWindowSeconds = -1 // reader edits off
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.sendEdit(http.MethodDelete, id, token, ""), http.StatusForbidden)
}

func TestEditAPIRemoderated(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	ctx := context.Background()
	site, _ := e.store.Site(ctx, models.DefaultSiteID)
	site.Settings.Rules.HoldWords = []string{"casino"}
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	id, status, token := e.createWithToken("Ada", "An innocent remark")
	if status != "approved" {
		t.Fatalf("status %q", status)
	}
	before := e.thread()
	resp := e.sendEdit(http.MethodPatch, id, token, `{"body":"Visit my casino"}`)
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, resp.Body, `"status":"pending"`)
	after := e.thread()
	if after.Count != before.Count-1 || after.Version <= before.Version {
		t.Errorf("thread: count %d→%d version %d→%d", before.Count, after.Count, before.Version, after.Version)
	}
	wantNotContains(t, e.get(nil, welcomePage).Body, "casino", "innocent")
	list := e.get(nil, "/api/v1/comments?site=default&page="+welcomePage)
	wantNotContains(t, list.Body, "casino", "innocent")
	c, _ := e.store.Comment(ctx, id)
	if c.Status != models.StatusPending || len(c.Reasons) == 0 {
		t.Errorf("held edit: status %s reasons %v", c.Status, c.Reasons)
	}
}
