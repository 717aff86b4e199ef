package handlers

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
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
// goes to a temporary file first (Store.ExportFile, as scheduled backups
// of PostgreSQL do), so that the database's snapshot is held for as long
// as writing it takes rather than for a slow download; the file is then
// served with its length, and ranges for a download that resumes. Every
// export is in the audit log: it carries every commenter's email and IP
// address.
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
	name, note := "parley-export-", "every site"
	if site != "" {
		name, note = name+site+"-", "site "+site
	}
	name += time.Now().UTC().Format("2006-01-02") + ".json.gz"
	dir, err := os.MkdirTemp("", "parley-export-")
	if err != nil {
		s.serverError(c, fmt.Errorf("export: %w", err))
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	if err := s.store.ExportFile(ctx, path, store.ExportOptions{SiteID: site}); err != nil {
		s.serverError(c, fmt.Errorf("export: %w", err))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		s.serverError(c, fmt.Errorf("export: %w", err))
		return
	}
	defer f.Close()
	actor := actorOf(c)
	if err := s.store.AddAudit(ctx, &models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name,
		Action: "export", Note: note}); err != nil {
		s.serverError(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
	http.ServeContent(c.Writer, c.Request, name, time.Now(), f)
}
