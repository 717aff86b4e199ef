package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/moderation"
	"parley/models/store"
)

const (
	queuePageSize = 50

	// queueScanWindow is how many of a tab's newest comments one page of
	// a text or author search reads: those filters have no index, and a
	// search of a million comments would outlast the server's write
	// timeout. The page links to the next window.
	queueScanWindow = 20_000

	auditPageSize = 100
	maxNoteRunes  = 500

	// auditIDsHeader carries, on a scripted action's 204, the ids of the
	// audit entries the action wrote (comma-separated), so the page can
	// undo exactly that action later.
	auditIDsHeader = "X-Parley-Audit-Ids"
)

// actionStatus maps the queue's actions to the status they set. Restore
// sends a removed or spam comment back to the pending queue for review.
var actionStatus = map[string]models.Status{
	"approve": models.StatusApproved,
	"remove":  models.StatusRemoved,
	"spam":    models.StatusSpam,
	"restore": models.StatusPending,
}

var reasonCodePattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

func (s *Server) adminHome(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, "/admin/queue")
}

// queueParams is the queue page's query string: the tab, the filters and
// the keyset cursor.
type queueParams struct {
	Status                     models.Status
	Site, Page, Reason, Author string
	Q                          string
	Before                     uint
}

// parseQueueParams reads and checks the query; ok is false for input that
// no link of ours produces.
func parseQueueParams(q url.Values) (p queueParams, ok bool) {
	p = queueParams{Status: models.Status(q.Get("status")), Site: strings.TrimSpace(q.Get("site")),
		Page: strings.TrimSpace(q.Get("page")), Reason: q.Get("reason"),
		Author: strings.TrimSpace(q.Get("author")), Q: strings.TrimSpace(q.Get("q"))}
	if p.Status == "" {
		p.Status = models.StatusPending
	}
	if raw := q.Get("before"); raw != "" {
		b, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return p, false
		}
		p.Before = uint(b)
	}
	return p, p.Status.Valid() && (p.Reason == "" || reasonCodePattern.MatchString(p.Reason)) &&
		len(p.Site) <= 64 && len(p.Page) <= 500 && len(p.Author) <= 254 && utf8.RuneCountInString(p.Q) <= 200
}

