package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"parley/models"
)

// TestDumpCarriesEveryColumn keeps the export lossless as the models grow:
// every column of every exported table must be a field of its dump type,
// or be left out here with a reason.
func TestDumpCarriesEveryColumn(t *testing.T) {
	leftOut := map[string]string{
		"moderators.password_hash": "a dump travels further than the database; passwords are set again",
		"comments.edit_token_hash": "edit tokens are signed with this instance's keys and last minutes",
		"redirects.id":             "redirects are known by site and old path",
		"threads.version":          "a cache marker of this database; a restore starts its own",
		"comments.root_id":         "derived from parent_id; the import that restores a dump sets it again",
		"votes.id":                 "a vote rides in its comment's record and is known by comment and voter",
		"votes.comment_id":         "a vote rides in its comment's record",
		"flags.id":                 "a flag rides in its comment's record and is known by comment and reader",
		"flags.comment_id":         "a flag rides in its comment's record",
		"bans.id":                  "a ban is known by site, kind and value",
		"audit_entries.id":         "an entry is known by action, actor, time and comment",
	}
	pairs := []struct {
		model any
		dump  any
	}{
		{&models.Site{}, DumpSite{}}, {&models.Moderator{}, DumpModerator{}}, {&models.Post{}, DumpPost{}},
		{&models.Thread{}, DumpThread{}}, {&models.Comment{}, DumpComment{}}, {&models.Redirect{}, DumpRedirect{}},
		{&models.Vote{}, DumpVote{}}, {&models.Flag{}, DumpFlag{}}, {&models.Ban{}, DumpBan{}},
		{&models.Subscriber{}, DumpSubscriber{}}, {&models.AuditEntry{}, DumpAudit{}},
	}
	for _, p := range pairs {
		sch, err := schema.Parse(p.model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		carried := map[string]bool{}
		rt := reflect.TypeOf(p.dump)
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			carried[name] = true
		}
		var missing []string
		for _, f := range sch.Fields {
			if f.DBName == "" {
				continue
			}
			key := sch.Table + "." + f.DBName
			if !carried[f.DBName] && leftOut[key] == "" {
				missing = append(missing, key)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: columns the dump does not carry: %s — add them to %s (export.go, dumprecords.go, dumpextra.go) "+
				"or leave them out in this test with a reason", sch.Table, strings.Join(missing, ", "), rt.Name())
		}
	}
}

