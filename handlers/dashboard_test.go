package handlers_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
)

func TestDashboardShowsQueueChartOutboxStorageAndBackup(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		_, status := e.comment("Ann", "One for the chart.", 0)
		e.comment("Bob", "Two for the chart.", 0)

		resp := e.get(e.admin(), "/admin/dashboard")
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, resp.Body,
			`<a href="/admin/dashboard">Dashboard</a>`,
			`<a href="/admin/queue?status=`+status+`">`,
			`Last 14 days (UTC), every status: 2 in all.`,
			`role="img" aria-label="Comments per day from `,
			`2 in all, at most 2 on one day.`,
			`<summary>Daily numbers</summary>`,
			`<dt>Waiting</dt><dd>0</dd>`,
			`Mail is off`,
			`No delivery errors.`,
			`No scheduled backups (set PARLEY_BACKUP_DIR).`,
		)
		if n := strings.Count(resp.Body, `<rect class="bar"`); n != 14 {
			t.Errorf("%d bars, want 14", n)
		}
		today := time.Now().UTC().Format("Mon 2 Jan")
		wantContains(t, resp.Body, "<title>"+today+": 2</title>", `height="100"><title>`+today)
		wantNotContains(t, resp.Body, "<script>")
		if e.store.Kind() == "PostgreSQL" {
			wantContains(t, resp.Body, "<dd>PostgreSQL, ")
		} else {
			wantContains(t, resp.Body, "<dd>SQLite, ")
		}
	})
}

func TestDashboardIsForAdminsOnly(t *testing.T) {
	e := newEnv(t)
	resp := e.get(nil, "/admin/dashboard")
	wantStatus(t, resp, http.StatusSeeOther)
	addModerator(t, e.store, "mod@example.com", "another long password", models.RoleModerator)
	mod := e.loginAs("mod@example.com", "another long password")
	wantStatus(t, e.get(mod, "/admin/dashboard"), http.StatusForbidden)
	wantNotContains(t, e.get(mod, "/admin/queue").Body, `href="/admin/dashboard"`)
	// /admin still lands on the queue, as the login contract says.
	resp = e.get(e.admin(), "/admin")
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/admin/queue" {
		t.Errorf("/admin redirects to %q, want /admin/queue", loc)
	}
}

func TestDashboardLastBackup(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(c *handlers.Config) { c.BackupDir = dir })
	admin := e.admin()
	wantContains(t, e.get(admin, "/admin/dashboard").Body, "None yet in <span class=\"mono\">"+dir+"</span>.")

	old := filepath.Join(dir, "parley-2026-01-01T00-00-00.000Z.db")
	newer := filepath.Join(dir, "parley-2026-01-02T00-00-00.000Z.db")
	for i, p := range []string{old, newer, filepath.Join(dir, ".parley-x.db.123.tmp")} {
		if err := os.WriteFile(p, make([]byte, 2048), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	body := e.get(admin, "/admin/dashboard").Body
	wantContains(t, body, `<span class="mono">parley-2026-01-02T00-00-00.000Z.db</span>, 2.0 KiB`, `datetime="2026-01-02T00:00:00Z"`)
	wantNotContains(t, body, ".tmp", "parley-2026-01-01")
}
