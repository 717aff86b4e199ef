package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/models"
	"parley/models/store"
)

// testLog collects the kit's progress lines for the test log.
type testLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestSmoke runs the whole kit on a tiny database: seed, build and start
// Parley, every scenario but the million one for about a second with two
// clients, and the ceilings. It checks that each made requests without
// errors; timing is never asserted.
func TestSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	db := filepath.Join(dir, "smoke.db")
	log := &testLog{}
	defer func() { t.Log(log.String()) }()
	m, err := seed(ctx, seedConfig{DB: db, Threads: 3, Comments: 20, Pending: 2000, PendingThreads: 5,
		Bodies: 64, Batch: 1000, Seed: 7}, log)
	if err != nil {
		t.Fatal(err)
	}
	if m.TotalComments != 3*20+2000 || len(m.Posts) != 3 || len(m.Posts[0].ReplyTo) != 10 {
		t.Fatalf("manifest = %+v", m)
	}
	checkSeeded(t, db, m)

	var scenarios []string
	for _, s := range allScenarios {
		if s != scMillion {
			scenarios = append(scenarios, s)
		}
	}
	rep, err := runLoad(ctx, runConfig{DB: db, Scenarios: scenarios, ReadClients: 2, WriteClients: 2,
		Duration: time.Second, CeilingTime: 300 * time.Millisecond, MaxRequests: 1_000_000, StartupRuns: 1,
		ProcessCeiling: true, Email: "smoke@example.com", Password: "smoke test password"}, log)
	var out bytes.Buffer
	rep.print(&out, true)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Startup) != 1 || len(rep.Startup[0].Runs) != 1 || rep.Startup[0].Runs[0] <= 0 {
		t.Errorf("start-up = %+v", rep.Startup)
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.Scenario] = true
		if r.Unavailable != "" {
			if r.Scenario != scEmbed {
				t.Errorf("%s unavailable: %s", r.Scenario, r.Unavailable)
			}
			continue
		}
		if r.Requests == 0 || r.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors (%s), statuses %v", r.Scenario, r.Requests, r.Errors, r.ErrorSample, r.Statuses)
		}
		if !strings.HasPrefix(r.Scenario, "ceiling") && (r.PeakRSSKB == 0 || r.Ratio == 0) {
			t.Errorf("%s: peak RSS %d kB, ratio %.2f; want both measured", r.Scenario, r.PeakRSSKB, r.Ratio)
		}
		if r.Scenario == scThreadJSON && r.ProcessRatio == 0 {
			t.Errorf("%s: no ratio to the process ceiling", r.Scenario)
		}
	}
	for _, name := range append(scenarios, "ceiling-write", "ceiling-read ("+scThreadJSON+")", "ceiling-process ("+scThreadJSON+")") {
		if !seen[name] {
			t.Errorf("no result for %s", name)
		}
	}
}

// checkSeeded reads the seeded database back through the store: threads
// nest within the depth limit, counts are right, bodies carry the markdown
// features, and the queue holds the pending comments.
func checkSeeded(t *testing.T, db string, m manifest) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var html strings.Builder
	replies := 0
	for _, p := range m.Posts {
		th, err := st.Thread(ctx, models.DefaultSiteID, p.Page)
		if err != nil {
			t.Fatal(err)
		}
		flat, err := st.ThreadComments(ctx, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(flat) != 20 || th.Count != 20 {
			t.Errorf("%s: %d comments, count %d; want 20", p.Page, len(flat), th.Count)
		}
		for _, c := range flat {
			if c.Depth > 5 || (c.Depth > 0) != (c.ParentID != nil) {
				t.Errorf("comment %d: depth %d, parent %v", c.ID, c.Depth, c.ParentID)
			}
			if c.ParentID != nil {
				replies++
			}
			html.WriteString(c.HTML)
		}
	}
	if replies == 0 {
		t.Error("no replies in the seeded threads")
	}
	for _, want := range []string{"<p>", "<a href=", "<code>", "<em>"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("no %s in the seeded comments", want)
		}
	}
	counts, err := st.QueueCounts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if counts[models.StatusPending] != m.Pending {
		t.Errorf("pending = %d, want %d", counts[models.StatusPending], m.Pending)
	}
}

// A seeded file that a Parley once served by itself has that Parley's
// admin, not the kit's moderator: the queue scenario's login then says so
// instead of a bare 401.
func TestLoginExplainsAnotherModerator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := filepath.Join(t.TempDir(), "served.db")
	log := &testLog{}
	if _, err := seed(ctx, seedConfig{DB: db, Threads: 1, Comments: 2, Pending: 10, PendingThreads: 1,
		Bodies: 8, Batch: 100, Seed: 7}, log); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateModerator(ctx, &models.Moderator{Email: "admin@localhost", Name: "Admin", PasswordHash: "x", Role: models.RoleAdmin})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = runLoad(ctx, runConfig{DB: db, Scenarios: []string{scQueue}, ReadClients: 1, WriteClients: 1,
		Duration: 200 * time.Millisecond, CeilingTime: 100 * time.Millisecond, MaxRequests: 1000, StartupRuns: 1,
		Email: "load@example.com", Password: "load password"}, log)
	if err == nil || !strings.Contains(err.Error(), "status 401") || !strings.Contains(err.Error(), "seed it again") {
		t.Fatalf("run on a database with another moderator: %v", err)
	}
}
