package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
	"parley/models/mailer/smtptest"
)

// mailShots screenshots the current page light and dark, wide and narrow,
// checking each time that nothing sticks out sideways.
func mailShots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, w := range []int64{1280, 375} {
		if err := browsertest.Viewport(ctx, w, 900, w < 500); err != nil {
			t.Fatal(err)
		}
		overflow, err := chromedp.Run(browsertest.Within(t, ctx, 10*time.Second),
			chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if overflow {
			t.Errorf("%s at %d px scrolls sideways", name, w)
		}
		for _, scheme := range []string{"light", "dark"} {
			if err := browsertest.ColorScheme(ctx, scheme); err != nil {
				t.Fatal(err)
			}
			if png := browsertest.Screenshot(t, ctx, fmt.Sprintf("%s-%d-%s", name, w, scheme)); len(png) < 1000 {
				t.Errorf("%s: empty screenshot", name)
			}
		}
	}
	if err := browsertest.Viewport(ctx, 1280, 900, false); err != nil {
		t.Fatal(err)
	}
}

// TestMailLinkAndSettingsInBrowser: a real browser, without JavaScript,
// opens an emailed link, confirms with the button (a same-origin POST that
// the cross-origin guard lets through), and sends a test email from the
// settings page.
func TestMailLinkAndSettingsInBrowser(t *testing.T) {
	browser := browsertest.New(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	e := newMailEnv(t, smtp.URL("", ""))
	body := "Thanks for this **post** — one question:\n\nhttps://example.net/a and https://example.net/b and https://example.net/c, which one?"
	id, _ := e.commentWith(nil, "Zoë Reader", body)
	e.flush()
	approve := e.path(links(t, readMail(t, smtp.Messages()[0]).Body)[0][1])

	ctx := browsertest.Tab(t, browser)
	if err := browsertest.NoScript(ctx, true); err != nil {
		t.Fatal(err)
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(browsertest.Within(t, ctx, 20*time.Second), actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("open link", chromedp.Navigate(e.srv.URL+approve), chromedp.WaitVisible(chromedp.CSS("form.confirm-action button")))
	mailShots(t, ctx, "mail-link-confirm")
	if e.status(id) != models.StatusPending {
		t.Fatal("opening the link in a browser changed the comment")
	}
	step("confirm", chromedp.Click(chromedp.CSS("form.confirm-action button")), chromedp.WaitVisible(chromedp.CSS(".notice.ok")))
	if e.status(id) != models.StatusApproved {
		t.Fatal("the browser's POST did not approve the comment")
	}
	mailShots(t, ctx, "mail-link-done")
	step("reopen", chromedp.Navigate(e.srv.URL+approve), chromedp.WaitVisible(chromedp.CSS(".form-problem")))
	text, err := chromedp.Run(browsertest.Within(t, ctx, 10*time.Second), chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(text, "already used") {
		t.Fatalf("second visit: %q, %v", text, err)
	}
	mailShots(t, ctx, "mail-link-used")

	step("sign in", chromedp.Navigate(e.srv.URL+"/admin/login"),
		chromedp.SendKeys(chromedp.ID("email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(".admin-nav")))
	step("settings", chromedp.Navigate(e.srv.URL+"/admin/settings#email"), chromedp.WaitVisible(chromedp.ID("email")))
	step("test email", chromedp.Click(chromedp.CSS("form.mail-test button")), chromedp.WaitVisible(chromedp.CSS(".mail-result.ok")))
	if n := len(smtp.Messages()); n != 2 {
		t.Fatalf("server has %d messages, want the held-comment mail and the test", n)
	}
	step("scroll", chromedp.ScrollIntoView(chromedp.ID("email")))
	mailShots(t, ctx, "mail-settings")

	smtp.Close() // the mail server goes away: the page shows the failure
	step("failing test email", chromedp.Navigate(e.srv.URL+"/admin/settings"),
		chromedp.Click(chromedp.CSS("form.mail-test button")), chromedp.WaitVisible(chromedp.CSS(".mail-result.failed")))
	text, err = chromedp.Run(browsertest.Within(t, ctx, 10*time.Second), chromedp.Text(chromedp.CSS(".mail-result")))
	if err != nil || !strings.Contains(text, "connect to "+strings.TrimPrefix(strings.TrimPrefix(smtp.URL("", ""), "smtp://"), "")) {
		t.Fatalf("failure shown as %q, %v", text, err)
	}
	mailShots(t, ctx, "mail-settings-failed")
}
