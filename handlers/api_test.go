package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"parley/handlers"
	"parley/models"
)

func TestAPICreateHeldAndHidden(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		resp := e.postJSON(nil, "/api/v1/comments", map[string]any{
			"site": "default", "page": welcomePage, "author": "Ann", "email": "ann@example.com",
			"website": "https://ann.example", "body": "Hello", "status": "approved", "id": 999, "score": 50,
		})
		wantStatus(t, resp, http.StatusCreated)
		var out struct {
			Comment   map[string]any
			Status    string
			EditToken string `json:"edit_token"`
		}
		decode(t, resp.Body, &out)
		if out.Status != "pending" || out.EditToken == "" || out.Comment["id"] == float64(999) || out.Comment["score"] != float64(0) {
			t.Fatalf("create response = %s", resp.Body)
		}
		for _, key := range []string{"id", "parent_id", "author", "website", "avatar", "html", "created_at", "edited_at", "score", "replies"} {
			if _, ok := out.Comment[key]; !ok {
				t.Errorf("comment lacks %q", key)
			}
		}
		wantNotContains(t, resp.Body, "ann@example.com", "127.0.0.1", "Go-http-client")
		list := e.get(nil, "/api/v1/comments?site=default&page="+welcomePage)
		wantStatus(t, list, http.StatusOK)
		if ct := list.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		wantContains(t, list.Body, `"comments":[]`, `"count":0`, `"next_cursor":null`)
		id := uint(out.Comment["id"].(float64))
		e.approve(id)
		list = e.get(nil, "/api/v1/comments?site=default&page="+welcomePage)
		wantContains(t, list.Body, fmt.Sprintf(`"id":%d`, id), `"count":1`, `"title":"Welcome"`)
		wantNotContains(t, list.Body, "ann@example.com", "127.0.0.1")
	})
}

func TestAPIErrors(t *testing.T) {
	e := newEnv(t)
	good := map[string]any{"site": "default", "page": welcomePage, "author": "A", "body": "b"}
	req := func(contentType, body string) response {
		r, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/comments", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		return e.do(nil, r)
	}
	tests := []struct {
		name   string
		resp   response
		status int
		code   string
	}{
		{"no content type", req("", `{"site":"default"}`), 415, "unsupported_media_type"},
		{"form content type", req("application/x-www-form-urlencoded", "a=b"), 415, "unsupported_media_type"},
		{"broken json", req("application/json", `{"site":`), 400, "bad_json"},
		{"wrong types", req("application/json", `{"site":1}`), 400, "bad_json"},
		{"trailing data", req("application/json", `{"site":"default"} {"x":1}`), 400, "bad_json"},
		{"too large", req("application/json", `{"body":"`+strings.Repeat("x", 200<<10)+`"}`), 413, "too_large"},
		{"invalid", e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "", "body": " "}), 422, "invalid"},
		{"unknown site", e.postJSON(nil, "/api/v1/comments", merge(good, "site", "nope")), 404, "unknown_site"},
		{"unknown page", e.postJSON(nil, "/api/v1/comments", merge(good, "page", "/nope")), 404, "unknown_page"},
		{"bad parent", e.postJSON(nil, "/api/v1/comments", merge(good, "parent_id", 12345)), 422, "bad_parent"},
		{"list without page", e.get(nil, "/api/v1/comments?site=default"), 400, "bad_request"},
		{"list bad sort", e.get(nil, "/api/v1/comments?site=default&page=/x&sort=best"), 400, "bad_sort"},
		{"list bad limit", e.get(nil, "/api/v1/comments?site=default&page=/x&limit=-1"), 400, "bad_limit"},
		{"list bad cursor", e.get(nil, "/api/v1/comments?site=default&page=/x&cursor=zzz"), 400, "bad_cursor"},
		{"list unknown site", e.get(nil, "/api/v1/comments?site=nope&page=/x"), 404, "unknown_site"},
		{"wrong method", e.do(nil, mustReq(http.MethodPut, e.srv.URL+"/api/v1/comments")), 405, "method_not_allowed"},
		{"no route", e.get(nil, "/api/v1/nothing"), 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, tt.resp, tt.status)
			var body struct{ Error, Code string }
			decode(t, tt.resp.Body, &body)
			if body.Code != tt.code || body.Error == "" {
				t.Fatalf("error body = %s, want code %q", tt.resp.Body, tt.code)
			}
		})
	}
	invalid := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "", "body": " "})
	wantContains(t, invalid.Body, `"fields":{`, `"author":"Please give your name."`, `"body":"Please write a comment."`)
}

func mustReq(method, url string) *http.Request {
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return r
}

func merge(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}

