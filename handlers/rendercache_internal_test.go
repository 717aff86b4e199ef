package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func gunzipOne(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	zr.Multistream(false) // one member, as a browser expects
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	return string(out)
}

func TestRenderCacheKeepsAndEvictsByBytes(t *testing.T) {
	c := newRenderCache(4000)
	body := bytes.Repeat([]byte("x"), 300) // 2×300 + key + 64 ≈ 670 bytes each
	for i := range 10 {
		c.put(fmt.Sprintf("k%d", i), body)
	}
	if c.size > c.max {
		t.Fatalf("cache holds %d bytes, over its %d", c.size, c.max)
	}
	if c.get("k0") != nil {
		t.Error("the oldest entry should have been evicted")
	}
	if c.get("k9") == nil {
		t.Error("the newest entry is gone")
	}
	// Using an entry keeps it: touch k4, add more, k4 stays while k5 goes.
	if c.get("k4") == nil {
		t.Fatal("k4 should still be cached")
	}
	c.put("k10", body)
	c.put("k11", body)
	if c.get("k4") == nil {
		t.Error("a recently used entry was evicted before older ones")
	}
	if c.get("k5") != nil {
		t.Error("k5 was the least recently used and should be gone")
	}
}

func TestRenderCacheSameKeyKeepsOneEntry(t *testing.T) {
	c := newRenderCache(1 << 20)
	a := c.put("k", []byte("first"))
	b := c.put("k", []byte("first"))
	if a != b || c.len() != 1 {
		t.Fatalf("two entries for one key: %p %p, len %d", a, b, c.len())
	}
}

func TestRenderCacheSkipsHugeBodiesAndCanBeOff(t *testing.T) {
	c := newRenderCache(1000)
	r := c.put("big", bytes.Repeat([]byte("y"), 1000))
	if c.len() != 0 || string(r.body[:1]) != "y" {
		t.Fatalf("a body over a quarter of the cache was kept (len %d)", c.len())
	}
	off := newRenderCache(0)
	off.put("k", []byte("v"))
	if off.get("k") != nil {
		t.Fatal("a cache of size 0 must keep nothing")
	}
}

func TestRenderedETagFollowsBytes(t *testing.T) {
	a, b, c := newRendered("a", []byte("one")), newRendered("b", []byte("one")), newRendered("c", []byte("two"))
	if a.etag != b.etag || a.etag == c.etag || !strings.HasPrefix(a.etag, `W/"`) {
		t.Fatalf("etags: %s %s %s", a.etag, b.etag, c.etag)
	}
}

func TestRenderedGzipRoundTrips(t *testing.T) {
	body := strings.Repeat("<p>Hello, reader &amp; friend.</p>\n", 500)
	r := newRendered("k", []byte(body))
	if got := gunzipOne(t, r.gzip()); got != body {
		t.Fatal("gzip round trip changed the body")
	}
	if len(r.gzip()) >= len(body)/5 {
		t.Errorf("compressed %d → %d bytes; expected far smaller", len(body), len(r.gzip()))
	}
}

func TestGzipJoinIsOneValidStream(t *testing.T) {
	cached := newRendered("frag", []byte(strings.Repeat("<article>comment text</article>\n", 300)))
	cases := [][]segment{
		{{fresh: []byte("<html><body>")}, {cached: cached}, {fresh: []byte("<form>stamp 123</form></body></html>")}},
		{{cached: cached}},
		{{fresh: []byte("only fresh")}},
		{{fresh: nil}, {cached: cached}, {fresh: []byte{}}, {cached: cached}},
		{},
		// Fresh segments up to maxStoredFresh go stored, longer ones deflated.
		{{fresh: bytes.Repeat([]byte("s"), maxStoredFresh)}, {cached: cached}, {fresh: bytes.Repeat([]byte("d"), maxStoredFresh+1)}},
		{{cached: cached}, {fresh: []byte("1795831591.qWXwctZBF2CYMxXwDumm6eYn")}, {cached: newRendered("tail", []byte("</form></html>"))}},
	}
	for i, parts := range cases {
		var z, plain bytes.Buffer
		c := newRenderCache(0)
		pieces, length := c.gzipJoin(parts)
		c.writePieces(&z, pieces)
		plainParts, plainLength := plainPieces(parts)
		c.writePieces(&plain, plainParts)
		if plain.Len() != plainLength {
			t.Errorf("case %d: the plain body is %d bytes, plainPieces said %d", i, plain.Len(), plainLength)
		}
		if z.Len() != length {
			t.Errorf("case %d: the stream is %d bytes, gzipJoin said %d", i, z.Len(), length)
		}
		if got := gunzipOne(t, z.Bytes()); got != plain.String() {
			t.Errorf("case %d: joined stream decodes to %d bytes, want %d", i, len(got), plain.Len())
		}
	}
}

