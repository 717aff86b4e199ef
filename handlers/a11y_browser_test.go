package handlers_test

// Accessibility checks in a real browser: axe-core (from npm, path in
// PARLEY_TEST_AXE) runs on the reader and moderator pages in light and dark
// and fails on every serious or critical WCAG 2.2 AA violation.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
	"parley/models/moderation"
)

// axeSource reads axe.min.js from PARLEY_TEST_AXE. Without it the test
// skips, or fails under PARLEY_CI_STRICT=1 (CI installs axe-core).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PARLEY_TEST_AXE")
	if path == "" {
		if os.Getenv("PARLEY_CI_STRICT") == "1" {
			t.Fatal("PARLEY_TEST_AXE is not set, and PARLEY_CI_STRICT=1 forbids skipping the accessibility test")
		}
		t.Skip("accessibility test skipped: set PARLEY_TEST_AXE to axe-core's axe.min.js (npm install axe-core)")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("PARLEY_TEST_AXE: %v", err)
	}
	return string(src)
}

// axeViolation is one rule that failed, with the elements it failed on.
type axeViolation struct {
	ID      string     `json:"id"`
	Impact  string     `json:"impact"`
	Help    string     `json:"help"`
	Targets [][]string `json:"targets"`
	Summary []string   `json:"summary"`
}

// axeRun is axe.run limited to WCAG 2.x A and AA rules, answering the
// serious and critical violations.
const axeRun = `axe.run(document, {
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
  resultTypes: ["violations"]
}).then(r => JSON.stringify(r.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.map(String)),
    summary: v.nodes.map(n => n.failureSummary || "")}))))`

// checkAxe injects axe into the tab's current page, runs it and reports
// each serious or critical violation as a test error.
func checkAxe(t *testing.T, ctx context.Context, axe, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[bool](axe+"\n;typeof axe === 'object'")); err != nil {
		t.Fatalf("%s: inject axe: %v", name, err)
	}
	raw, err := chromedp.Run(sctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", name, err)
	}
	var found []axeViolation
	if err := json.Unmarshal([]byte(raw), &found); err != nil {
		t.Fatalf("%s: axe result %q: %v", name, raw, err)
	}
	for _, v := range found {
		var where []string
		for i, target := range v.Targets {
			line := strings.Join(target, " ")
			if i < len(v.Summary) && v.Summary[i] != "" {
				line += " — " + strings.ReplaceAll(strings.TrimSpace(v.Summary[i]), "\n", " ")
			}
			where = append(where, line)
		}
		t.Errorf("%s: %s (%s): %s\n    %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n    "))
	}
	browsertest.Screenshot(t, ctx, "a11y-"+name)
}

