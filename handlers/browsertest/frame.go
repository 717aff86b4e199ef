package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ErrNoFrame means the page has no frame whose URL starts with the prefix.
var ErrNoFrame = errors.New("browsertest: no such frame")

// FrameEval runs a JavaScript expression in the document of the page's
// (nested) frame whose URL starts with prefix, in an isolated world: it
// sees the frame's DOM and storage, not its scripts' variables. The result
// is decoded from JSON into T. A frame from the page's own site runs in the
// page's process, so it is reached without attaching to another target.
func FrameEval[T any](ctx context.Context, prefix, expr string) (T, error) {
	var out T
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return out, fmt.Errorf("frame tree: %w", err)
	}
	frame := findFrame(tree.FrameTree, prefix)
	if frame == nil {
		return out, ErrNoFrame
	}
	world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frame.ID, WorldName: "browsertest"})
	if err != nil {
		return out, fmt.Errorf("isolated world: %w", err)
	}
	yes := true
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr,
		ContextID: world.ExecutionContextID, ReturnByValue: &yes, AwaitPromise: &yes})
	if err != nil {
		return out, fmt.Errorf("evaluate: %w", err)
	}
	if res.ExceptionDetails != nil {
		msg := res.ExceptionDetails.Text
		if ex := res.ExceptionDetails.Exception; ex != nil && ex.Description != "" {
			msg = ex.Description
		}
		return out, fmt.Errorf("evaluate %q: %s", expr, msg)
	}
	if res.Result == nil || len(res.Result.Value) == 0 {
		return out, fmt.Errorf("evaluate %q: no value", expr)
	}
	if err := json.Unmarshal(res.Result.Value, &out); err != nil {
		return out, fmt.Errorf("evaluate %q: %w", expr, err)
	}
	return out, nil
}

func findFrame(t *page.FrameTree, prefix string) *cdp.Frame {
	if t == nil {
		return nil
	}
	if t.Frame != nil && t.Frame.ParentID != "" && strings.HasPrefix(t.Frame.URL, prefix) {
		return t.Frame
	}
	for _, c := range t.ChildFrames {
		if f := findFrame(c, prefix); f != nil {
			return f
		}
	}
	return nil
}

// WaitFrame polls a boolean expression in the frame until it is true or
// ctx ends. A frame that is missing or still loading counts as "not yet".
func WaitFrame(ctx context.Context, prefix, expr string) error {
	var last error
	for {
		ok, err := FrameEval[bool](ctx, prefix, expr)
		if err == nil && ok {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			if last == nil {
				last = errors.New("still false")
			}
			return fmt.Errorf("wait for %q in frame %s: %w (%v)", expr, prefix, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Wait polls a boolean expression in the page itself until it is true or
// ctx ends.
func Wait(ctx context.Context, expr string) error {
	var last error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %q: %w (%v)", expr, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Frames returns the page's nested frames that have a name (the iframe's
// name attribute), by name.
func Frames(ctx context.Context) (map[string]*cdp.Frame, error) {
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return nil, fmt.Errorf("frame tree: %w", err)
	}
	out := map[string]*cdp.Frame{}
	var walk func(*page.FrameTree)
	walk = func(t *page.FrameTree) {
		if t.Frame != nil && t.Frame.ParentID != "" && t.Frame.Name != "" {
			out[t.Frame.Name] = t.Frame
		}
		for _, c := range t.ChildFrames {
			walk(c)
		}
	}
	if tree.FrameTree != nil {
		walk(tree.FrameTree)
	}
	return out, nil
}
