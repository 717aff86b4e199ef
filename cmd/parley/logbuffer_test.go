package main

import (
	"errors"
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

// failingOnce fails its first write and takes every later one.
type failingOnce struct {
	syncBuffer
	failed bool
}

func (f *failingOnce) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errors.New("stderr is gone for a moment")
	}
	return f.syncBuffer.Write(p)
}

func TestLogBufferLogsAgainAfterAFailedWrite(t *testing.T) {
	out := &failingOnce{}
	buf := newLogBuffer(out)
	log := slog.New(bufferedHandler{slog.NewTextHandler(buf, nil), buf})
	log.Error("lost with the failed write")
	log.Error("written after it")
	if err := buf.close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "written after it") {
		t.Fatalf("after one failed write the log holds %q: it stopped for good", got)
	}
}
