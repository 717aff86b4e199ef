package handlers

import (
	"compress/gzip"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// compress gzips text responses (HTML, JSON, CSS, XML, SVG) for clients
// that accept it. Responses that already carry a Content-Encoding, such as
// the pre-gzipped static assets, pass through untouched.
func compress() gin.HandlerFunc {
	pool := &sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
		return zw
	}}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		if len(h["Vary"]) == 0 {
			// Room for Origin (CORS) and Accept-Language (the language),
			// which are added later: each Add would copy the slice.
			h["Vary"] = append(make([]string, 0, 3), "Accept-Encoding")
		} else {
			h.Add("Vary", "Accept-Encoding")
		}
		if !acceptsGzip(c.GetHeader("Accept-Encoding")) || c.Request.Method == http.MethodHead {
			c.Next()
			return
		}
		orig := c.Writer
		w := &gzipWriter{ResponseWriter: orig, pool: pool}
		c.Writer = w
		defer func() {
			w.close()
			c.Writer = orig
		}()
		c.Next()
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for header != "" { // strings.Cut rather than Split: no slice to allocate
		var part string
		part, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// compressible reports whether a response of this content type is worth gzipping.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/atom+xml", "application/xml", "image/svg+xml", "application/javascript":
		return true
	}
	// Server-sent events must reach the client as they are written.
	return strings.HasPrefix(mt, "text/") && mt != "text/event-stream"
}

// gzipWriter decides at the first write, when the headers are known,
// whether to compress.
type gzipWriter struct {
	gin.ResponseWriter
	pool    *sync.Pool
	zw      *gzip.Writer
	decided bool
}

func (w *gzipWriter) start() {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	status := w.Status()
	if w.Written() || h.Get("Content-Encoding") != "" || !compressible(h.Get("Content-Type")) ||
		status == http.StatusNoContent || status == http.StatusNotModified || status < 200 {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	w.zw = w.pool.Get().(*gzip.Writer)
	w.zw.Reset(w.ResponseWriter)
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	w.start()
	if w.zw == nil {
		return w.ResponseWriter.Write(b)
	}
	return w.zw.Write(b)
}

func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush sends what was compressed so far.
func (w *gzipWriter) Flush() {
	if w.zw != nil {
		_ = w.zw.Flush()
	}
	w.ResponseWriter.Flush()
}

// Unwrap gives http.ResponseController the writer underneath, for its
// deadlines.
func (w *gzipWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// close finishes the gzip stream and returns the writer to the pool.
func (w *gzipWriter) close() {
	if w.zw == nil {
		return
	}
	_ = w.zw.Close()
	w.zw.Reset(nil)
	w.pool.Put(w.zw)
	w.zw = nil
}
