package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"parley/models"
)

// Scenario names, in the order a run takes them.
const (
	scThreadJSON  = "thread-json"
	scPostHTML    = "post-html"
	scEmbed       = "embed"
	scCounts      = "counts"
	scQueue       = "queue"
	scPostComment = "post-comment"
	scMillion     = "million"
)

// allScenarios is every scenario name that -scenarios accepts.
var allScenarios = []string{scThreadJSON, scPostHTML, scEmbed, scCounts, scQueue, scPostComment, scMillion}

// countsPages is how many pages a counts request asks for.
const countsPages = 50

// scenario is one kind of request a run repeats.
type scenario struct {
	name   string
	method string
	path   string // with the query string
	body   func(worker, i int) []byte
	header http.Header
	want   int  // the status that counts as success
	write  bool // driven by the write clients and compared with the write ceiling
	// optional scenarios whose route answers 404 are reported as
	// unavailable instead of failing the run.
	optional bool
}

// request returns the scenario's request builder against base.
func (sc *scenario) request(base string) requestFunc {
	return func(worker, i int) (*http.Request, error) {
		var body io.Reader
		if sc.body != nil {
			body = bytes.NewReader(sc.body(worker, i))
		}
		req, err := http.NewRequest(sc.method, base+sc.path, body)
		if err != nil {
			return nil, err
		}
		for k, v := range sc.header {
			req.Header[k] = v
		}
		return req, nil
	}
}

// captured is a response as the probe saw it, for the read ceiling.
type captured struct {
	status int
	header http.Header
	body   []byte
}

// probe sends the scenario's request once and returns the answer.
func probe(ctx context.Context, base string, sc *scenario) (captured, error) {
	req, err := sc.request(base)(0, -1)
	if err != nil {
		return captured{}, err
	}
	client := newHTTPClient(1)
	defer client.CloseIdleConnections()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return captured{}, fmt.Errorf("%s: %w", sc.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return captured{}, fmt.Errorf("%s: read body: %w", sc.name, err)
	}
	return captured{status: resp.StatusCode, header: resp.Header.Clone(), body: b}, nil
}

// scenarioSet builds the scenarios for a seeded database.
type scenarioSet struct {
	m        manifest
	gzip     bool
	cookie   string // the moderator's session, for the queue
	writeGen []*textGen
	// targets are the posts new comments go to: those with comments to
	// reply to.
	targets []manifestPost
	runID   string
}

func newScenarioSet(m manifest, gzip bool, writeClients int) *scenarioSet {
	s := &scenarioSet{m: m, gzip: gzip, runID: fmt.Sprintf("%x", time.Now().UnixNano()),
		targets: m.Posts[:min(len(m.Posts), replyTargetPosts)]}
	for w := 0; w < writeClients; w++ {
		s.writeGen = append(s.writeGen, newTextGen(uint64(time.Now().UnixNano())+uint64(w)))
	}
	return s
}

func (s *scenarioSet) headers(extra ...string) http.Header {
	h := http.Header{"User-Agent": {"parley-load"}}
	if s.gzip {
		h.Set("Accept-Encoding", "gzip")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

// get returns the scenario for a read-only name; prefix names it on
// another database ("million-").
func (s *scenarioSet) get(name, prefix string) *scenario {
	post := s.m.Posts[0]
	sc := &scenario{name: prefix + name, method: http.MethodGet, header: s.headers(), want: http.StatusOK}
	switch name {
	case scThreadJSON:
		sc.path = "/api/v1/comments?" + url.Values{"site": {models.DefaultSiteID}, "page": {post.Page}, "limit": {"100"}}.Encode()
	case scPostHTML:
		sc.path = post.Page
	case scEmbed:
		// As embed.js asks from a page of an allowed origin.
		sc.path = "/embed?" + url.Values{"site": {models.DefaultSiteID}, "page": {post.Page},
			"url": {embedOrigin + post.Page}}.Encode()
		sc.header.Set("Referer", embedOrigin+"/")
		sc.optional = true
	case scCounts:
		body, _ := json.Marshal(map[string]any{"site": models.DefaultSiteID, "pages": s.countPages()})
		sc.method, sc.path = http.MethodPost, "/api/v1/counts"
		sc.body = func(int, int) []byte { return body }
		sc.header.Set("Content-Type", "application/json")
	case scQueue:
		sc.path = "/admin/queue"
		sc.header.Set("Cookie", s.cookie)
	case scPostComment:
		sc.method, sc.path, sc.want, sc.write = http.MethodPost, "/api/v1/comments", http.StatusCreated, true
		sc.body = s.newComment
		sc.header.Set("Content-Type", "application/json")
	default:
		return nil
	}
	return sc
}

// countPages is up to 50 pages with threads: the posts, then the archive.
func (s *scenarioSet) countPages() []string {
	var pages []string
	for _, p := range s.m.Posts {
		pages = append(pages, p.Page)
	}
	pages = append(pages, s.m.PendingPages...)
	return pages[:min(len(pages), countsPages)]
}

// newComment is the JSON of a new comment with a unique body: a third of
// them are replies to a seeded comment.
func (s *scenarioSet) newComment(worker, i int) []byte {
	gen := s.writeGen[worker%len(s.writeGen)]
	post := s.targets[gen.rng.IntN(len(s.targets))]
	req := map[string]any{"site": models.DefaultSiteID, "page": post.Page, "author": gen.name()}
	reply := len(post.ReplyTo) > 0 && gen.rng.IntN(3) == 0
	if reply {
		req["parent_id"] = post.ReplyTo[gen.rng.IntN(len(post.ReplyTo))]
	}
	if gen.rng.IntN(2) == 0 {
		req["email"] = fmt.Sprintf("writer%d@example.com", gen.rng.IntN(1_000_000))
	}
	req["body"] = fmt.Sprintf("Load test comment %s-%d-%d.\n\n%s", s.runID, worker, i, gen.comment(reply))
	b, _ := json.Marshal(req)
	return b
}

// login signs the moderator in and keeps the session cookie for the queue.
func (s *scenarioSet) login(ctx context.Context, base, email, password string) error {
	form := url.Values{"email": {email}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/login", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := newHTTPClient(1)
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusSeeOther:
	case http.StatusUnauthorized:
		// Parley makes the kit's moderator only on a database without
		// moderators: a seeded file that a Parley once served by itself
		// has that Parley's admin instead.
		return fmt.Errorf("log in as %s: status 401 (want 303): the seeded database already had another moderator, "+
			"or a different password (-admin-password); seed it again and do not serve it directly", email)
	default:
		return fmt.Errorf("log in as %s: status %d (want 303)", email, resp.StatusCode)
	}
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		return fmt.Errorf("log in as %s: no session cookie", email)
	}
	s.cookie = strings.Join(parts, "; ")
	return nil
}
