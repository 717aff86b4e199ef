package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupWhileServingAndRestore runs the binary: "parley backup" while
// clients keep posting comments, "parley restore" refused while Parley
// runs, then done after it stopped; the restored database is sound, holds
// every comment acknowledged before the backup started, and serves again.
func TestBackupWhileServingAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	s := startServer(t, db, "PARLEY_COMMENT_RATE=0")

	var (
		mu    sync.Mutex
		acked []uint
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; i < 2000 && !stop.Load(); i++ {
				body, _ := json.Marshal(map[string]any{"site": "default", "page": welcomePage, "author": "Writer",
					"body": fmt.Sprintf("comment %d of writer %d", i, w)})
				resp, err := client.Post(s.Base+"/api/v1/comments", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Errorf("post: %v", err)
					return
				}
				var out createdResponse
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || err != nil {
					t.Errorf("post: status %d, %v", resp.StatusCode, err)
					return
				}
				mu.Lock()
				acked = append(acked, out.Comment.ID)
				mu.Unlock()
			}
		}(w)
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	for deadline := time.Now().Add(20 * time.Second); count() < 100 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]uint(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(dir, "backup.db")
	env := []string{"PARLEY_DB=" + db}
	out, errOut, code := runCLI(t, env, "backup", backup)
	during := count() - len(before)
	stop.Store(true)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "Backed up") {
		t.Fatalf("backup: exit %d: %s%s", code, out, errOut)
	}
	if len(before) < 100 {
		t.Fatalf("only %d comments before the backup", len(before))
	}
	t.Logf("%d comments acknowledged before the backup, %d more while it ran", len(before), during)

	if _, errOut, code := runCLI(t, env, "backup", backup); code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("backup over an existing file: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, env, "restore", backup); code == 0 || !strings.Contains(errOut, "stop Parley first") {
		t.Errorf("restore while serving: exit %d: %s", code, errOut)
	}
	s.Stop()
	if out, errOut, code := runCLI(t, env, "restore", backup); code != 0 || !strings.Contains(out, "Restored") {
		t.Fatalf("restore: exit %d: %s%s", code, out, errOut)
	}

	sqlDB := openDB(t, db)
	integrityCheck(t, sqlDB)
	have := map[uint]bool{}
	rows, err := sqlDB.Query("SELECT id FROM comments")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uint
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		have[id] = true
	}
	rows.Close()
	for _, id := range before {
		if !have[id] {
			t.Fatalf("comment %d, acknowledged before the backup started, is not in the restored database", id)
		}
	}
	sqlDB.Close()

	again := startServer(t, db)
	if r := again.get(t, nil, "/api/v1/comments?site=default&page="+welcomePage); r.StatusCode != http.StatusOK {
		t.Errorf("restored Parley: GET comments %d", r.StatusCode)
	}
	again.Stop()
}
