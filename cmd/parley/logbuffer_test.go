package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLogBufferHoldsInfoAndWritesWarningsAtOnce(t *testing.T) {
	out := &syncBuffer{}
	buf := newLogBuffer(out)
	log := slog.New(bufferedHandler{slog.NewTextHandler(buf, nil), buf}).With("component", "test")

	log.Info("request", "path", "/first")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	log.Warn("something to look at")
	got := out.String()
	first, warn := strings.Index(got, "path=/first"), strings.Index(got, "something to look at")
	if first < 0 || warn < first || !strings.Contains(got, "component=test") {
		t.Fatalf("after a warning the log holds %q, want the info line, then the warning", got)
	}

	log.Info("request", "path", "/second")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "path=/second") {
		if time.Now().After(deadline) {
			t.Fatalf("an info line was not written within 5 s (flushed every %v)", logFlushEvery)
		}
		time.Sleep(10 * time.Millisecond)
	}

	log.Info("request", "path", "/last")
	if err := buf.close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "path=/last") {
		t.Fatalf("close did not write the last line: %q", out.String())
	}
}
