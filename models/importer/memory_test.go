package importer

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// filler makes comment bodies long enough for the stream to dwarf the
// memory bound.
var filler = strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 3)

// genWXR writes a WordPress export of n comments in two items, so that a
// reader holding a whole item would hold half the file.
func genWXR(w io.Writer, n int) error {
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>`)
	per := n / 2
	for item := 0; item < 2; item++ {
		fmt.Fprintf(w, "<item><title>Post %d</title><link>https://example.com/p%d/</link><wp:post_id>%d</wp:post_id>"+
			"<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"+
			"<wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><content:encoded><![CDATA[<p>post</p>]]></content:encoded>\n",
			item, item, item+1)
		for i := 0; i < per; i++ {
			id := item*per + i + 1
			_, err := fmt.Fprintf(w, "<wp:comment><wp:comment_id>%d</wp:comment_id><wp:comment_author><![CDATA[User %d]]></wp:comment_author>"+
				"<wp:comment_author_email>u%d@example.com</wp:comment_author_email><wp:comment_author_IP>10.0.0.1</wp:comment_author_IP>"+
				"<wp:comment_date_gmt>2020-01-02 03:04:05</wp:comment_date_gmt><wp:comment_content><![CDATA[<p>%d %s</p>]]></wp:comment_content>"+
				"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>%d</wp:comment_parent></wp:comment>\n",
				id, id, id, id, filler, id/2)
			if err != nil {
				return err
			}
		}
		fmt.Fprint(w, "</item>\n")
	}
	_, err := fmt.Fprint(w, "</channel></rss>\n")
	return err
}

// genDisqus writes a Disqus export of 100 threads and n posts.
func genDisqus(w io.Writer, n int) error {
	fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">`)
	for th := 0; th < 100; th++ {
		fmt.Fprintf(w, "<thread dsq:id=\"t%d\"><link>https://example.com/page/%d/</link><title>Page %d</title>"+
			"<createdAt>2020-01-01T00:00:00Z</createdAt></thread>\n", th, th, th)
	}
	for i := 0; i < n; i++ {
		_, err := fmt.Fprintf(w, "<post dsq:id=\"%d\"><message><![CDATA[<p>%d %s</p>]]></message>"+
			"<createdAt>2020-01-02T03:04:05Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"+
			"<author><email>u%d@example.com</email><name>User %d</name><isAnonymous>false</isAnonymous></author>"+
			"<ipAddress>10.0.0.1</ipAddress><thread dsq:id=\"t%d\"/><parent dsq:id=\"%d\"/></post>\n",
			i+1, i, filler, i, i, i%100, i/2)
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

// TestLargeExportMemory streams a generated export of 50,000 comments
// (about 30 MB) through the readers and checks that the heap grows by far
// less than the size of the file. Under the race detector, which slows the
// decoder down eightfold, it streams 5,000 comments and only checks that
// the heap stays under the same bound.
func TestLargeExportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 30 MB export")
	}
	comments, minFile := 50000, int64(20<<20)
	if raceEnabled {
		comments, minFile = 5000, 2<<20
	}
	const maxHeap = 12 << 20 // heap growth allowed over the baseline
	for _, tt := range []struct {
		format string
		gen    func(io.Writer, int) error
	}{{"wordpress", genWXR}, {"disqus", genDisqus}} {
		t.Run(tt.format, func(t *testing.T) {
			pr, pw := io.Pipe()
			var written atomic.Int64
			go func() {
				bw := bufio.NewWriterSize(countingWriter{pw, &written}, 64<<10)
				err := tt.gen(bw, comments)
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
			start := time.Now()
			n := 0
			sum, err := Read(tt.format, pr, Options{}, func(it Item) error {
				if _, ok := it.(Comment); ok {
					n++
					if n%2500 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Comments != comments || sum.Skipped != 0 {
				t.Fatalf("summary %+v", sum)
			}
			growth := int64(peak) - int64(base)
			t.Logf("%s: %.1f MB streamed in %v, heap growth %.1f MB",
				tt.format, float64(written.Load())/(1<<20), time.Since(start).Round(time.Millisecond), float64(growth)/(1<<20))
			if written.Load() < minFile {
				t.Errorf("generated only %d bytes", written.Load())
			}
			if growth > maxHeap {
				t.Errorf("heap grew by %d bytes while streaming %d", growth, written.Load())
			}
		})
	}
}
