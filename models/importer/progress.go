package importer

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// Progress wraps the export being read, counts its bytes and prints a
// progress line now and then. It is meant for a CLI import:
//
//	p := importer.NewProgress(f, size, os.Stderr, isTerminal)
//	sum, err := importer.Read(format, p, opts, func(it importer.Item) error {
//		if _, ok := it.(importer.Comment); ok {
//			p.Count(1)
//		}
//		return store(it)
//	})
//	p.Finish()
type Progress struct {
	r     io.Reader
	w     io.Writer
	total int64 // 0 if unknown
	tty   bool
	every time.Duration
	now   func() time.Time

	read     atomic.Int64
	comments atomic.Int64
	start    time.Time
	last     time.Time
	width    int // longest line drawn so far, to blank leftovers on redraw
}

// NewProgress wraps r, an export of total bytes (0 if unknown), and prints
// to w. With tty set, the line is redrawn in place with a carriage return
// about five times a second; otherwise a plain line is printed every ten
// seconds.
func NewProgress(r io.Reader, total int64, w io.Writer, tty bool) *Progress {
	return newProgress(r, total, w, tty, time.Now)
}

func newProgress(r io.Reader, total int64, w io.Writer, tty bool, now func() time.Time) *Progress {
	p := &Progress{r: r, w: w, total: total, tty: tty, every: 10 * time.Second, now: now}
	if tty {
		p.every = 200 * time.Millisecond
	}
	p.start = p.now()
	p.last = p.start
	return p
}

// Read reads from the wrapped reader and counts the bytes.
func (p *Progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read.Add(int64(n))
	return n, err
}

// Bytes returns how many bytes have been read so far.
func (p *Progress) Bytes() int64 { return p.read.Load() }

// Count adds n comments and prints the progress line if it is due. Count
// and Finish must be called from one goroutine; Read and Bytes may be
// called from another.
func (p *Progress) Count(n int) {
	p.comments.Add(int64(n))
	if now := p.now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.print(now, false)
	}
}

// Finish prints the final line, ending it with a newline.
func (p *Progress) Finish() { p.print(p.now(), true) }

func (p *Progress) print(now time.Time, final bool) {
	line := RenderProgress(p.read.Load(), p.total, int(p.comments.Load()), now.Sub(p.start))
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	p.width = max(p.width, len(line))
	end := ""
	if final {
		end = "\n"
	}
	fmt.Fprintf(p.w, "\r%-*s%s", p.width, line, end)
}

// barWidth is the number of cells of the progress bar.
const barWidth = 20

// RenderProgress returns one progress line such as
// "[#########...........]  45%  1234 comments  567/s" for done of total
// bytes (total 0: unknown, the bar is replaced by the bytes read), the
// comments so far and the time elapsed.
func RenderProgress(done, total int64, comments int, elapsed time.Duration) string {
	rate := 0
	if s := elapsed.Seconds(); s > 0 {
		rate = int(float64(comments)/s + 0.5)
	}
	tail := fmt.Sprintf("%d comments  %d/s", comments, rate)
	if total <= 0 {
		return fmt.Sprintf("%s read  %s", sizeString(done), tail)
	}
	if done > total {
		done = total
	}
	cells := int(done * barWidth / total)
	pct := int(done * 100 / total)
	bar := strings.Repeat("#", cells) + strings.Repeat(".", barWidth-cells)
	return fmt.Sprintf("[%s] %3d%%  %s", bar, pct, tail)
}

// sizeString formats a byte count as B, KB or MB.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
