package handlers_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers"
	"parley/handlers/browsertest"
	"parley/models"
)

// TestDashboardInTheBrowser renders the dashboard with a fortnight of
// comments, a failed email and a backup, light and dark, wide and narrow,
// and checks that the chart paints and nothing overflows the window.
func TestDashboardInTheBrowser(t *testing.T) {
	browser := browsertest.New(t)
	dir := t.TempDir()
	e := newEnv(t, func(c *handlers.Config) { c.BackupDir = dir })
	ctx := context.Background()
	post, err := e.store.PostBySlug(ctx, models.DefaultSiteID, welcomeSlug)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for day := 0; day < 14; day++ {
		for i := 0; i < (day*7)%11; i++ {
			status := []models.Status{models.StatusApproved, models.StatusPending, models.StatusSpam}[i%3]
			c := models.Comment{ThreadID: post.ThreadID, Author: "R", Body: "b", HTML: "<p>b</p>", Status: status, CreatedAt: now.AddDate(0, 0, -day)}
			if err := e.store.CreateComment(ctx, &c, 5); err != nil {
				t.Fatal(err)
			}
		}
	}
	msg := &models.OutboxMessage{Recipient: "mod@example.com", Subject: "s", Body: "b", MessageID: "<m@x>"}
	if err := e.store.EnqueueMail(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkMailFailed(ctx, msg.ID, "dial tcp 127.0.0.1:25: connect: connection refused", nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "parley-2026-11-27T03-00-00.000Z.db"), make([]byte, 150<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	tab := browsertest.Tab(t, browser)
	signIn(t, tab, e)
	for _, v := range []struct {
		scheme string
		width  int64
	}{{"light", 1280}, {"dark", 1280}, {"light", 375}, {"dark", 375}} {
		if err := browsertest.ColorScheme(tab, v.scheme); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.Viewport(tab, v.width, 900, v.width < 500); err != nil {
			t.Fatal(err)
		}
		step(t, tab, "open the dashboard", chromedp.Navigate(e.srv.URL+"/admin/dashboard"), chromedp.WaitVisible(chromedp.CSS("svg.bars")))
		if got := evalString(t, tab, `String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
			t.Errorf("%s %d: the page is wider than the window", v.scheme, v.width)
		}
		if got := evalString(t, tab, `String([...document.querySelectorAll("svg.bars rect.bar")].filter(r => r.getBoundingClientRect().height > 0).length)`); got != "12" {
			t.Errorf("%s %d: %s bars painted, want 12 (the days with comments)", v.scheme, v.width, got)
		}
		if got := evalString(t, tab, `getComputedStyle(document.querySelector("rect.bar")).fill`); got == "rgb(0, 0, 0)" || got == "" {
			t.Errorf("%s %d: bars filled %q, want the accent colour", v.scheme, v.width, got)
		}
		browsertest.Screenshot(t, tab, "dashboard-"+v.scheme+"-"+map[bool]string{true: "375", false: "1280"}[v.width < 500])
	}
}
