// Package browsertest runs Parley's browser tests in the system Chromium
// through chromedp. PARLEY_TEST_CHROMIUM names the browser; without it the
// tests skip with a note, or fail when PARLEY_CI_STRICT=1. PARLEY_SCREENSHOTS
// names a folder for the screenshots the tests take.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// New starts a headless Chromium with a fresh profile, 1280×900 pixels, and
// returns the context of its first tab. The browser ends with the test.
func New(t testing.TB) context.Context {
	t.Helper()
	path := os.Getenv("PARLEY_TEST_CHROMIUM")
	if path == "" {
		if os.Getenv("PARLEY_CI_STRICT") == "1" {
			t.Fatal("PARLEY_TEST_CHROMIUM is not set, and PARLEY_CI_STRICT=1 forbids skipping the browser tests")
		}
		t.Skip("browser test skipped: set PARLEY_TEST_CHROMIUM=/usr/bin/chromium to run it")
	}
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-gpu", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first action starts the browser and binds it to ctx, which has
	// no deadline; each test step sets its own with Within.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// Tab opens another tab of the browser, with its own page state.
func Tab(t testing.TB, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// Within returns ctx bounded to d, so a step that waits for something that
// never comes fails instead of hanging.
func Within(t testing.TB, ctx context.Context, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, d)
	t.Cleanup(cancel)
	return ctx
}

// ColorScheme emulates the reader's prefers-color-scheme: "light" or "dark".
func ColorScheme(ctx context.Context, scheme string) error {
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	return err
}

// Viewport sets the window's CSS size; mobile also emulates a phone.
func Viewport(ctx context.Context, width, height int64, mobile bool) error {
	if mobile {
		return chromedp.Do(ctx, chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	}
	return chromedp.Do(ctx, chromedp.EmulateViewport(width, height))
}

// NoScript turns JavaScript off (or on again) for the tab's pages.
func NoScript(ctx context.Context, off bool) error {
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
	return err
}

// Screenshot takes a full-page PNG and, when PARLEY_SCREENSHOTS names a
// folder, writes it there as name.png. It returns the PNG either way, so a
// test can check that the page painted.
func Screenshot(t testing.TB, ctx context.Context, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if dir := os.Getenv("PARLEY_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
	return png
}