func TestPlanDepths(t *testing.T) {
	id := func(n uint) *uint { return &n }
	tests := []struct {
		name     string
		rows     []depthRow
		maxDepth int
		want     map[uint]depthRow // the rows that must change
	}{
		{"already right", []depthRow{{1, nil, 0}, {2, id(1), 1}}, 5, map[uint]depthRow{}},
		{"parent after child", []depthRow{{1, id(3), 0}, {2, nil, 0}, {3, id(2), 0}}, 5,
			map[uint]depthRow{1: {1, id(3), 2}, 3: {3, id(2), 1}}},
		{"two-cycle", []depthRow{{1, id(2), 0}, {2, id(1), 0}}, 5,
			map[uint]depthRow{1: {1, nil, 0}, 2: {2, id(1), 1}}},
		{"self parent", []depthRow{{1, id(1), 0}}, 5, map[uint]depthRow{1: {1, nil, 0}}},
		{"parent elsewhere", []depthRow{{1, id(99), 0}}, 5, map[uint]depthRow{1: {1, nil, 0}}},
		{"cycle under a root", []depthRow{{1, nil, 0}, {2, id(3), 0}, {3, id(2), 0}, {4, id(3), 0}}, 5,
			map[uint]depthRow{2: {2, nil, 0}, 3: {3, id(2), 1}, 4: {4, id(3), 2}}},
		{"too deep", []depthRow{{1, nil, 0}, {2, id(1), 0}, {3, id(2), 0}, {4, id(3), 0}}, 2,
			map[uint]depthRow{2: {2, id(1), 1}, 3: {3, id(2), 2}, 4: {4, id(2), 2}}},
		{"no cap", []depthRow{{1, nil, 0}, {2, id(1), 0}, {3, id(2), 0}}, 0,
			map[uint]depthRow{2: {2, id(1), 1}, 3: {3, id(2), 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := planDepths(tt.rows, tt.maxDepth)
			if len(got) != len(tt.want) {
				t.Fatalf("changes %v, want %v", show(got), tt.want)
			}
			for _, g := range got {
				w, ok := tt.want[g.ID]
				if !ok || w.Depth != g.Depth || !sameParent(w.ParentID, g.ParentID) {
					t.Errorf("change %v, want %v", show([]depthRow{g}), w)
				}
			}
		})
	}
}

func show(rows []depthRow) []string {
	var out []string
	for _, r := range rows {
		p := "nil"
		if r.ParentID != nil {
			p = fmt.Sprint(*r.ParentID)
		}
		out = append(out, fmt.Sprintf("{%d parent %s depth %d}", r.ID, p, r.Depth))
	}
	return out
}

// TestCommentPageReadsAsGORMDoes: the export scans comments itself, so a
// comment must come out of it as GORM's model reads it, whatever NULLs or
// odd values older versions and imports left in its columns.
func TestCommentPageReadsAsGORMDoes(t *testing.T) {
	ctx := context.Background()
	s := memoStore(t)
	thread := models.Thread{SiteID: "blog", Page: "/p", Title: "P"}
	if err := s.w.Create(&thread).Error; err != nil {
		t.Fatal(err)
	}
	edited := time.Date(2024, 3, 4, 5, 6, 7, 123456000, time.FixedZone("CET", 3600))
	full := models.Comment{ThreadID: thread.ID, Author: "Ann", Email: "ann@example.com", Website: "https://ann.example",
		Body: "<b>hi</b> & bye", HTML: "<p>hi</p>", Status: models.StatusFlagged, Score: 3, Upvotes: 4, Downvotes: 1,
		Pinned: true, NotifyReplies: true, IP: "203.0.113.7", UserAgent: "Mozilla/5.0", CommenterKey: "key-a",
		Reasons: []models.Reason{{Code: "links", Text: "Too many links", Detail: "3"}}, Source: "disqus", ExternalID: "42",
		CreatedAt: edited.Add(-time.Hour), UpdatedAt: edited, EditedAt: &edited}
	if err := s.w.Create(&full).Error; err != nil {
		t.Fatal(err)
	}
	reply := models.Comment{ThreadID: thread.ID, ParentID: &full.ID, Depth: 1, Author: "Bob", Body: "b", HTML: "b",
		Status: models.StatusApproved}
	if err := s.w.Create(&reply).Error; err != nil {
		t.Fatal(err)
	}
	// What GORM would never write but a database can hold.
	for _, set := range []string{
		"email = NULL, website = NULL, ip = NULL, user_agent = NULL, commenter_key = NULL, reasons = NULL",
		"reasons = '[]', created_at = NULL, updated_at = NULL",
		"reasons = 'null'",
	} {
		c := models.Comment{ThreadID: thread.ID, Author: "Odd", Body: set, HTML: "x", Status: models.StatusPending}
		if err := s.w.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.w.Exec("UPDATE comments SET "+set+" WHERE id = ?", c.ID).Error; err != nil {
			t.Fatal(err)
		}
	}

	var stored []models.Comment
	if err := s.r.WithContext(ctx).Order("id").Find(&stored).Error; err != nil {
		t.Fatal(err)
	}
	e := &dumpWriter{tx: s.r.WithContext(ctx)}
	page, err := e.commentPage(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != len(stored) {
		t.Fatalf("commentPage read %d comments, GORM %d", len(page), len(stored))
	}
	for i, c := range stored {
		want := DumpComment{ID: c.ID, ThreadID: c.ThreadID, ParentID: c.ParentID, Depth: c.Depth,
			Author: c.Author, Email: c.Email, Website: c.Website, Body: c.Body, HTML: c.HTML,
			Status: c.Status, Reasons: c.Reasons, Score: c.Score, IP: c.IP, UserAgent: c.UserAgent,
			Upvotes: c.Upvotes, Downvotes: c.Downvotes, Pinned: c.Pinned, NotifyReplies: c.NotifyReplies,
			CommenterKey: c.CommenterKey, Source: c.Source, ExternalID: c.ExternalID,
			CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), EditedAt: utcPtr(c.EditedAt)}
		got, _ := json.Marshal(page[i])
		wantJSON, _ := json.Marshal(want)
		if string(got) != string(wantJSON) {
			t.Errorf("comment %d (%s):\n got %s\nwant %s", c.ID, c.Body, got, wantJSON)
		}
	}
	if page[0].Reasons == nil || page[0].EditedAt == nil || page[1].ParentID == nil || *page[1].ParentID != full.ID {
		t.Errorf("the full comment lost fields: %+v, %+v", page[0], page[1])
	}

	after, err := e.commentPage(page[len(page)-1].ID)
	if err != nil || len(after) != 0 {
		t.Fatalf("the page after the last: %d comments, %v", len(after), err)
	}
}

// TestCommentPageReadsEveryDumpedColumn: a column added to DumpComment
// (as TestDumpCarriesEveryColumn asks) must also be read by commentPage,
// or it would go out empty in every dump.
func TestCommentPageReadsEveryDumpedColumn(t *testing.T) {
	read := map[string]bool{}
	for _, col := range strings.Split(dumpCommentColumns, ",") {
		read[strings.TrimSpace(col)] = true
	}
	rt := reflect.TypeOf(DumpComment{})
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == "votes" || name == "flags" {
			continue // read by reactions, from their own tables
		}
		if !read[name] {
			t.Errorf("DumpComment.%s (%s) is not among dumpCommentColumns; commentPage would leave it empty", rt.Field(i).Name, name)
		}
		delete(read, name)
	}
	for col := range read {
		t.Errorf("dumpCommentColumns reads %s, which DumpComment does not carry", col)
	}
}

