package moderation

import (
	"time"
)

// Checker is one moderation rule.
type Checker interface {
	// Check judges the comment. It must not modify in.
	Check(in *Input) Result
}

// CheckerFunc adapts a function to the Checker interface.
type CheckerFunc func(in *Input) Result

// Check calls f(in).
func (f CheckerFunc) Check(in *Input) Result { return f(in) }

// Engine runs a chain of checkers. It holds no mutable state and is safe
// for concurrent use if its checkers are.
type Engine struct {
	checkers []Checker
}

// New returns an engine that runs the given checkers in order. The order
// is the order of the verdict's reasons and decides which refusal wins
// when several fire. Nil checkers are skipped.
func New(checkers ...Checker) *Engine {
	e := &Engine{}
	for _, c := range checkers {
		if c != nil {
			e.checkers = append(e.checkers, c)
		}
	}
	return e
}

// DefaultCheckers returns the standard chain, strongest rules first:
// refusals (closed thread, ban, duplicate), spam (shadow ban via Ban,
// honeypot, block words, Akismet, too fast), then holds (links, hold
// words, old post, pre-moderation, first-time commenter).
//
// The word checkers compile the site's patterns on each call; build a
// custom chain with BlockWords{List: ...} and HoldWords{List: ...} to
// compile them once.
func DefaultCheckers() []Checker {
	return []Checker{
		ClosedThread{},
		Ban{},
		Duplicate{},
		Honeypot{},
		BlockWords{},
		Akismet{},
		TooFast{},
		Links{},
		HoldWords{},
		OldPost{},
		PreModeration{},
		FirstTime{},
	}
}

// Check runs the default chain over in.
func Check(in Input) Verdict {
	return New(DefaultCheckers()...).Check(in)
}

// Check runs the engine's chain over in. It normalizes in.Rules and sets
// in.Now to the current time when zero before running any checker.
func (e *Engine) Check(in Input) Verdict {
	in.Rules = in.Rules.Normalized()
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	results := make([]Result, 0, len(e.checkers))
	for _, c := range e.checkers {
		results = append(results, c.Check(&in))
	}
	return combine(results)
}
