package handlers_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
)

// TestFlagLinkOpensOneFormUnderItsComment: with script, a comment's Flag
// link opens the flag form under that comment (one at a time), Cancel
// closes it and gives focus back to the link, and sending it reports the
// comment.
func TestFlagLinkOpensOneFormUnderItsComment(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	first, _ := e.comment("Ann", "First", 0)
	second, _ := e.comment("Bob", "Second", 0)
	e.approve(first, second)
	ctx := browsertest.Tab(t, browser)

	openForms := func() string {
		return evalString(t, ctx, `Array.from(document.querySelectorAll("form.flag-form")).map(f =>
			f.closest(".comment").id + " " + new URL(f.action).pathname).join(", ")`)
	}
	step(t, ctx, "open the page and Ann's flag form",
		chromedp.Navigate(e.srv.URL+welcomePage), chromedp.WaitReady(chromedp.CSS("#comment-form")),
		chromedp.Click(fmt.Sprintf("#comment-%d a.flag", first)), chromedp.WaitVisible(chromedp.CSS("form.flag-form")))
	want := fmt.Sprintf("comment-%d %s/comments/%d/flag", first, welcomePage, first)
	if got := openForms(); got != want {
		t.Fatalf("open flag forms: %q, want %q", got, want)
	}
	if got := focused(t, ctx); got != "flag-reason" {
		t.Fatalf("focus on %q, want the reason", got)
	}

	step(t, ctx, "Bob's flag link moves the form",
		chromedp.Click(fmt.Sprintf("#comment-%d a.flag", second)))
	if got, want := openForms(), fmt.Sprintf("comment-%d %s/comments/%d/flag", second, welcomePage, second); got != want {
		t.Fatalf("open flag forms: %q, want %q", got, want)
	}
	step(t, ctx, "cancel", chromedp.Click(fmt.Sprintf("#comment-%d a.cancel-flag", second)))
	if got := openForms(); got != "" {
		t.Fatalf("forms still open after Cancel: %q", got)
	}
	if got := evalString(t, ctx, `document.activeElement.closest(".comment").id + " " + document.activeElement.className`); got != fmt.Sprintf("comment-%d flag", second) {
		t.Fatalf("after Cancel focus is on %q, want Bob's flag link", got)
	}

	step(t, ctx, "send a report on Ann's comment",
		chromedp.Click(fmt.Sprintf("#comment-%d a.flag", first)), chromedp.WaitVisible(chromedp.CSS("form.flag-form")),
		chromedp.SetValue(chromedp.ID("flag-reason"), "abuse"),
		chromedp.Click(chromedp.CSS("form.flag-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")))
	// A second reader's flag counts two: the browser's report was stored.
	res, err := e.store.AddFlag(t.Context(), &models.Flag{CommentID: first, Reader: "another reader", Reason: "spam"}, 100)
	if err != nil || res.Flags != 2 {
		t.Fatalf("flags on Ann's comment after the browser's report and one more: %+v, %v", res, err)
	}
}
