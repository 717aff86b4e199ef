package handlers

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// cacheBytes turns the configured cache size into the cache's bound.
func cacheBytes(configured int) int {
	switch {
	case configured < 0:
		return 0
	case configured == 0:
		return defaultRenderCacheBytes
	}
	return configured
}

// threadKey names one rendering of a thread. Everything the rendering
// depends on is in it: the thread and its version (moved on by every change
// readers can see), the site's settings (their last save), and the parts
// of the request that choose what is shown.
func threadKey(kind string, t models.Thread, site models.Site, parts ...string) string {
	var buf [256]byte // most keys fit, and then only the string is allocated
	b := append(buf[:0], kind...)
	b = strconv.AppendUint(append(b, '|'), uint64(t.ID), 10)
	b = strconv.AppendInt(append(b, '|'), t.Version, 10)
	b = strconv.AppendInt(append(b, '|'), site.UpdatedAt.UnixNano(), 10)
	b = append(b, '|')
	for i, p := range parts {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, p...)
	}
	return string(b)
}

// sharedView reports whether a reader sees the thread as everyone does, so
// a cached rendering may answer them. Only a reader with comments held as
// spam in it sees something else (see asSeenBy).
func (s *Server) sharedView(ctx context.Context, threadID uint, viewer string) (bool, error) {
	hidden, err := s.store.ViewerHasHidden(ctx, threadID, viewer)
	return !hidden, err
}

// notModified reports whether the request's If-None-Match names etag.
// Entity tags here are weak, so the weak comparison applies.
func notModified(r *http.Request, etag string) bool {
	header := r.Header.Get("If-None-Match")
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}