// url links to the queue with these filters on another tab or page.
func (p queueParams) url(status models.Status, before uint) string {
	q := url.Values{"status": {string(status)}}
	for k, v := range map[string]string{"site": p.Site, "page": p.Page, "reason": p.Reason, "author": p.Author, "q": p.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if before > 0 {
		q.Set("before", strconv.FormatUint(uint64(before), 10))
	}
	return "/admin/queue?" + q.Encode()
}

// Filtered reports whether any filter besides the tab and site is on.
func (p queueParams) Filtered() bool {
	return p.Page != "" || p.Reason != "" || p.Author != "" || p.Q != ""
}

type queueTab struct {
	Status models.Status
	Count  int
	Active bool
	URL    string
}

type reasonOption struct{ Code, Label string }

// reasonOptions are the reason codes the queue can filter on.
func reasonOptions() []reasonOption {
	return []reasonOption{
		{moderation.CodePreModeration, "Pre-moderation"}, {moderation.CodeFirstTime, "First-time commenter"},
		{moderation.CodeLinks, "Too many links"}, {moderation.CodeHoldWord, "Hold word"},
		{moderation.CodeBlockWord, "Block word"}, {moderation.CodeOldPost, "Old post"},
		{moderation.CodeHoneypot, "Spam trap"}, {moderation.CodeTooFast, "Sent too fast"},
		{moderation.CodeAkismet, "Akismet"}, {moderation.CodeShadowBan, "Shadow ban"},
		{"flags", "Flagged by readers"},
	}
}

type queueView struct {
	queueParams
	Sites   []models.Site
	Reasons []reasonOption
	Tabs    []queueTab
	Items   []queueRow
	Return  string
	Next    string
	First   string

	// ScannedTo is the oldest comment a bounded search read when older
	// ones are left to search, and SearchOlder links to them.
	ScannedTo   uint
	ScanWindow  int
	SearchOlder string
}

// AuthorURL filters the current tab by one author.
func (v queueView) AuthorURL(author string) string {
	p := v.queueParams
	p.Author = author
	return p.url(p.Status, 0)
}

// PageURL filters the current tab by one page of one site.
func (v queueView) PageURL(site, page string) string {
	p := v.queueParams
	p.Site, p.Page = site, page
	return p.url(p.Status, 0)
}

func (s *Server) queuePage(c *gin.Context) {
	p, ok := parseQueueParams(c.Request.URL.Query())
	if !ok {
		s.fail(c, http.StatusBadRequest, "bad_filter", "Unknown queue or filter.")
		return
	}
	cache, served, release := s.queueCaching(c)
	defer release()
	if served {
		return
	}
	ctx := c.Request.Context()
	f := store.QueueFilter{Status: p.Status, SiteID: p.Site, Reason: p.Reason, Author: p.Author,
		Search: p.Q, Before: p.Before, Limit: queuePageSize + 1, ScanLimit: s.queueScanWindow}
	items, scannedTo, err := s.queueItems(ctx, p, f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	counts, err := s.store.QueueCounts(ctx, p.Site)
	if err != nil {
		s.serverError(c, err)
		return
	}
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := queueView{queueParams: p, Sites: sites, Reasons: reasonOptions(), Return: c.Request.URL.RequestURI()}
	for _, st := range models.Statuses {
		view.Tabs = append(view.Tabs, queueTab{Status: st, Count: counts[st], Active: st == p.Status, URL: p.url(st, 0)})
	}
	if len(items) > queuePageSize {
		items = items[:queuePageSize]
		view.Next = p.url(p.Status, items[len(items)-1].ID)
	} else if scannedTo > 0 {
		view.ScannedTo, view.ScanWindow, view.SearchOlder = scannedTo, f.ScanLimit, p.url(p.Status, scannedTo)
	}
	if p.Before > 0 {
		view.First = p.url(p.Status, 0)
	}
	view.Items = queueRows(view, items, s.tr(c), time.Now())
	s.render(c, http.StatusOK, "admin_queue", pageData{Title: s.tr(c).T("queue.title"), Data: view, cache: cache})
}

// queueItems runs the queue query. One page of one site is one thread, so
// that filter becomes the thread's id, which the (thread_id, status) index
// serves directly; an unknown page has no comments.
func (s *Server) queueItems(ctx context.Context, p queueParams, f store.QueueFilter) (items []store.QueueItem, scannedTo uint, err error) {
	if p.Site == "" || p.Page == "" {
		f.Page = p.Page
		return s.store.QueueWindow(ctx, f)
	}
	th, err := s.store.Thread(ctx, p.Site, p.Page)
	if isNotFound(err) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	f.ThreadID = th.ID
	return s.store.QueueWindow(ctx, f)
}

func (s *Server) commentAction(c *gin.Context) {
	switch c.Param("action") {
	case "ban":
		s.banFromComment(c)
		return
	case "pin", "unpin":
		s.pinAction(c)
		return
	case "edit":
		s.modEdit(c)
		return
	}
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
	raw := c.PostFormArray("ids")
	if len(raw) > 500 {
		s.fail(c, http.StatusBadRequest, "bad_ids", "Select at most 500 comments at once.")
		return
	}
	var ids []uint
	for _, r := range raw {
		id, err := strconv.ParseUint(r, 10, 64)
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

// applyStatus changes the comments' status with one audit entry each,
// reports spam and ham decisions to Akismet (when configured), and answers
// a script with the entries' ids in auditIDsHeader.
func (s *Server) applyStatus(c *gin.Context, ids []uint, status models.Status) {
	note, ok := s.auditNote(c)
	if !ok {
		return
	}
	entries, err := s.store.Moderate(c.Request.Context(), ids, status, actorOf(c), note)
	if err != nil {
		s.serverError(c, err)
		return
	}
	changed := make([]uint, 0, len(entries))
	for _, e := range entries {
		changed = append(changed, *e.CommentID)
	}
	s.reportToAkismet(changed, status)
	c.Header(auditIDsHeader, joinAuditIDs(entries))
	s.backToQueue(c)
}

// auditNote reads the optional note for the audit log; a note that is too
// long is the client's mistake, answered with 400.
func (s *Server) auditNote(c *gin.Context) (string, bool) {
	note := strings.TrimSpace(c.PostForm("note"))
	if utf8.RuneCountInString(note) > maxNoteRunes {
		s.fail(c, http.StatusBadRequest, "bad_note", fmt.Sprintf("The note can have at most %d characters.", maxNoteRunes))
		return "", false
	}
	return note, true
}

func joinAuditIDs(entries []models.AuditEntry) string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = strconv.FormatUint(uint64(e.ID), 10)
	}
	return strings.Join(ids, ",")
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

// undoAudit reverses the comment status change of one audit entry, if the
// comment still has the status that change gave it.
func (s *Server) undoAudit(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	undo, err := s.store.Undo(c.Request.Context(), uint(id), actorOf(c))
	var conflict *store.UndoConflictError
	switch {
	case isNotFound(err):
		s.notFound(c)
		return
	case errors.Is(err, store.ErrNotUndoable):
		s.fail(c, http.StatusUnprocessableEntity, "not_undoable", "Only a change of a comment's status can be undone.")
		return
	case errors.As(err, &conflict):
		msg := fmt.Sprintf("Not undone: comment #%d is %s now, not %s, so someone changed it since.",
			conflict.CommentID, conflict.Now, conflict.Want)
		if wantsJSON(c) {
			c.AbortWithStatusJSON(http.StatusConflict, apiErr(msg, "conflict"))
			return
		}
		s.showAudit(c, http.StatusConflict, 0, msg)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	c.Header(auditIDsHeader, strconv.FormatUint(uint64(undo.ID), 10))
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"audit_id": undo.ID, "comment_id": *undo.CommentID, "status": undo.After})
		return
	}
	back := safeNext(c.PostForm("return"))
	if back == "" {
		back = "/admin/audit"
	}
	u, err := url.Parse(back)
	if err != nil {
		u = &url.URL{Path: "/admin/audit"}
	}
	q := u.Query()
	q.Set("undone", strconv.FormatUint(uint64(undo.ID), 10))
	u.RawQuery = q.Encode()
	c.Redirect(http.StatusSeeOther, u.String())
}

// auditRow is one audit entry with what the page needs to offer its undo.
type auditRow struct {
	models.AuditEntry
	Now       models.Status // the comment's status today; "" when not a comment or gone
	CanUndo   bool
	QueueLink string
}

type auditView struct {
	Entries []auditRow
	Next    string
	Return  string
	Error   string
	Undone  *auditRow
}

func (s *Server) auditPage(c *gin.Context) {
	var before uint
	if b, err := strconv.ParseUint(c.Query("before"), 10, 64); err == nil {
		before = uint(b)
	}
	s.showAudit(c, http.StatusOK, before, "")
}

func (s *Server) showAudit(c *gin.Context, status int, before uint, problem string) {
	ctx := c.Request.Context()
	entries, err := s.store.AuditEntries(ctx, before, auditPageSize+1)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := auditView{Error: problem, Return: c.Request.URL.RequestURI()}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		view.Next = fmt.Sprintf("/admin/audit?before=%d", entries[auditPageSize-1].ID)
	}
	if c.Request.Method != http.MethodGet {
		view.Return = "/admin/audit"
	}
	var commentIDs []uint
	for _, e := range entries {
		if e.CommentID != nil {
			commentIDs = append(commentIDs, *e.CommentID)
		}
	}
	now, err := s.store.CommentStatuses(ctx, commentIDs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	undone, _ := strconv.ParseUint(c.Query("undone"), 10, 64)
	view.Entries = make([]auditRow, 0, len(entries))
	for _, e := range entries {
		row := auditRow{AuditEntry: e}
		if e.CommentID != nil {
			row.Now = now[*e.CommentID]
			row.CanUndo = row.Now != "" && string(row.Now) == e.After && models.Status(e.Before).Valid() && e.Before != e.After
			if row.Now != "" {
				row.QueueLink = fmt.Sprintf("/admin/queue?status=%s&before=%d#q-%d", row.Now, *e.CommentID+1, *e.CommentID)
			}
		}
		view.Entries = append(view.Entries, row)
		if uint64(e.ID) == undone {
			view.Undone = &view.Entries[len(view.Entries)-1]
		}
	}
	s.render(c, status, "admin_audit", pageData{Title: s.tr(c).T("audit.title"), Data: view})
}