// waitTrue polls a JavaScript condition on the tab's page.
func waitTrue(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Poll[bool](expr)); err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// TestA11yAxeReaderAndModeratorPages runs axe on the post page (comments,
// replies, the reader's held comment, the form with errors and with a
// preview), the embed, the login page, the queue and the import and export
// page, in light and dark.
func TestA11yAxeReaderAndModeratorPages(t *testing.T) {
	axe := axeSource(t)
	browser := browsertest.New(t)
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)

	// A thread with replies on the blog, and one on the embedding site.
	first, _ := e.comment("Ann", "A first comment with **bold** text, `code` and a [link](https://example.com).", 0)
	e.approve(first)
	reply, _ := e.comment("Bob", "> quoted\n\nA reply to Ann.", first)
	second, _ := e.comment("Cleo", "Another top-level comment.", 0)
	e.approve(reply, second)
	page := "/2024/05/a11y.html"
	for _, body := range []string{"First on the embed.", "Second on the embed."} {
		resp := e.postEmbed(embedURL(page), url.Values{"author": {"Dana"}, "body": {body}})
		wantStatus(t, resp, 303)
	}

	// The reader's own held comment, shown with its notice.
	held := e.postForm(e.client(), welcomePage+"/comments", url.Values{"author": {"Eve"}, "body": {"Held for a moderator."}})
	wantStatus(t, held, 303)
	heldURL := strings.SplitN(held.Header.Get("Location"), "#", 2)[0]

	// Items in the queue, with reasons.
	for i := 0; i < 3; i++ {
		e.heldComment("default", welcomePage, fmt.Sprintf("Queued %d", i+1), "", "Please look at this.",
			moderation.CodeFirstTime, moderation.CodeLinks)
	}

	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			ctx := browsertest.Tab(t, browser)
			if err := browsertest.ColorScheme(ctx, scheme); err != nil {
				t.Fatal(err)
			}
			visit := func(what, path string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				all := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(e.srv.URL + path),
					chromedp.WaitReady(chromedp.CSS("body"))}, actions...)
				step(t, ctx, what, all...)
			}

			visit("post", heldURL, chromedp.Evaluate[chromedp.Void](
				`document.querySelector(".format-help").open = true; document.querySelector("a.flag").click()`))
			if got := evalString(t, ctx, `document.activeElement.id + " " + document.querySelector(".comment > form.flag-form").action`); !strings.HasPrefix(got, "flag-reason http") {
				t.Fatalf("the flag link opened no form under its comment, or left focus elsewhere: %q", got)
			}
			checkAxe(t, ctx, axe, "post-"+scheme)

			// The flag form without script, above the comment form.
			visit("post with the flag form", fmt.Sprintf("%s?flag=%d#flag-form", welcomePage, second))
			checkAxe(t, ctx, axe, "flag-"+scheme)

			// Errors on every field, sent past the browser's own checks.
			visit("post with errors", welcomePage, chromedp.Evaluate[chromedp.Void](`(() => {
				const f = document.getElementById("comment-form");
				f.noValidate = true;
				f.author.value = ""; f.email.value = "not an email"; f.website.value = "ftp://x"; f.body.value = "";
				f.querySelector("button[type=submit]:not([name])").click();
			})()`), chromedp.WaitVisible(chromedp.ID("body-error")))
			checkAxe(t, ctx, axe, "post-errors-"+scheme)
			// Every field marked invalid names its message, which exists.
			if got := evalString(t, ctx, `(() => {
				const bad = Array.from(document.querySelectorAll("#comment-form [aria-invalid=true]"));
				const tied = bad.filter(f => (f.getAttribute("aria-describedby") || "").split(" ").some(id => {
					const m = document.getElementById(id);
					return m && m.classList.contains("field-error") && m.textContent.trim() !== "";
				}));
				return tied.length + "/" + bad.length;
			})()`); got != "4/4" {
				t.Errorf("fields with errors tied to their message: %s, want 4/4", got)
			}
			// The page comes back at the form, with a summary that is announced.
			if got := evalString(t, ctx, `location.hash + " " + document.querySelector("#comment-form [role=alert]").textContent`); got != "#comment-form Please check the marked fields below." {
				t.Errorf("after sending a form with mistakes: %q", got)
			}

			// Keyboard focus shows a ring: the skip link first, then a reply link.
			visit("keyboard", welcomePage)
			step(t, ctx, "tab", chromedp.KeyEvent("\t"))
			if got := evalString(t, ctx, `document.activeElement.className + " " + getComputedStyle(document.activeElement).outlineStyle`); got != "skip solid" {
				t.Errorf("first Tab: focused %q, want the skip link with a solid outline", got)
			}
			for i := 0; i < 40 && evalString(t, ctx, `String(document.activeElement.matches("a.reply"))`) != "true"; i++ {
				step(t, ctx, "tab", chromedp.KeyEvent("\t"))
			}
			if got := evalString(t, ctx, `(() => { const a = document.activeElement, s = getComputedStyle(a);
				return a.textContent + " | " + s.outlineStyle + " " + (parseFloat(s.outlineWidth) >= 2); })()`); got != "Reply to Ann | solid true" {
				t.Errorf("the first reply link by keyboard: %q, want it named for Ann with a 2px+ solid ring", got)
			}

			visit("post with preview", welcomePage,
				chromedp.SetValue(chromedp.ID("body"), "Some _preview_ text with `code`."),
				chromedp.Click(chromedp.CSS("button[name=preview]")),
				chromedp.WaitVisible(chromedp.CSS("#comment-preview em")))
			waitTrue(t, ctx, `document.getElementById("preview-status").textContent !== ""`)
			checkAxe(t, ctx, axe, "post-preview-"+scheme)
			if got := evalString(t, ctx, `location.pathname + " " + document.getElementById("preview-status").getAttribute("aria-live") + " " + document.getElementById("preview-status").textContent`); got != welcomePage+" polite Preview updated above the comment field." {
				t.Errorf("after Preview: %q; want the page kept and the preview announced politely", got)
			}

			visit("embed", embedURL(page, "theme", scheme), chromedp.WaitVisible(chromedp.CSS(".comment")))
			checkAxe(t, ctx, axe, "embed-"+scheme)

			visit("login", "/admin/login")
			checkAxe(t, ctx, axe, "login-"+scheme)

			signIn(t, ctx, e)
			checkAxe(t, ctx, axe, "queue-"+scheme)

			visit("import and export", "/admin/import")
			checkAxe(t, ctx, axe, "import-"+scheme)
		})
	}
}
