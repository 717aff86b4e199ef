package main

import (
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEditContractBlackBox holds the built binary to the contract's
// PATCH and DELETE /api/v1/comments/:id with X-Edit-Token.
func TestEditContractBlackBox(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	if _, errOut, code := runCLI(t, []string{"PARLEY_DB=" + db}, "site", "set", "default", "--moderation", "post", "--edit-window", "10m"); code != 0 {
		t.Fatalf("site set: %s", errOut)
	}
	s := startServer(t, db)
	defer s.Stop()
	created := s.newJSONComment(t, "Ann", "Typo here", 0)
	if created.Status != "approved" || created.EditToken == "" {
		t.Fatalf("created: %+v", created)
	}
	path := s.Base + "/api/v1/comments/" + strconv.FormatUint(uint64(created.Comment.ID), 10)
	send := func(method, token, body string) response {
		t.Helper()
		h := []string{}
		if token != "" {
			h = append(h, "X-Edit-Token", token)
		}
		if body != "" {
			h = append(h, "Content-Type", "application/json")
		}
		return do(t, s.Client, newRequest(t, method, path, strings.NewReader(body), h...))
	}
	for _, c := range []struct{ method, token string }{
		{http.MethodPatch, ""}, {http.MethodPatch, "wrong"}, {http.MethodDelete, ""}, {http.MethodDelete, "wrong"},
	} {
		body := ""
		if c.method == http.MethodPatch {
			body = `{"body":"hijacked"}`
		}
		if r := send(c.method, c.token, body); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s with token %q: %d, want 403", c.method, c.token, r.StatusCode)
		}
	}
	r := send(http.MethodPatch, created.EditToken, `{"body":"No typo here"}`)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"status":"approved"`) || !strings.Contains(r.Body, `"edited_at":"`) {
		t.Fatalf("PATCH: %d %s", r.StatusCode, r.Body)
	}
	if th := s.thread(t); len(th.Comments) != 1 || !strings.Contains(th.Comments[0].HTML, "No typo here") {
		t.Errorf("thread after edit: %+v", th)
	}
	if r := send(http.MethodDelete, created.EditToken, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.StatusCode, r.Body)
	}
	if th := s.thread(t); len(th.Comments) != 0 || th.Thread.Count != 0 {
		t.Errorf("thread after delete: %+v", th)
	}
	if r := send(http.MethodPatch, created.EditToken, `{"body":"back again"}`); r.StatusCode != http.StatusForbidden {
		t.Errorf("PATCH after delete: %d", r.StatusCode)
	}
}
