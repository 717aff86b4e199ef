package importer

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestRenderProgress(t *testing.T) {
	tests := []struct {
		done, total int64
		comments    int
		elapsed     time.Duration
		want        string
	}{
		{450, 1000, 1234, 2 * time.Second, "[#########...........]  45%  1234 comments  617/s"},
		{0, 1000, 0, 0, "[....................]   0%  0 comments  0/s"},
		{1000, 1000, 10, time.Second, "[####################] 100%  10 comments  10/s"},
		{2000, 1000, 10, time.Second, "[####################] 100%  10 comments  10/s"}, // overshoot clamps
		{999, 1000, 3, 3 * time.Second, "[###################.]  99%  3 comments  1/s"},
		{3 << 20, 0, 7, time.Second, "3.0 MB read  7 comments  7/s"}, // unknown size
		{512, 0, 0, time.Second, "512 B read  0 comments  0/s"},
		{2048, -1, 0, time.Second, "2.0 KB read  0 comments  0/s"},
	}
	for _, tt := range tests {
		if got := RenderProgress(tt.done, tt.total, tt.comments, tt.elapsed); got != tt.want {
			t.Errorf("RenderProgress(%d, %d, %d, %v)\n got %q\nwant %q", tt.done, tt.total, tt.comments, tt.elapsed, got, tt.want)
		}
	}
}

// fakeClock returns times one step apart.
func fakeClock(step time.Duration) func() time.Time {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

func TestProgressTerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(strings.NewReader(strings.Repeat("x", 1000)), 1000, &out, true, fakeClock(100*time.Millisecond))
	buf := make([]byte, 500)
	if _, err := p.Read(buf); err != nil {
		t.Fatal(err)
	}
	p.Count(1) // 100 ms: not due yet
	if out.Len() != 0 {
		t.Fatalf("printed too early: %q", out.String())
	}
	p.Count(1) // 200 ms: due
	if _, err := io.Copy(io.Discard, p); err != nil {
		t.Fatal(err)
	}
	p.Finish()
	got := out.String()
	if strings.Count(got, "\r") != 2 || !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("terminal output %q", got)
	}
	if !strings.Contains(got, "\r[##########..........]  50%  2 comments") ||
		!strings.Contains(got, "\r[####################] 100%  2 comments") {
		t.Errorf("terminal output %q", got)
	}
	if p.Bytes() != 1000 {
		t.Errorf("Bytes() = %d", p.Bytes())
	}
}

func TestProgressPlain(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(strings.NewReader("abc"), 0, &out, false, fakeClock(4*time.Second))
	p.Count(5) // 4 s: not due (every 10 s)
	p.Count(5) // 8 s
	p.Count(5) // 12 s: due
	p.Finish()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || strings.Contains(out.String(), "\r") {
		t.Fatalf("plain output %q", out.String())
	}
	if lines[1] != "0 B read  15 comments  1/s" {
		t.Errorf("last line %q", lines[1])
	}
}

// A redraw shorter than the line before it blanks the leftovers.
func TestProgressPadsRedraw(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(strings.NewReader(""), 0, &out, true, fakeClock(time.Second))
	p.Count(100000) // 1 s: "100000/s"
	for range 10 {
		p.Count(0) // the rate falls to "9091/s", a shorter line
	}
	s := out.String()
	parts := strings.Split(strings.TrimPrefix(s, "\r"), "\r")
	last := parts[len(parts)-1]
	if len(parts) != 11 || len(last) != len(parts[0]) || !strings.HasPrefix(last, "0 B read  100000 comments  9091/s ") {
		t.Errorf("redraw not padded: %q", s)
	}
}