// TestReactionsOfASiteKeepOnlyItsComments puts a big site's voted and
// flagged comment between two of a small site's, and checks the small
// site's dump reads the reactions of its own comments only.
func TestReactionsOfASiteKeepOnlyItsComments(t *testing.T) {
	ctx := context.Background()
	s := memoStore(t)
	if err := s.CreateSite(ctx, &models.Site{ID: "big", Name: "Big", Settings: models.DefaultSiteSettings()}); err != nil {
		t.Fatal(err)
	}
	var ids []uint
	for _, site := range []string{"blog", "big", "blog"} {
		th := models.Thread{SiteID: site, Page: "/p" + fmt.Sprint(len(ids)), Title: "P"}
		if err := s.w.Create(&th).Error; err != nil {
			t.Fatal(err)
		}
		c := models.Comment{ThreadID: th.ID, Author: "A", Body: "b", HTML: "b", Status: models.StatusApproved}
		if err := s.w.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range []any{&models.Vote{CommentID: c.ID, Voter: "v", Value: 1},
			&models.Flag{CommentID: c.ID, Reader: "r", Reason: "spam"}} {
			if err := s.w.Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, c.ID)
	}
	for site, want := range map[string][]uint{"blog": {ids[0], ids[2]}, "": ids} {
		e := &dumpWriter{tx: s.r.WithContext(ctx), site: site}
		votes, flags, err := e.reactions(ids[0], ids[2])
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string][]uint{"votes": keysOf(votes), "flags": keysOf(flags)} {
			if !reflect.DeepEqual(got, want) {
				t.Errorf("site %q: %s of comments %v, want %v", site, name, got, want)
			}
		}
	}
}

func keysOf[V any](m map[uint]V) []uint {
	out := make([]uint, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
