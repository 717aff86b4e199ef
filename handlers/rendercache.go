package handlers

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"hash/crc32"
	"hash/fnv"
	"strconv"
	"sync"
	"time"
)

// renderCache keeps rendered thread output (JSON answers, HTML fragments)
// in memory, least recently used first out, bounded by bytes. Keys carry
// the thread's version, so an entry never needs invalidating: a change
// moves the version on and the old entries age out unused.
type renderCache struct {
	mu    sync.Mutex
	max   int // bytes; 0 turns the cache off
	size  int
	order *list.List // front is the most recently used
	items map[string]*list.Element

	hits, misses func() // metrics hooks; may be nil

	// filling names the keys one request is rendering now (see claim).
	filling map[string]chan struct{}

	deflaters sync.Pool // *flate.Writer for fresh segments
	buffers   sync.Pool // *bytes.Buffer for pages being rendered
}

// maxPooledBuffer keeps the odd huge page's buffer out of the pool.
const maxPooledBuffer = 1 << 20

// buffer returns an empty buffer to render a page into; give it back with
// release once the page is written.
func (c *renderCache) buffer() *bytes.Buffer {
	if b, ok := c.buffers.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func (c *renderCache) release(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	c.buffers.Put(b)
}

// defaultRenderCacheBytes bounds the cache: about a hundred 100-comment
// threads with their compressed copies.
const defaultRenderCacheBytes = 16 << 20

func newRenderCache(maxBytes int) *renderCache {
	return &renderCache{max: maxBytes, order: list.New(), items: map[string]*list.Element{},
		filling: map[string]chan struct{}{}}
}

// rendered is one cached rendering: the bytes, their entity tag and, made
// once on first need, their compressed forms.
type rendered struct {
	key  string
	body []byte
	etag string

	// The headers a whole-body answer sends, made once for every reader.
	etagValues, lengthValues []string
	gzipLengthValues         []string // with gzipped

	gzipOnce    sync.Once
	gzipped     []byte
	deflateOnce sync.Once
	deflated    []byte
	crc, shift  uint32 // the body's CRC-32 and crcShift(len(body)), with deflated
}

// newRendered wraps body with an entity tag derived from its bytes.
func newRendered(key string, body []byte) *rendered {
	h := fnv.New64a()
	h.Write(body)
	etag := `W/"` + strconv.FormatUint(h.Sum64(), 36) + `"`
	return &rendered{key: key, body: body, etag: etag, etagValues: []string{etag}, lengthValues: lengthValues(len(body))}
}

// bestGzipWriters keeps gzip writers at BestCompression between uses (a
// cache fill, a static file at start-up): each new one allocates close to
// a megabyte of tables.
var bestGzipWriters sync.Pool

// gzipBest returns b as a whole gzip stream at BestCompression.
func gzipBest(b []byte) []byte {
	var buf bytes.Buffer
	zw, ok := bestGzipWriters.Get().(*gzip.Writer)
	if ok {
		zw.Reset(&buf)
	} else {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	}
	zw.Write(b)
	zw.Close()
	zw.Reset(nil)
	bestGzipWriters.Put(zw)
	return buf.Bytes()
}

// gzip returns the body as a whole gzip stream, compressed once.
func (r *rendered) gzip() []byte {
	r.gzipOnce.Do(func() {
		r.gzipped = gzipBest(r.body)
		r.gzipLengthValues = lengthValues(len(r.gzipped))
	})
	return r.gzipped
}

// deflate returns the body as a raw deflate segment that ends on a sync
// flush and is not final, so it can sit between other segments of one
// stream (see gzipJoin), with what joining the body's CRC-32 to a stream's
// takes. Compressed and summed once.
func (r *rendered) deflate() (segment []byte, crc, shift uint32) {
	r.deflateOnce.Do(func() {
		r.deflated = deflateSegment(r.body)
		r.crc, r.shift = crc32.ChecksumIEEE(r.body), crcShift(len(r.body))
	})
	return r.deflated, r.crc, r.shift
}

// size is what the entry costs the cache, roughly.
func (r *rendered) size() int { return 2*len(r.body) + len(r.key) + 64 }

// get returns the entry under key, or nil.
func (c *renderCache) get(key string) *rendered {
	if c == nil || c.max == 0 {
		return nil
	}
	c.mu.Lock()
	el, ok := c.items[key]
	if ok {
		c.order.MoveToFront(el)
	}
	c.mu.Unlock()
	if !ok {
		c.count(c.misses)
		return nil
	}
	c.count(c.hits)
	return el.Value.(*rendered)
}

// fillWait bounds how long a request waits for another to render what it
// wants before it renders the page itself.
const fillWait = 2 * time.Second

// claim returns the entry under key or, on a miss, makes the caller the one
// request that renders it: requests that miss the same key meanwhile wait
// for that rendering instead of all rendering the same page at once, as
// they otherwise would whenever a busy thread's version or minute moves on.
// release must be called once the rendering is put, or given up; a waiter
// whose renderer gave up (or took longer than fillWait) gets nil and
// renders for itself, without a claim.
func (c *renderCache) claim(ctx context.Context, key string) (hit *rendered, release func()) {
	if c == nil || c.max == 0 {
		return nil, noRelease
	}
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		c.count(c.hits)
		return el.Value.(*rendered), noRelease
	}
	if ch, busy := c.filling[key]; busy {
		c.mu.Unlock()
		t := time.NewTimer(fillWait)
		defer t.Stop()
		select {
		case <-ch:
		case <-ctx.Done():
		case <-t.C:
		}
		return c.get(key), noRelease
	}
	ch := make(chan struct{})
	c.filling[key] = ch
	c.mu.Unlock()
	c.count(c.misses)
	var once sync.Once
	return nil, func() {
		once.Do(func() {
			c.mu.Lock()
			delete(c.filling, key)
			c.mu.Unlock()
			close(ch)
		})
	}
}

// noRelease is the release of a request that claimed nothing.
func noRelease() {}

func (c *renderCache) count(hook func()) {
	if hook != nil {
		hook()
	}
}

// put stores body under key and returns the entry. Bodies larger than a
// quarter of the cache are not kept, so one huge thread cannot empty it.
func (c *renderCache) put(key string, body []byte) *rendered {
	r := newRendered(key, body)
	if c == nil || c.max == 0 || r.size() > c.max/4 {
		return r
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		// Another request rendered the same version meanwhile; keep one.
		c.order.MoveToFront(el)
		return el.Value.(*rendered)
	}
	c.items[key] = c.order.PushFront(r)
	c.size += r.size()
	for c.size > c.max {
		last := c.order.Back()
		old := last.Value.(*rendered)
		c.order.Remove(last)
		delete(c.items, old.key)
		c.size -= old.size()
	}
	return r
}

// len reports how many entries are cached.
func (c *renderCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