func BenchmarkGzipJoinVersusWholeGzip(b *testing.B) {
	// join writes the parts as one gzip stream, as a request does.
	join := func(parts ...segment) func(*testing.B) {
		return func(b *testing.B) {
			var buf bytes.Buffer
			c := newRenderCache(0)
			for b.Loop() {
				buf.Reset()
				pieces, _ := c.gzipJoin(parts)
				c.writePieces(&buf, pieces)
			}
		}
	}
	frag := newRendered("frag", bytes.Repeat([]byte("<article class=\"comment\">Some comment text, with words.</article>\n"), 1000))
	head, tail := []byte(strings.Repeat("<head>", 200)), []byte(strings.Repeat("<form>", 300))
	b.Run("join-cached", join(segment{fresh: head}, segment{cached: frag}, segment{fresh: tail}))
	// The shape of a cached post page: the page up to the form's stamp, the
	// stamp, and the rest of the form and page.
	before := newRendered("before", bytes.Repeat([]byte("<article class=\"comment\">Some comment text, with words.</article>\n"), 3000))
	after := newRendered("after", bytes.Repeat([]byte("<p>form and footer</p>\n"), 200))
	stamp := []byte("1795831591.qWXwctZBF2CYMxXwDumm6eYn")
	b.Run("join-stamped", join(segment{cached: before}, segment{fresh: stamp}, segment{cached: after}))
	b.Run("gzip-every-request", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			zw := gzip.NewWriter(&buf)
			zw.Write(head)
			zw.Write(frag.body)
			zw.Write(tail)
			zw.Close()
		}
	})
}

func TestRenderCacheClaimLetsOneRequestRender(t *testing.T) {
	c := newRenderCache(1 << 20)
	hit, release := c.claim(t.Context(), "k")
	if hit != nil {
		t.Fatal("a miss returned an entry")
	}
	const waiters = 8
	got := make(chan *rendered, waiters)
	for range waiters {
		go func() {
			r, rel := c.claim(t.Context(), "k")
			rel()
			got <- r
		}()
	}
	// The waiters are parked until the renderer puts the page and lets go.
	select {
	case r := <-got:
		t.Fatalf("a waiter went on before the rendering was put: %v", r)
	case <-time.After(50 * time.Millisecond):
	}
	want := c.put("k", []byte("page"))
	release()
	release() // a second call is harmless
	for range waiters {
		if r := <-got; r != want {
			t.Fatalf("a waiter got %v, want the rendered entry", r)
		}
	}
	if len(c.filling) != 0 {
		t.Fatalf("claims left behind: %v", c.filling)
	}
}

func TestRenderCacheClaimGivenUpLetsWaitersRender(t *testing.T) {
	c := newRenderCache(1 << 20)
	_, release := c.claim(t.Context(), "k")
	done := make(chan *rendered)
	go func() {
		r, _ := c.claim(t.Context(), "k")
		done <- r
	}()
	time.Sleep(20 * time.Millisecond)
	release() // the renderer gave up: nothing was put
	if r := <-done; r != nil {
		t.Fatalf("a waiter got %v after the renderer gave up; want nil, to render itself", r)
	}
	// A request whose context ends stops waiting.
	_, release = c.claim(t.Context(), "j")
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if r, _ := c.claim(ctx, "j"); r != nil {
		t.Fatalf("a cancelled waiter got %v", r)
	}
}

// BenchmarkRenderedCompressions is what a cache fill costs for its
// compressed copies: a new 100 KB entry gzipped whole and as a segment.
func BenchmarkRenderedCompressions(b *testing.B) {
	body := bytes.Repeat([]byte(`{"id":1,"author":"Ann","html":"<p>Some comment text, with words.</p>"},`), 1400)
	b.ReportAllocs()
	for b.Loop() {
		r := newRendered("k", body)
		r.gzip()
		r.deflate()
	}
}
