package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logFlushEvery is how long a log line may wait in the buffer. Short
// enough that a reader following the log sees lines as they happen.
const logFlushEvery = 100 * time.Millisecond

// logBuffer collects the server's log lines and writes them every
// logFlushEvery, so that a busy server writes its access log in a few large
// writes instead of one system call per request (3.5% of the CPU of a cached
// read). Warnings and errors are written at once, with everything before
// them, by bufferedHandler.
type logBuffer struct {
	mu   sync.Mutex
	out  io.Writer
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// newLogBuffer starts buffering writes to w until close.
func newLogBuffer(w io.Writer) *logBuffer {
	b := &logBuffer{out: w, w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushLoop()
	return b
}

// Write buffers p; a line longer than the buffer goes straight through.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.w.Write(p)
	b.recoverLocked(err)
	return n, err
}

// flush writes what is buffered.
func (b *logBuffer) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.w.Flush()
	b.recoverLocked(err)
	return err
}

// recoverLocked starts the buffer afresh after a failed write: a
// bufio.Writer refuses everything after its first error, which would have
// silenced the log for good after one failed write to stderr. The lines
// that were waiting are lost, as a failed direct write would lose its own.
func (b *logBuffer) recoverLocked(err error) {
	if err != nil {
		b.w.Reset(b.out)
	}
}

func (b *logBuffer) flushLoop() {
	defer close(b.done)
	tick := time.NewTicker(logFlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			b.flush()
		case <-b.stop:
			return
		}
	}
}

// close stops the timer and writes what is left.
func (b *logBuffer) close() error {
	close(b.stop)
	<-b.done
	return b.flush()
}

// bufferedHandler is a slog handler writing into a logBuffer that writes
// the buffer out after every record at warning level or above.
type bufferedHandler struct {
	slog.Handler
	buf *logBuffer
}

// Handle formats r into the buffer, and writes the buffer out for a
// warning or an error.
func (h bufferedHandler) Handle(ctx context.Context, r slog.Record) error {
	if err := h.Handler.Handle(ctx, r); err != nil {
		return err
	}
	if r.Level >= slog.LevelWarn {
		return h.buf.flush()
	}
	return nil
}

// WithAttrs keeps the buffering for the derived handler.
func (h bufferedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return bufferedHandler{h.Handler.WithAttrs(attrs), h.buf}
}

// WithGroup keeps the buffering for the derived handler.
func (h bufferedHandler) WithGroup(name string) slog.Handler {
	return bufferedHandler{h.Handler.WithGroup(name), h.buf}
}