func TestAPIListPagesAndSorts(t *testing.T) {
	e := newEnv(t)
	var ids []uint
	for i := 0; i < 5; i++ {
		id, _ := e.comment(fmt.Sprint("A", i), fmt.Sprint("top ", i), 0)
		ids = append(ids, id)
	}
	e.approve(ids...)
	reply, _ := e.comment("R", "reply", ids[0])
	e.approve(reply)

	type page struct {
		Thread   struct{ Count int }
		Comments []struct {
			ID      uint
			Replies []struct{ ID uint }
		}
		NextCursor *string `json:"next_cursor"`
	}
	var seen []uint
	cursor := ""
	for round := 0; round < 5; round++ {
		var p page
		path := "/api/v1/comments?site=default&limit=2&page=" + welcomePage
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		decode(t, e.get(nil, path).Body, &p)
		if p.Thread.Count != 6 {
			t.Fatalf("count = %d, want 6", p.Thread.Count)
		}
		for _, c := range p.Comments {
			seen = append(seen, c.ID)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Fatalf("paged oldest order = %v, want %v", seen, ids)
	}
	var newest page
	decode(t, e.get(nil, "/api/v1/comments?site=default&sort=newest&page="+welcomePage).Body, &newest)
	if newest.Comments[0].ID != ids[4] || len(newest.Comments) != 5 || len(newest.Comments[4].Replies) != 1 {
		t.Fatalf("newest = %+v", newest.Comments)
	}
	for _, limit := range []string{"100000", "99999999999999999999"} {
		var clamped page
		decode(t, e.get(nil, "/api/v1/comments?site=default&limit="+limit+"&page="+welcomePage).Body, &clamped)
		if len(clamped.Comments) != 5 {
			t.Fatalf("limit %s: %d comments", limit, len(clamped.Comments))
		}
	}
	resp := e.get(nil, "/api/v1/comments?site=default&sort=newest&page="+welcomePage+"&cursor="+cursor)
	wantStatus(t, resp, http.StatusBadRequest)
}

func TestAPICounts(t *testing.T) {
	e := newEnv(t)
	a, _ := e.comment("A", "one", 0)
	b, _ := e.comment("B", "two", 0)
	e.comment("C", "held", 0)
	e.approve(a, b)
	resp := e.postJSON(nil, "/api/v1/counts", map[string]any{"site": "default", "pages": []string{welcomePage, "/unknown"}})
	wantStatus(t, resp, http.StatusOK)
	var out struct{ Counts map[string]int }
	decode(t, resp.Body, &out)
	if out.Counts[welcomePage] != 2 || out.Counts["/unknown"] != 0 || len(out.Counts) != 2 {
		t.Fatalf("counts = %v", out.Counts)
	}
	pages := make([]string, 201)
	wantStatus(t, e.postJSON(nil, "/api/v1/counts", map[string]any{"site": "default", "pages": pages}), http.StatusBadRequest)

	// The same body again after a change (bodies are remembered decoded,
	// answers are not), and bodies that are not a counts request.
	c, _ := e.comment("D", "three", 0)
	e.approve(c)
	raw := func(contentType, body string) response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/counts", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		return e.do(nil, req)
	}
	body := `{"site": "default", "pages": ["` + welcomePage + `", "/unknown"]}`
	for range 2 {
		resp := raw("application/json", body)
		wantStatus(t, resp, http.StatusOK)
		decode(t, resp.Body, &out)
		if out.Counts[welcomePage] != 3 || len(out.Counts) != 2 {
			t.Fatalf("counts after a third approval = %v", out.Counts)
		}
	}
	for _, bad := range []struct {
		contentType, body string
		status            int
	}{
		{"application/json", body + ` {}`, http.StatusBadRequest},
		{"application/json", `{"site": "default", "pages": "/a"}`, http.StatusBadRequest},
		{"application/json", ``, http.StatusBadRequest},
		{"text/plain", body, http.StatusUnsupportedMediaType},
		{"application/json", `{"site": "default", "pages": ["` + strings.Repeat("x", 2<<20) + `"]}`, http.StatusRequestEntityTooLarge},
	} {
		if resp := raw(bad.contentType, bad.body); resp.StatusCode != bad.status {
			t.Errorf("%s %.40q: status %d, want %d", bad.contentType, bad.body, resp.StatusCode, bad.status)
		}
	}
}

func TestCommentRateLimit(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.CommentRate = 2 })
	for i := 0; i < 2; i++ {
		e.comment("A", fmt.Sprint("ok ", i), 0)
	}
	resp := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "A", "body": "third"})
	wantStatus(t, resp, http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	wantContains(t, resp.Body, `"code":"rate_limited"`)
	form := e.postForm(nil, welcomePage+"/comments", map[string][]string{"author": {"Ann"}, "body": {"fourth by form"}})
	wantStatus(t, form, http.StatusTooManyRequests)
	wantContains(t, form.Body, "faster than this site allows", "fourth by form")
	counts, _ := e.store.QueueCounts(t.Context(), "")
	if counts[models.StatusPending] != 2 {
		t.Fatalf("stored %v, want 2 pending", counts)
	}
}