// serveRendered answers with a cached rendering: 304 when the client holds
// it already, else its bytes, gzipped once for every client that accepts it.
func (s *Server) serveRendered(c *gin.Context, r *rendered, contentType string) {
	h := c.Writer.Header()
	h["Etag"] = r.etagValues
	h["Cache-Control"] = noCacheValues
	if notModified(c.Request, r.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	h["Content-Type"] = contentTypeValues(contentType)
	body, length := r.body, r.lengthValues
	if acceptsGzip(c.GetHeader("Accept-Encoding")) && c.Request.Method != http.MethodHead {
		h["Content-Encoding"] = gzipValues
		body = r.gzip()
		length = r.gzipLengthValues
	}
	// With its length known, the body goes out as it is, in one write
	// after the headers, instead of in chunks with their framing.
	h["Content-Length"] = length
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(body) // a failed write is the client's leaving
}

// jsonContentType is the API's content type, as c.JSON writes it.
const jsonContentType = "application/json; charset=utf-8"

// threadBodyMarker stands in a rendered page for the cached comment list;
// writeHTML puts the list's cached bytes (or their compressed form) there.
const threadBodyMarker = "\x00parley:thread-body\x00"

// threadSlot ties a page being written to its cached comment list and to
// the per-request form stamp that entity tags leave out.
type threadSlot struct {
	body  *rendered
	stamp string
}

// threadBodyRequest names one page of a thread as a reader asks for it.
type threadBodyRequest struct {
	view    string // the template set: "post" or "embed"
	partial string // "thread-body" in a page, "thread-page" for the script
	base    string // the page's link base, which every link in the list carries
	thread  models.Thread
	site    models.Site
	viewer  string
	req     pageRequest
	cursor  string // the raw ?cursor
}

// key names the rendering. Times in the list are worded relative to now
// ("3 minutes ago"), so the key also carries the current minute.
func (r threadBodyRequest) key(lang string, now time.Time) string {
	return threadKey(r.partial+"|"+r.view, r.thread, r.site, lang, r.base, r.req.Sort, r.cursor,
		strconv.FormatUint(uint64(r.req.Comment), 10), strconv.FormatInt(now.Unix()/60, 10))
}

// threadBody returns a thread page's comment list rendered once per thread
// version. On a hit nothing is loaded: the view is empty and the cached
// bytes come back. On a miss build loads and decorates the page, and its
// rendering is cached. A reader who sees the thread differently (see
// sharedView) gets their own view and no cached bytes.
func (s *Server) threadBody(c *gin.Context, r threadBodyRequest, build func() (threadView, error)) (threadView, *rendered, error) {
	if r.thread.ID == 0 {
		tv, err := build()
		return tv, nil, err
	}
	ctx := c.Request.Context()
	shared, err := s.sharedView(ctx, r.thread.ID, r.viewer)
	if err != nil {
		return threadView{}, nil, err
	}
	lang := s.tr(c).Lang()
	key := r.key(lang, time.Now())
	if shared {
		hit, release := s.cache.claim(ctx, key)
		if hit != nil {
			return threadView{}, hit, nil
		}
		defer release()
	}
	tv, err := build()
	if err != nil || !shared {
		return tv, nil, err
	}
	var buf bytes.Buffer
	if len(tv.Comments) > 0 || r.partial != "thread-body" {
		if err := s.views.executePartialIn(&buf, lang, r.view, r.partial, tv); err != nil {
			return tv, nil, fmt.Errorf("render %s of thread %d: %w", r.partial, r.thread.ID, err)
		}
	}
	return tv, s.cache.put(key, buf.Bytes()), nil
}

// useBody puts a cached comment list into a thread view about to be
// rendered: the list's place holds the marker, and the view no longer needs
// its comments.
func (tv *threadView) useBody(body *rendered) *threadSlot {
	if body == nil {
		return nil
	}
	tv.Comments = nil
	if len(body.body) > 0 {
		tv.Body = template.HTML(threadBodyMarker)
	}
	return &threadSlot{body: body, stamp: tv.Form.Stamp}
}

// writeHTML answers with a rendered page. When the page holds a cached
// comment list, the page is written around it: the list's bytes are copied
// (or its compressed form joined into the gzip stream), and a weak entity
// tag covers everything but the form's stamp, so a reader who has the page
// gets a 304 until something they would see changes.
func (s *Server) writeHTML(c *gin.Context, status int, page []byte, slot *threadSlot) {
	i := -1
	if slot != nil {
		i = bytes.Index(page, []byte(threadBodyMarker))
	}
	if i < 0 {
		c.Data(status, htmlContentType, page)
		return
	}
	prefix, suffix := page[:i], page[i+len(threadBodyMarker):]
	s.writeParts(c, status, pageETag(prefix, slot.body.etag, suffix, slot.stamp),
		[]segment{{fresh: prefix}, {cached: slot.body}, {fresh: suffix}})
}

// htmlContentType is the content type of every page.
const htmlContentType = "text/html; charset=utf-8"

// writeParts writes a page made of cached and fresh parts, straight to the
// connection: copying a large thread into one more buffer per request costs
// more than everything else here. A successful read carries etag and is
// answered 304 when the client holds it already.
func (s *Server) writeParts(c *gin.Context, status int, etag string, parts []segment) {
	h := c.Writer.Header()
	if status == http.StatusOK && (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) {
		h["Etag"] = []string{etag}
		if notModified(c.Request, etag) {
			c.Status(http.StatusNotModified)
			return
		}
	}
	h["Content-Type"] = htmlTypeValues
	var pieces [][]byte
	var length int
	if acceptsGzip(c.GetHeader("Accept-Encoding")) && c.Request.Method != http.MethodHead {
		h["Content-Encoding"] = gzipValues
		pieces, length = s.cache.gzipJoin(parts)
	} else {
		pieces, length = plainPieces(parts)
	}
	h["Content-Length"] = lengthValues(length)
	c.Status(status)
	s.cache.writePieces(c.Writer, pieces)
}

// pageETag is a weak tag of a page from its fresh parts, without the form
// stamp that changes every second, and the tag of its cached list.
func pageETag(prefix []byte, bodyTag string, suffix []byte, stamp string) string {
	h := fnv.New64a()
	for _, part := range [][]byte{prefix, []byte(bodyTag), suffix} {
		if stamp != "" {
			part = bytes.ReplaceAll(part, []byte(stamp), nil)
		}
		h.Write(part)
		h.Write([]byte{0})
	}
	return `W/"p` + strconv.FormatUint(h.Sum64(), 36) + `"`
}
