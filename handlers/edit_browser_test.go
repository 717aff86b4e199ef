package handlers_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
)

// TestEditInTheBrowser posts a comment on the blog with the plain form,
// then edits and deletes it with static/edit.js's inline buttons, and
// screenshots the edited comment and the no-script edit page, light and
// dark, wide and on a phone.
func TestEditInTheBrowser(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	other, _ := e.comment("Bo", "Someone else's comment", 0)
	e.approve(other)
	tab := browsertest.Tab(t, browser)
	step(t, tab, "post a comment",
		chromedp.Navigate(e.srv.URL+welcomePage),
		chromedp.SendKeys(chromedp.ID("body"), "Frist post"),
		chromedp.SendKeys(chromedp.ID("author"), "Ann"),
		chromedp.Submit(chromedp.ID("author")),
	)
	wait := func(what, expr string) {
		t.Helper()
		if err := browsertest.Wait(browsertest.Within(t, tab, 10*time.Second), expr); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wait("edit buttons on my comment", `document.querySelectorAll(".own-actions").length === 1`)
	if got := evalString(t, tab, `String(!!document.querySelector("#comment-`+itoa(other)+` .own-actions"))`); got != "false" {
		t.Error("edit buttons on someone else's comment")
	}
	if got := evalString(t, tab, `Object.keys(JSON.parse(localStorage.getItem("parley:edit"))).join()`); got == "" {
		t.Error("the blog's token was not kept in storage")
	}
	step(t, tab, "open the inline editor", chromedp.Click(chromedp.CSS(".own-actions button")))
	wait("the editor", `!!document.querySelector(".edit-inline textarea") && document.querySelector(".edit-inline textarea").value === "Frist post"`)
	step(t, tab, "save an edit",
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".edit-inline textarea").value = "First post, *fixed*"`),
		chromedp.Click(chromedp.CSS(".edit-inline button.button")),
	)
	wait("the edited text", `!!document.querySelector(".own-actions") && document.querySelector(".own-actions").closest(".comment").querySelector(".comment-text em") !== null`)
	wait("the edited mark", `!!document.querySelector(".comment .edited")`)

	for _, v := range []struct {
		scheme string
		width  int64
	}{{"light", 1000}, {"dark", 1000}, {"light", 360}, {"dark", 360}} {
		if err := browsertest.ColorScheme(tab, v.scheme); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.Viewport(tab, v.width, 900, v.width < 500); err != nil {
			t.Fatal(err)
		}
		size := map[bool]string{true: "360", false: "1000"}[v.width < 500]
		step(t, tab, "reload the post", chromedp.Navigate(e.srv.URL+welcomePage+"#comments"))
		wait("edit buttons", `document.querySelectorAll(".own-actions").length === 1`)
		browsertest.Screenshot(t, tab, "edit-post-"+v.scheme+"-"+size)
		step(t, tab, "open the no-script edit page", chromedp.Click(chromedp.CSS("a.own-edit-link")))
		wait("the edit page", `!!document.querySelector("#edit-body")`)
		if got := evalString(t, tab, `String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
			t.Errorf("%s %d: the edit page is wider than the window", v.scheme, v.width)
		}
		browsertest.Screenshot(t, tab, "edit-page-"+v.scheme+"-"+size)
	}

	step(t, tab, "delete with the inline button",
		chromedp.Navigate(e.srv.URL+welcomePage),
	)
	wait("edit buttons", `document.querySelectorAll(".own-actions").length === 1`)
	step(t, tab, "confirm the delete",
		chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`),
		chromedp.Click(chromedp.CSS(".own-actions button + button")),
	)
	wait("the comment gone", `!document.body.textContent.includes("First post")`)
	c, err := e.store.Comment(context.Background(), other+1)
	if err != nil || c.Status != models.StatusRemoved {
		t.Errorf("after the inline delete: %v %v", c.Status, err)
	}
}

// TestEditAdminInTheBrowser screenshots the reader settings and the
// moderator's edit page, and pins a comment with the p key.
func TestEditAdminInTheBrowser(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	id, _ := e.comment("Ann", "A comment to pin and edit", 0)
	e.approve(id)
	tab := browsertest.Tab(t, browser)
	signIn(t, tab, e)
	step(t, tab, "open the approved tab", chromedp.Navigate(e.srv.URL+"/admin/queue?status=approved"),
		chromedp.WaitVisible(chromedp.CSS("[data-key-hints]")))
	step(t, tab, "pin with p", chromedp.KeyEvent("j"), chromedp.KeyEvent("p"))
	if err := browsertest.Wait(browsertest.Within(t, tab, 10*time.Second), `!!document.querySelector("[data-pin]") && document.querySelector("[data-pin]").textContent === "Unpin"`); err != nil {
		t.Fatalf("pin with p: %v", err)
	}
	c, _ := e.store.Comment(context.Background(), id)
	if !c.Pinned {
		t.Error("the p key did not pin the comment")
	}
	for _, scheme := range []string{"light", "dark"} {
		if err := browsertest.ColorScheme(tab, scheme); err != nil {
			t.Fatal(err)
		}
		step(t, tab, "open the settings", chromedp.Navigate(e.srv.URL+"/admin/settings"), chromedp.WaitVisible(chromedp.ID("edit_window")))
		browsertest.Screenshot(t, tab, "edit-settings-"+scheme)
		step(t, tab, "open the moderator's edit page", chromedp.Navigate(e.srv.URL+"/admin/comments/"+itoa(id)+"/edit"), chromedp.WaitVisible(chromedp.ID("note")))
		browsertest.Screenshot(t, tab, "edit-moderator-"+scheme)
	}
}
