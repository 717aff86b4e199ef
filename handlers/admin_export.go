package handlers

import (
	"compress/gzip"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// exportDownloadTime bounds how long one export download may take, in
// place of the server's usual write timeout.
const exportDownloadTime = time.Hour

// exportDump is GET /admin/export[?site=S]: what "parley export" writes,
// gzipped, as a file to download (never with the signing keys). The dump
// goes to a temporary file first, so that the database's snapshot is held
// for as long as writing it takes rather than for a slow download; the
// file is then served with its length, and ranges for a download that
// resumes. Every export is in the audit log: it carries every commenter's
// email and IP address.
func (s *Server) exportDump(c *gin.Context) {
	ctx := c.Request.Context()
	site := strings.TrimSpace(c.Query("site"))
	if site != "" {
		if _, err := s.store.Site(ctx, site); errors.Is(err, models.ErrNotFound) {
			s.failT(c, http.StatusNotFound, "unknown_site", "export.unknown_site", "site", site)
			return
		} else if err != nil {
			s.serverError(c, err)
			return
		}
	}
	// A big database takes a while to write before the first byte goes out.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(exportDownloadTime))
	f, err := os.CreateTemp("", "parley-export-*.json.gz")
	if err != nil {
		s.serverError(c, fmt.Errorf("export: %w", err))
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	zw := gzip.NewWriter(f)
	err = s.store.Export(ctx, zw, store.ExportOptions{SiteID: site})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		s.serverError(c, fmt.Errorf("export: %w", err))
		return
	}
	actor := actorOf(c)
	note := "every site"
	if site != "" {
		note = "site " + site
	}
	if err := s.store.AddAudit(ctx, &models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name,
		Action: "export", Note: note}); err != nil {
		s.serverError(c, err)
		return
	}
	name := "parley-export-" + time.Now().UTC().Format("2006-01-02") + ".json.gz"
	if site != "" {
		name = "parley-export-" + site + "-" + time.Now().UTC().Format("2006-01-02") + ".json.gz"
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
	http.ServeContent(c.Writer, c.Request, name, time.Now(), f)
}
