package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"parley/static"
)

// asset is one embedded static file with its content hash and a gzipped copy.
type asset struct {
	name, hash, contentType string
	body, gz                []byte
}

// assets serves static files under content-hashed names
// (/static/app.3f2a1b0c9d8e.css, cached for a year) and under their plain
// names (/static/embed.js, the loader site owners paste, cached briefly).
type assets struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		body, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		return a.add(p, body)
	})
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	for name, parts := range bundles {
		var body bytes.Buffer
		for _, p := range parts {
			it, ok := a.byName[p]
			if !ok {
				return nil, fmt.Errorf("static: bundle %s: no file %s", name, p)
			}
			fmt.Fprintf(&body, "/* %s */\n%s\n;\n", p, bytes.TrimSpace(it.body))
		}
		if err := a.add(name, body.Bytes()); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// bundles are files served as one, so that a reader's page makes one
// request for its scripts. The parts stay separate files in static/, each
// a self-contained function that looks for its elements and does nothing
// on a page without them.
var bundles = map[string][]string{
	"reader.js": {"app.js", "thread.js", "edit.js", "preview.js"},
}

// assetTypes are the content types of the kinds of file static/ holds.
// They are Parley's own rather than the system's MIME table
// (mime.TypeByExtension), which differs between machines and costs the
// server 0.4 MB to load.
var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
}

// add registers a file under its plain and its content-hashed name, with a
// gzipped copy made once.
func (a *assets) add(name string, body []byte) error {
	contentType, ok := assetTypes[path.Ext(name)]
	if !ok {
		return fmt.Errorf("static: %s: no content type for %q files in assetTypes", name, path.Ext(name))
	}
	sum := sha256.Sum256(body)
	it := &asset{name: name, hash: hex.EncodeToString(sum[:6]), body: body, gz: gzipBest(body), contentType: contentType}
	a.byName[name] = it
	a.byHashed[hashedName(name, it.hash)] = it
	return nil
}

func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// url returns the hashed URL of a static file; views call it as {{asset "app.css"}}.
func (a *assets) url(name string) (string, error) {
	it, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("static: no asset %q", name)
	}
	return "/static/" + hashedName(name, it.hash), nil
}

func (s *Server) static(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	cache := "public, max-age=31536000, immutable"
	it, ok := s.assets.byHashed[name]
	if !ok {
		if it, ok = s.assets.byName[name]; !ok {
			s.notFound(c)
			return
		}
		cache = "public, max-age=300"
	}
	etag := `"` + it.hash + `"`
	h := c.Writer.Header()
	h.Set("Cache-Control", cache)
	h.Set("ETag", etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		c.Data(http.StatusOK, it.contentType, it.gz)
		return
	}
	c.Data(http.StatusOK, it.contentType, it.body)
}
