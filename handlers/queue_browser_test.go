package handlers_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"parley/handlers"
	"parley/handlers/browsertest"
	"parley/models"
	"parley/models/store"
)

// queueBrowser starts the Chromium named by PARLEY_TEST_CHROMIUM, headless,
// with a fresh profile, and returns a tab's context. Without the variable
// the test is skipped, or fails under PARLEY_CI_STRICT=1.
func queueBrowser(t *testing.T) context.Context {
	t.Helper()
	exec := os.Getenv("PARLEY_TEST_CHROMIUM")
	if exec == "" {
		if os.Getenv("PARLEY_CI_STRICT") == "1" {
			t.Fatal("PARLEY_TEST_CHROMIUM is not set, and PARLEY_CI_STRICT=1 forbids skipping the browser test")
		}
		t.Skip("browser test skipped: set PARLEY_TEST_CHROMIUM=/usr/bin/chromium to run it")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exec), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, bound to ctx
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// step runs browser actions with a bound on how long they may take.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// press types one key on the page and waits until the live region says
// want (and so the action's request has come back).
func press(t *testing.T, ctx context.Context, key, want string) {
	t.Helper()
	wait := fmt.Sprintf(`document.getElementById("queue-status").textContent.trim() === %q`, want)
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("press %q: %v", key, err)
	}
	if _, err := chromedp.Run(sctx, chromedp.Poll[bool](wait, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("queue-status").textContent`))
		t.Fatalf("after %q the live region says %q, want %q", key, got, want)
	}
}

// signIn signs in as the admin in the browser, lands on the queue, and
// marks the page so a later reload would show.
func signIn(t *testing.T, ctx context.Context, e *env) {
	t.Helper()
	step(t, ctx, "sign in",
		chromedp.Navigate(e.srv.URL+"/admin/login"),
		chromedp.SendKeys(chromedp.ID("email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("[data-key-hints]")),
		chromedp.Evaluate[chromedp.Void](`window.parleyNoReload = true`),
	)
}

// focused returns the id of the element that has focus.
func focused(t *testing.T, ctx context.Context) string {
	t.Helper()
	return evalString(t, ctx, `document.activeElement ? document.activeElement.id : ""`)
}

// TestQueueClearedWithTheKeyboard seeds 20 pending comments, signs in, and
// clears the queue with keys alone: j/k move, a/r/s act, x selects, u
// undoes, ? shows the keys. It checks focus, the live region, the tab
// counts, that the page never reloaded, and the statuses in the store.
func TestQueueClearedWithTheKeyboard(t *testing.T) {
	ctx := queueBrowser(t)
	e := newEnv(t)
	const n = 20
	ids := make([]uint, n) // ids[0] is the newest: the queue's first item
	for i := 0; i < n; i++ {
		ids[n-1-i] = e.heldComment("default", welcomePage, fmt.Sprintf("Reader %02d", i+1), "", fmt.Sprintf("Comment %02d", i+1))
	}
	reader := func(i int) string { return fmt.Sprintf("Reader %02d", n-i) }
	item := func(i int) string { return "q-" + strconv.FormatUint(uint64(ids[i]), 10) }

	signIn(t, ctx, e)
	browsertest.Screenshot(t, ctx, "queue-keyboard-start")
	if got := evalString(t, ctx, `Array.from(document.querySelectorAll(".queue-item")).filter(it =>
		it.tabIndex === -1 || it.tabIndex === 0).filter(it => it.getAttribute("aria-labelledby") === it.id + "-who" &&
		document.getElementById(it.id + "-who") && document.getElementById(it.id + "-text")).length + ""`); got != strconv.Itoa(n) {
		t.Fatalf("%s of %d comments are focusable and named by their author line", got, n)
	}

	step(t, ctx, "j", chromedp.KeyEvent("j"))
	if got := focused(t, ctx); got != item(0) {
		t.Fatalf("j focused %q, want %q", got, item(0))
	}
	step(t, ctx, "j j k", chromedp.KeyEvent("jjk"))
	if got := focused(t, ctx); got != item(1) {
		t.Fatalf("j j k focused %q, want %q", got, item(1))
	}
	if ring := evalString(t, ctx, `getComputedStyle(document.activeElement).outlineStyle`); ring != "solid" {
		t.Errorf("the focused comment has no visible focus ring (outline %q)", ring)
	}

	// ? opens the list of keys without trapping focus; Esc closes it and
	// returns focus to the comment.
	step(t, ctx, "?", chromedp.KeyEvent("?"), chromedp.WaitVisible(chromedp.ID("key-help")))
	if modal := evalString(t, ctx, `String(document.getElementById("key-help").matches(":modal"))`); modal != "false" {
		t.Errorf("the help dialog is modal")
	}
	step(t, ctx, "Esc", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("key-help")))
	if got := focused(t, ctx); got != item(1) {
		t.Fatalf("after Esc focus is on %q, want %q", got, item(1))
	}

	want := map[uint]models.Status{}
	step(t, ctx, "k", chromedp.KeyEvent("k"))
	if got := focused(t, ctx); got != item(0) {
		t.Fatalf("k focused %q, want %q", got, item(0))
	}
	press(t, ctx, "a", fmt.Sprintf("Approved comment by %s. 19 left.", reader(0)))
	want[ids[0]] = models.StatusApproved
	if got := focused(t, ctx); got != item(1) {
		t.Fatalf("after approve focus is on %q, want the next comment %q", got, item(1))
	}
	press(t, ctx, "r", fmt.Sprintf("Removed comment by %s. 18 left.", reader(1)))
	want[ids[1]] = models.StatusRemoved
	press(t, ctx, "s", fmt.Sprintf("Marked comment by %s as spam. 17 left.", reader(2)))
	if got := focused(t, ctx); got != item(3) {
		t.Fatalf("after spam focus is on %q, want %q", got, item(3))
	}
	press(t, ctx, "u", fmt.Sprintf("Undone: comment by %s is pending again. 18 left.", reader(2)))
	if got := focused(t, ctx); got != item(2) {
		t.Fatalf("after undo focus is on %q, want the restored comment %q", got, item(2))
	}
	press(t, ctx, "a", fmt.Sprintf("Approved comment by %s. 17 left.", reader(2)))
	want[ids[2]] = models.StatusApproved

	// Keys typed into a field are text, not commands.
	step(t, ctx, "type a note", chromedp.Focus(chromedp.ID("note")), chromedp.KeyEvent("as"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("note").value = ""`))
	if got := evalString(t, ctx, `document.getElementById("queue-status").textContent.trim()`); got != fmt.Sprintf("Approved comment by %s. 17 left.", reader(2)) {
		t.Fatalf("typing in the note field acted on the queue: %q", got)
	}

	// Esc leaves the field for the current comment.
	step(t, ctx, "Esc in the note", chromedp.KeyEvent(kb.Escape))
	if got := focused(t, ctx); got != item(3) {
		t.Fatalf("Esc in the note field focused %q, want %q", got, item(3))
	}

	// Select two with x, file both as spam, undo both, then approve both.
	press(t, ctx, "x", fmt.Sprintf("Selected comment by %s. 1 selected.", reader(3)))
	step(t, ctx, "j", chromedp.KeyEvent("j"))
	press(t, ctx, "x", fmt.Sprintf("Selected comment by %s. 2 selected.", reader(4)))
	press(t, ctx, "s", "Marked 2 comments as spam. 15 left.")
	if got := focused(t, ctx); got != item(5) {
		t.Fatalf("after a bulk action focus is on %q, want %q", got, item(5))
	}
	press(t, ctx, "u", "Undone for 2 comments. 17 left.")
	press(t, ctx, "x", fmt.Sprintf("Selected comment by %s. 1 selected.", reader(3)))
	step(t, ctx, "j", chromedp.KeyEvent("j"))
	press(t, ctx, "x", fmt.Sprintf("Selected comment by %s. 2 selected.", reader(4)))
	press(t, ctx, "a", "Approved 2 comments. 15 left.")
	want[ids[3]], want[ids[4]] = models.StatusApproved, models.StatusApproved

	// b bans the author and leaves the comment to be filed; u does not lift bans.
	press(t, ctx, "b", fmt.Sprintf("Banned %s. The comment is still here: press s or r to file it.", reader(5)))
	if bans, err := e.store.Bans(t.Context()); err != nil || len(bans) != 1 || bans[0].Value != "203.0.113.9" {
		t.Fatalf("bans after b: %+v, %v", bans, err)
	}
	press(t, ctx, "u", "A ban is not undone here: lift it on the Bans page.")
	if got := focused(t, ctx); got != item(5) {
		t.Fatalf("after b focus is on %q, want it to stay on %q", got, item(5))
	}

	// The rest, one by one: remove every third, spam every fifth, approve the others.
	for i := 5; i < n; i++ {
		left := n - 1 - i
		switch {
		case i%3 == 0:
			press(t, ctx, "r", fmt.Sprintf("Removed comment by %s. %d left.", reader(i), left))
			want[ids[i]] = models.StatusRemoved
		case i%5 == 0:
			press(t, ctx, "s", fmt.Sprintf("Marked comment by %s as spam. %d left.", reader(i), left))
			want[ids[i]] = models.StatusSpam
		default:
			press(t, ctx, "a", fmt.Sprintf("Approved comment by %s. %d left.", reader(i), left))
			want[ids[i]] = models.StatusApproved
		}
		if left > 0 {
			if got := focused(t, ctx); got != item(i+1) {
				t.Fatalf("after comment %d focus is on %q, want %q", i, got, item(i+1))
			}
		}
	}
	press(t, ctx, "u", fmt.Sprintf("Undone: comment by %s is pending again. 1 left.", reader(n-1)))
	press(t, ctx, "a", fmt.Sprintf("Approved comment by %s. 0 left.", reader(n-1)))
	want[ids[n-1]] = models.StatusApproved

	if got := evalString(t, ctx, `document.activeElement.hasAttribute("data-empty") ? "empty" : document.activeElement.tagName`); got != "empty" {
		t.Errorf("with the queue clear focus is on %q, not the empty-queue message", got)
	}
	counts := evalString(t, ctx, `Array.from(document.querySelectorAll("[data-tab]")).map(a => a.dataset.tab + "=" + a.querySelector(".count").textContent).join(" ")`)
	var wantCounts []string
	for _, st := range models.Statuses {
		wantCounts = append(wantCounts, fmt.Sprintf("%s=%d", st, countOf(want, st)))
	}
	if strings.Join(wantCounts, " ") != counts {
		t.Errorf("tab counts %q, want %q", counts, strings.Join(wantCounts, " "))
	}
	if evalString(t, ctx, `String(window.parleyNoReload === true)`) != "true" {
		t.Error("the page reloaded during the keyboard session")
	}

	for id, st := range want {
		got, err := e.store.Comment(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != st {
			t.Errorf("comment %d is %s, want %s", id, got.Status, st)
		}
	}
	if len(want) != n {
		t.Fatalf("checked %d comments, want %d", len(want), n)
	}
	left, err := e.store.Queue(t.Context(), store.QueueFilter{Status: models.StatusPending})
	if err != nil || len(left) != 0 {
		t.Fatalf("pending after clearing: %d, %v", len(left), err)
	}
}

func countOf(m map[uint]models.Status, st models.Status) int {
	n := 0
	for _, v := range m {
		if v == st {
			n++
		}
	}
	return n
}

// TestQueueFetchesTheNextPageWhenCleared clears a full first page (50 of
// 52 comments) with x and a, and checks that the last two come in without
// a reload, focused and announced.
func TestQueueFetchesTheNextPageWhenCleared(t *testing.T) {
	ctx := queueBrowser(t)
	e := newEnv(t)
	var ids []uint
	for i := 1; i <= 52; i++ {
		ids = append(ids, e.heldComment("default", welcomePage, fmt.Sprintf("Reader %02d", i), "", fmt.Sprintf("Comment %02d", i)))
	}
	signIn(t, ctx, e)
	step(t, ctx, "select the page", chromedp.KeyEvent("j"+strings.Repeat("xj", 50)))
	press(t, ctx, "a", "Loaded the next comments. 2 left.")
	if got, want := focused(t, ctx), "q-"+strconv.FormatUint(uint64(ids[1]), 10); got != want {
		t.Fatalf("after the refill focus is on %q, want %q", got, want)
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll(".queue-item").length)`); n != "2" {
		t.Fatalf("%s comments after the refill, want 2", n)
	}
	if evalString(t, ctx, `String(window.parleyNoReload === true)`) != "true" {
		t.Error("the page reloaded")
	}
	press(t, ctx, "a", "Approved comment by Reader 02. 1 left.")
	press(t, ctx, "s", "Marked comment by Reader 01 as spam. 0 left.")
	for i, id := range ids {
		want := models.StatusApproved
		if i == 0 {
			want = models.StatusSpam
		}
		if got, _ := e.store.Comment(t.Context(), id); got.Status != want {
			t.Errorf("comment %d is %s, want %s", id, got.Status, want)
		}
	}
}

// TestQueueSearchWindowInTheBrowser follows a bounded search's "Search
// older comments" links down to its matches, and shows the note in light,
// dark and on a phone.
func TestQueueSearchWindowInTheBrowser(t *testing.T) {
	ctx := queueBrowser(t)
	e := newEnv(t, func(c *handlers.Config) { c.QueueScanWindow = 3 })
	for i := range 9 {
		body := fmt.Sprintf("An ordinary comment, number %d.", i)
		if i < 2 {
			body = fmt.Sprintf("A comment with the needle, number %d.", i)
		}
		e.heldComment("default", welcomePage, fmt.Sprintf("Reader %d", i), "", body)
	}
	signIn(t, ctx, e)
	step(t, ctx, "search", chromedp.Navigate(e.srv.URL+"/admin/queue?q=needle"), chromedp.WaitVisible(chromedp.CSS("[data-scanned]")))
	if got := evalString(t, ctx, `document.querySelector("[data-empty]").hidden + " " + !!document.querySelector("[data-search-older]")`); got != "false true" {
		t.Fatalf("empty message hidden, older link present: %s; want the message and the link", got)
	}
	browsertest.Screenshot(t, ctx, "queue-search-window")
	if err := browsertest.ColorScheme(ctx, "dark"); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "queue-search-window-dark")
	if err := browsertest.Viewport(ctx, 390, 844, true); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "queue-search-window-phone")
	for range 2 {
		step(t, ctx, "search older", chromedp.Click(chromedp.CSS("[data-search-older]")), chromedp.WaitVisible(chromedp.CSS(".pager")))
	}
	got := evalString(t, ctx, `Array.from(document.querySelectorAll(".queue-item")).map(it => it.textContent.includes("needle") ? "n" : "x").join("")`)
	if got != "nn" || evalString(t, ctx, `!!document.querySelector("[data-search-older], [data-scanned]") + ""`) != "false" {
		t.Fatalf("after two windows the queue shows %q (n: a match, x: not), want both matches and no more windows", got)
	}
}
