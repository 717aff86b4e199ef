package main

// Many concurrent writers against one SQLite file: every comment is
// accepted, none is lost, and SQLite never reports "database is locked".

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	const writers, perWriter = 32, 25
	db := filepath.Join(t.TempDir(), "parley.db")
	s := startServer(t, db, "PARLEY_COMMENT_RATE=0")

	var created, failed atomic.Int64
	var mu sync.Mutex
	var problems []string
	report := func(msg string) {
		failed.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 10 {
			problems = append(problems, msg)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				body, _ := json.Marshal(map[string]any{
					"site": "default", "page": welcomePage, "author": fmt.Sprintf("Writer %d", w),
					"email": fmt.Sprintf("w%d@example.com", w), "body": fmt.Sprintf("load w%d c%d", w, i),
				})
				resp, err := s.Client.Post(s.Base+"/api/v1/comments", "application/json", bytes.NewReader(body))
				if err != nil {
					report(fmt.Sprintf("writer %d comment %d: %v", w, i, err))
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					report(fmt.Sprintf("writer %d comment %d: status %d: %s", w, i, resp.StatusCode, b))
					continue
				}
				created.Add(1)
			}
		}()
	}
	wg.Wait()

	if n := created.Load(); n != writers*perWriter {
		t.Errorf("%d of %d comments answered 201; %d failed, first problems:\n%s",
			n, writers*perWriter, failed.Load(), strings.Join(problems, "\n"))
	}
	// Every comment is stored: the moderator sees them all pending …
	a := s.login(t)
	if n := s.pendingCount(t, a); n != writers*perWriter {
		t.Errorf("the pending queue counts %d comments, want %d", n, writers*perWriter)
	}
	// … and after a clean stop the file holds them, each exactly once.
	s.Stop()
	// After the stop: the server writes its log lines in batches, the
	// last ones when it exits.
	if strings.Contains(s.Stderr(), "database is locked") {
		t.Errorf("the server logged \"database is locked\":\n%s", grepLines(s.Stderr(), "database is locked", 5))
	}
	if strings.Contains(s.Stderr(), "status=5") {
		t.Errorf("the server answered 5xx:\n%s", grepLines(s.Stderr(), "status=5", 5))
	}
	sqlDB := openDB(t, db)
	var rows, distinct int
	err := sqlDB.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT body) FROM comments WHERE body LIKE 'load w%'`).Scan(&rows, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if rows != writers*perWriter || distinct != writers*perWriter {
		t.Errorf("the database holds %d load comments (%d distinct), want %d", rows, distinct, writers*perWriter)
	}
	integrityCheck(t, sqlDB)
}

// grepLines returns up to max lines of text that contain sub.
func grepLines(text, sub string, max int) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, sub) && len(out) < max {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
