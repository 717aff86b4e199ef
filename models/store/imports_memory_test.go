package store_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/models/store/storetest"
)

// bigDisqus writes a Disqus export of 100 threads and n posts, every second
// one (after the first 200) a reply, with bodies long enough for the
// stream to dwarf the memory bound.
func bigDisqus(w io.Writer, n int) error {
	body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 8)
	fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">`)
	for th := 0; th < 100; th++ {
		fmt.Fprintf(w, "<thread dsq:id=\"t%d\"><link>https://example.com/page/%d/</link><title>Page %d</title>"+
			"<createdAt>2020-01-01T00:00:00Z</createdAt></thread>\n", th, th, th)
	}
	for i := 1; i <= n; i++ {
		parent := ""
		if i%2 == 0 && i > 200 { // a reply to a top-level post of the same thread (i mod 100)
			parent = fmt.Sprintf(`<parent dsq:id="%d"/>`, 100+i%100)
		}
		_, err := fmt.Fprintf(w, "<post dsq:id=\"%d\"><message><![CDATA[<p>%d %s</p>]]></message>"+
			"<createdAt>2020-01-02T03:04:05Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"+
			"<author><email>u%d@example.com</email><name>User %d</name><isAnonymous>false</isAnonymous></author>"+
			"<ipAddress>10.0.0.1</ipAddress><thread dsq:id=\"t%d\"/>%s</post>\n",
			i, i, body, i, i, i%100, parent)
		if err != nil {
			return err
		}
	}
	_, err := fmt.Fprint(w, "</disqus>\n")
	return err
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// TestImportMemoryIsBounded streams a generated export of 50,000 comments
// (about 40 MB) through the whole import into SQLite and checks that the
// heap grows by far less than the file. Under the race detector it imports
// 5,000 comments against the same bound.
func TestImportMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("imports a generated 40 MB export")
	}
	n := 50000
	if raceEnabled {
		n = 5000
	}
	const maxGrowth = 16 << 20
	s := storetest.Open(t, filepath.Join(t.TempDir(), "big.db"))
	bootstrapped(t, s)

	pr, pw := io.Pipe()
	var written atomic.Int64
	go func() {
		bw := bufio.NewWriterSize(countingWriter{pw, &written}, 64<<10)
		err := bigDisqus(bw, n)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	opts := importOpts("disqus", "")
	opts.Progress = func(done int) {
		if done%2500 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	start := time.Now()
	res, err := s.Import(context.Background(), pr, opts)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	growth := int64(peak) - int64(base)
	t.Logf("%d comments, %.1f MB streamed and stored in %v, heap growth %.1f MB",
		res.Comments, float64(written.Load())/(1<<20), time.Since(start).Round(time.Millisecond), float64(growth)/(1<<20))
	if res.Comments != n || res.Threads != 100 || res.Skipped != 0 || res.Orphans != 0 {
		t.Fatalf("result %+v", res)
	}
	if !raceEnabled && written.Load() < 2*maxGrowth {
		t.Errorf("the export (%d bytes) is too small to show streaming", written.Load())
	}
	if growth > maxGrowth {
		t.Errorf("heap grew by %.1f MB while importing %.1f MB", float64(growth)/(1<<20), float64(written.Load())/(1<<20))
	}
	c := importedComment(t, s, "default", "disqus", fmt.Sprint(n))
	p := importedComment(t, s, "default", "disqus", fmt.Sprint(100+n%100))
	if c.ParentID == nil || *c.ParentID != p.ID || c.Depth != p.Depth+1 {
		t.Errorf("last reply: parent %v depth %d, want %d", c.ParentID, c.Depth, p.ID)
	}
}
