package store

import (
	"io"
	"sync"
)

// asyncWriterDepth is how many chunks an asyncWriter holds for its
// goroutine: enough to ride out one slow write without holding much.
const asyncWriterDepth = 4

// asyncWriter hands what is written to it to a goroutine of its own,
// which writes it on to w, so that the writer behind it (a gzip stream)
// works on one core while the code writing to it (reading and encoding a
// dump) works on another. Each Write copies its bytes, so callers may
// reuse theirs at once. The first error of w is returned by every Write
// after it and by Close.
type asyncWriter struct {
	w      io.Writer
	chunks chan []byte
	free   chan []byte
	done   chan struct{}

	mu  sync.Mutex
	err error
}

// newAsyncWriter starts the goroutine that writes to w; Close stops it.
func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{w: w, chunks: make(chan []byte, asyncWriterDepth),
		free: make(chan []byte, asyncWriterDepth+1), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *asyncWriter) run() {
	defer close(a.done)
	for b := range a.chunks {
		if a.failed() == nil {
			if _, err := a.w.Write(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		select {
		case a.free <- b[:0]:
		default:
		}
	}
}

func (a *asyncWriter) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Write queues a copy of p for the goroutine.
func (a *asyncWriter) Write(p []byte) (int, error) {
	if err := a.failed(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	var b []byte
	select {
	case b = <-a.free:
	default:
	}
	a.chunks <- append(b, p...)
	return len(p), nil
}

// Close waits until everything queued is written, and says whether all
// of it was.
func (a *asyncWriter) Close() error {
	close(a.chunks)
	<-a.done
	return a.failed()
}
