package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestAsyncWriterKeepsOrderAndCopiesWhatItIsGiven(t *testing.T) {
	var out, want bytes.Buffer
	a := newAsyncWriter(&out)
	buf := make([]byte, 0, 64)
	for i := range 1000 {
		buf = fmt.Appendf(buf[:0], "line %d\n", i)
		want.Write(buf)
		if n, err := a.Write(buf); n != len(buf) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		// The caller reuses its buffer at once; what was queued must not change.
		for j := range buf {
			buf[j] = 'x'
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want.Bytes()) {
		t.Fatalf("got %d bytes, want %d, or in another order", out.Len(), want.Len())
	}
}

// failingWriter takes limit bytes and then fails.
type failingWriter struct {
	limit, n int
}

var errDiskFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.limit {
		return 0, errDiskFull
	}
	f.n += len(p)
	return len(p), nil
}

func TestAsyncWriterReportsTheFirstErrorOfItsWriter(t *testing.T) {
	a := newAsyncWriter(&failingWriter{limit: 100})
	var werr error
	for range 1000 {
		if _, werr = a.Write(make([]byte, 10)); werr != nil {
			break
		}
	}
	if err := a.Close(); !errors.Is(err, errDiskFull) {
		t.Fatalf("Close = %v, want %v", err, errDiskFull)
	}
	if werr != nil && !errors.Is(werr, errDiskFull) {
		t.Fatalf("Write = %v, want %v", werr, errDiskFull)
	}
}
