package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

const queuePageSize = 50

// actionStatus maps the queue's actions to the status they set. Restore
// sends a removed or spam comment back to the pending queue for review.
var actionStatus = map[string]models.Status{
	"approve": models.StatusApproved,
	"remove":  models.StatusRemoved,
	"spam":    models.StatusSpam,
	"restore": models.StatusPending,
}

func (s *Server) adminHome(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, "/admin/queue")
}

type queueTab struct {
	Status models.Status
	Count  int
	Active bool
	URL    string
}

type queueView struct {
	Status models.Status
	SiteID string
	Sites  []models.Site
	Tabs   []queueTab
	Items  []store.QueueItem
	Return string
	Next   string
}

func (s *Server) queuePage(c *gin.Context) {
	status := models.Status(c.DefaultQuery("status", string(models.StatusPending)))
	if !status.Valid() {
		s.fail(c, http.StatusBadRequest, "bad_status", "Unknown queue.")
		return
	}
	siteID := c.Query("site")
	var before uint
	if b, err := strconv.ParseUint(c.Query("before"), 10, 64); err == nil {
		before = uint(b)
	}
	ctx := c.Request.Context()
	items, err := s.store.Queue(ctx, store.QueueFilter{Status: status, SiteID: siteID, Before: before, Limit: queuePageSize + 1})
	if err != nil {
		s.serverError(c, err)
		return
	}
	counts, err := s.store.QueueCounts(ctx, siteID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := queueView{Status: status, SiteID: siteID, Sites: sites, Return: c.Request.URL.RequestURI()}
	for _, st := range models.Statuses {
		view.Tabs = append(view.Tabs, queueTab{Status: st, Count: counts[st], Active: st == status, URL: queueURL(st, siteID, 0)})
	}
	if len(items) > queuePageSize {
		items = items[:queuePageSize]
		view.Next = queueURL(status, siteID, items[len(items)-1].ID)
	}
	view.Items = items
	s.render(c, http.StatusOK, "admin_queue", pageData{Title: "Moderation queue", Data: view})
}

func queueURL(status models.Status, siteID string, before uint) string {
	q := url.Values{"status": {string(status)}}
	if siteID != "" {
		q.Set("site", siteID)
	}
	if before > 0 {
		q.Set("before", strconv.FormatUint(uint64(before), 10))
	}
	return "/admin/queue?" + q.Encode()
}

func (s *Server) commentAction(c *gin.Context) {
	status, ok := actionStatus[c.Param("action")]
	if !ok {
		s.notFound(c)
		return
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if _, err := s.store.Comment(c.Request.Context(), uint(id)); err != nil {
		if isNotFound(err) {
			s.notFound(c)
			return
		}
		s.serverError(c, err)
		return
	}
	s.applyStatus(c, []uint{uint(id)}, status)
}

func (s *Server) bulkAction(c *gin.Context) {
	status, ok := actionStatus[c.PostForm("action")]
	if !ok {
		s.fail(c, http.StatusBadRequest, "bad_action", "Choose approve, remove, spam or restore.")
		return
	}
	var ids []uint
	for _, raw := range c.PostFormArray("ids") {
		id, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			s.fail(c, http.StatusBadRequest, "bad_ids", "The selection is not valid.")
			return
		}
		ids = append(ids, uint(id))
	}
	if len(ids) == 0 {
		s.backToQueue(c)
		return
	}
	s.applyStatus(c, ids, status)
}

func (s *Server) applyStatus(c *gin.Context, ids []uint, status models.Status) {
	if _, err := s.store.SetStatus(c.Request.Context(), ids, status, actorOf(c), c.PostForm("note")); err != nil {
		s.serverError(c, err)
		return
	}
	s.backToQueue(c)
}

// backToQueue returns a scripted caller 204 and a browser to where it was.
func (s *Server) backToQueue(c *gin.Context) {
	if wantsJSON(c) {
		c.Status(http.StatusNoContent)
		return
	}
	back := safeNext(c.PostForm("return"))
	if back == "" {
		back = "/admin/queue"
	}
	c.Redirect(http.StatusSeeOther, back)
}

type auditView struct {
	Entries []models.AuditEntry
	Next    string
}

func (s *Server) auditPage(c *gin.Context) {
	var before uint
	if b, err := strconv.ParseUint(c.Query("before"), 10, 64); err == nil {
		before = uint(b)
	}
	entries, err := s.store.AuditEntries(c.Request.Context(), before, 101)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := auditView{Entries: entries}
	if len(entries) > 100 {
		view.Entries = entries[:100]
		view.Next = fmt.Sprintf("/admin/audit?before=%d", entries[99].ID)
	}
	s.render(c, http.StatusOK, "admin_audit", pageData{Title: "Audit log", Data: view})
}
