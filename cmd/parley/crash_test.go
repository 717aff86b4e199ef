package main

// Crash safety: SIGKILL the server while comments are being written, start
// it again on the same file, and check that every comment that was
// answered 201 survived and the file is intact.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCrashDurability(t *testing.T) {
	t.Parallel()
	rounds := 3
	if testing.Short() {
		// Each round restarts the binary twice; one round still proves the point.
		rounds = 1
	}
	db := filepath.Join(t.TempDir(), "parley.db")
	var acked []string // every body that was answered 201, over all rounds
	for round := 0; round < rounds; round++ {
		s := startServer(t, db, "PARLEY_COMMENT_RATE=0")
		got, problems := writeUntilKilled(t, s, round)
		for _, p := range problems {
			t.Errorf("round %d: %s", round, p)
		}
		if len(got) == 0 {
			t.Fatalf("round %d: no comment was accepted before the kill; stderr:\n%s", round, s.Stderr())
		}
		t.Logf("round %d: %d comments answered 201 before SIGKILL", round, len(got))
		acked = append(acked, got...)

		// Restart on the same file: it comes up, takes writes, and stops cleanly.
		s = startServer(t, db, "PARLEY_COMMENT_RATE=0")
		after := fmt.Sprintf("crash r%d after restart", round)
		s.newJSONComment(t, "After", after, 0)
		acked = append(acked, after)
		s.Stop() // the server's last log lines are written when it exits
		if strings.Contains(s.Stderr(), "database is locked") {
			t.Errorf("round %d: the restarted server logged \"database is locked\"", round)
		}

		checkDurable(t, db, acked)
		if t.Failed() {
			return
		}
	}
}

// writeUntilKilled runs several writers against s and SIGKILLs the server
// once enough comments were accepted (or after a few seconds), with writes
// still in flight. It returns the bodies answered 201 and any answer that
// was neither 201 nor a dropped connection.
func writeUntilKilled(t *testing.T, s *server, round int) (acked, problems []string) {
	t.Helper()
	const writers, maxPerWriter = 8, 400
	killAfter := 60 + 40*round // accepted comments before the kill
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxPerWriter && ctx.Err() == nil; i++ {
				body := fmt.Sprintf("crash r%d w%d c%d", round, w, i)
				b, _ := json.Marshal(map[string]any{"site": "default", "page": welcomePage, "author": "Crash", "body": body})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.Base+"/api/v1/comments", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				resp, err := s.Client.Do(req)
				if err != nil {
					return // the server is gone (or going): stop this writer
				}
				out, readErr := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				switch {
				case resp.StatusCode == http.StatusCreated && readErr == nil:
					acked = append(acked, body)
					if len(acked) >= killAfter {
						once.Do(func() { close(enough) })
					}
				case resp.StatusCode != http.StatusCreated && len(problems) < 10:
					problems = append(problems, fmt.Sprintf("%s: status %d: %s", body, resp.StatusCode, out))
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(5 * time.Second):
	}
	s.Kill() // SIGKILL with writers still sending
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return acked, problems
}

// checkDurable opens the stopped server's file and wants every acked body
// in it and a clean integrity check.
func checkDurable(t *testing.T, path string, acked []string) {
	t.Helper()
	db := openDB(t, path)
	integrityCheck(t, db)
	rows, err := db.Query(`SELECT body FROM comments WHERE body LIKE 'crash r%'`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		stored[body]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	var missing []string
	for _, b := range acked {
		if stored[b] == 0 {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d comments answered 201 are gone after SIGKILL and restart, e.g. %q",
			len(missing), len(acked), missing[:min(5, len(missing))])
	}
	for b, n := range stored {
		if n > 1 {
			t.Errorf("comment %q is stored %d times", b, n)
		}
	}
	db.Close()
}
