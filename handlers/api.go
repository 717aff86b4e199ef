package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/moderation"
	"parley/models/store"
)

// API paging limits, in top-level comments.
const (
	defaultPageLimit = 50
	maxPageLimit     = 100
	maxCountPages    = 200
)

// commentDTO is a comment as the public API shows it: no email, IP or user
// agent exist on this type, so they can never be serialized.
type commentDTO struct {
	ID        uint         `json:"id"`
	ParentID  *uint        `json:"parent_id"`
	Author    string       `json:"author"`
	Website   string       `json:"website"`
	Avatar    string       `json:"avatar"`
	HTML      string       `json:"html"`
	CreatedAt time.Time    `json:"created_at"`
	EditedAt  *time.Time   `json:"edited_at"`
	Score     int          `json:"score"`
	Pinned    bool         `json:"pinned,omitempty"`
	Replies   []commentDTO `json:"replies"`
	removed   bool
	gravatar  string // shown as the avatar on sites that opted in; see useGravatarDTOs
}

// MarshalJSON writes a removed comment with public replies as a bare
// placeholder: its id, "removed": true and the replies, nothing else.
func (d commentDTO) MarshalJSON() ([]byte, error) {
	if d.removed {
		return json.Marshal(struct {
			ID      uint         `json:"id"`
			Removed bool         `json:"removed"`
			Replies []commentDTO `json:"replies"`
		}{d.ID, true, d.Replies})
	}
	type plain commentDTO
	return json.Marshal(plain(d))
}

func toDTO(n *models.Node) commentDTO {
	d := commentDTO{ID: n.Comment.ID, removed: n.Removed, Replies: make([]commentDTO, 0, len(n.Replies))}
	if !n.Removed {
		c := n.Comment
		d.ParentID, d.Author, d.Website, d.HTML = c.ParentID, c.Author, c.Website, c.HTML
		d.Avatar, d.CreatedAt, d.EditedAt, d.Score = avatarURL(c.Email, c.Author), c.CreatedAt, c.EditedAt, c.Score
		d.gravatar = gravatarFor(c.Email)
		d.Pinned = c.Pinned
	}
	for _, r := range n.Replies {
		d.Replies = append(d.Replies, toDTO(r))
	}
	return d
}

func commentToDTO(c models.Comment) commentDTO {
	return toDTO(&models.Node{Comment: c})
}

type threadDTO struct {
	Site   string `json:"site"`
	Page   string `json:"page"`
	Title  string `json:"title"`
	Count  int    `json:"count"`
	Closed bool   `json:"closed"`
}

type listResponse struct {
	Thread     threadDTO    `json:"thread"`
	Comments   []commentDTO `json:"comments"`
	NextCursor *string      `json:"next_cursor"`
}

// cursorData is the opaque paging cursor, base64url JSON.
type cursorData struct {
	Sort  string    `json:"s"`
	ID    uint      `json:"i"`
	Score int       `json:"c"`
	At    time.Time `json:"t"`
	Pin   bool      `json:"p,omitempty"`
}

func encodeCursor(sort string, c *models.Cursor) *string {
	if c == nil {
		return nil
	}
	b, _ := json.Marshal(cursorData{Sort: sort, ID: c.ID, Score: c.Score, At: c.CreatedAt, Pin: c.Pinned})
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

func decodeCursor(raw, sort string) (*models.Cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, false
	}
	var d cursorData
	if json.Unmarshal(b, &d) != nil || d.Sort != sort {
		return nil, false
	}
	return &models.Cursor{ID: d.ID, Pinned: d.Pin, Score: d.Score, CreatedAt: d.At}, true
}

func (s *Server) apiListComments(c *gin.Context) {
	siteID, page := c.Query("site"), c.Query("page")
	if siteID == "" || page == "" {
		s.fail(c, http.StatusBadRequest, "bad_request", "Both site and page are required.")
		return
	}
	sortBy := c.DefaultQuery("sort", models.SortOldest)
	if !models.ValidSort(sortBy) {
		s.fail(c, http.StatusBadRequest, "bad_sort", "sort must be oldest, newest or top.")
		return
	}
	limit := defaultPageLimit
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if errors.Is(err, strconv.ErrRange) && raw[0] != '-' {
			n, err = maxPageLimit, nil
		}
		if err != nil || n < 1 {
			s.fail(c, http.StatusBadRequest, "bad_limit", "limit must be a positive whole number.")
			return
		}
		limit = min(n, maxPageLimit)
	}
	var after *models.Cursor
	if raw := c.Query("cursor"); raw != "" {
		var ok bool
		if after, ok = decodeCursor(raw, sortBy); !ok {
			s.fail(c, http.StatusBadRequest, "bad_cursor", "The cursor is not valid for this sort order.")
			return
		}
	}
	ctx := c.Request.Context()
	head, err := s.store.ThreadHead(ctx, siteID, page)
	if errors.Is(err, models.ErrNotFound) {
		s.fail(c, http.StatusNotFound, "unknown_site", "There is no such site.")
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	resp := listResponse{Thread: threadDTO{Site: siteID, Page: page}, Comments: []commentDTO{}}
	thread := head.Thread
	if thread.ID == 0 {
		c.JSON(http.StatusOK, resp)
		return
	}
	site, err := s.siteAsOf(ctx, siteID, head.SiteUpdated)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if _, err := s.closeIfDue(ctx, site, &thread); err != nil {
		s.serverError(c, err)
		return
	}
	viewer := s.commenterKey(c, c.Query("commenter_key"))
	shared, err := s.sharedView(ctx, thread.ID, viewer)
	if err != nil {
		s.serverError(c, err)
		return
	}
	key := threadKey("json", thread, site, sortBy, c.Query("cursor"), strconv.Itoa(limit), strconv.FormatBool(thread.Closed))
	release := noRelease
	if shared {
		var hit *rendered
		if hit, release = s.cache.claim(ctx, key); hit != nil {
			s.serveRendered(c, hit, jsonContentType)
			return
		}
		defer release()
	}
	paged, err := s.store.ThreadPage(ctx, thread.ID, store.PageQuery{Sort: sortBy, After: after, Limit: limit, Viewer: viewer})
	if err != nil {
		s.serverError(c, err)
		return
	}
	pageNodes, _ := models.BuildTree(asSeenBy(paged.Comments, viewer), sortBy)
	resp.Thread = threadDTO{Site: siteID, Page: page, Title: thread.Title, Count: thread.Count, Closed: thread.Closed}
	for _, n := range pageNodes {
		resp.Comments = append(resp.Comments, toDTO(n))
	}
	useGravatarDTOs(site.Settings, resp.Comments)
	resp.NextCursor = encodeCursor(sortBy, paged.Next)
	if !shared {
		c.JSON(http.StatusOK, resp)
		return
	}
	body, err := json.Marshal(resp)
	if err != nil {
		s.serverError(c, fmt.Errorf("api: encode thread %d: %w", thread.ID, err))
		return
	}
	kept := s.cache.put(key, body)
	release() // the waiting requests need not wait for this one's write
	s.serveRendered(c, kept, jsonContentType)
}

// createRequest is the JSON body of a new comment. Fields a client may not
// set (status, id, …) have no place here and are ignored.
type createRequest struct {
	Site     string `json:"site"`
	Page     string `json:"page"`
	ParentID *uint  `json:"parent_id"`
	Author   string `json:"author"`
	Email    string `json:"email"`
	Website  string `json:"website"`
	Body     string `json:"body"`
	Notify   bool   `json:"notify"`
	// CommenterKey is the signed key a previous answer gave this browser.
	CommenterKey string `json:"commenter_key"`
}

type createResponse struct {
	Comment   commentDTO `json:"comment"`
	Status    string     `json:"status"`
	EditToken string     `json:"edit_token"`
	// CommenterKey is the browser's signed key: the one it sent, or a new
	// one on its first comment. Keep it and send it with the next comment.
	CommenterKey string `json:"commenter_key"`
}

// decodeJSON reads a JSON body, answering 415, 413 or 400 itself.
func (s *Server) decodeJSON(c *gin.Context, dst any) bool {
	if !s.wantJSON(c) {
		return false
	}
	dec := json.NewDecoder(c.Request.Body)
	err := dec.Decode(dst)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON value")
	}
	if err != nil {
		if tooLarge(err) {
			s.fail(c, http.StatusRequestEntityTooLarge, "too_large", "The request is too large.")
		} else {
			s.fail(c, http.StatusBadRequest, "bad_json", "The body is not valid JSON of the expected shape.")
		}
		return false
	}
	return true
}

// wantJSON answers 415 and returns false unless the request says its body
// is JSON.
func (s *Server) wantJSON(c *gin.Context) bool {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		s.fail(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
		return false
	}
	return true
}

func (s *Server) apiCreateComment(c *gin.Context) {
	var req createRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if req.ParentID != nil && *req.ParentID == 0 {
		req.ParentID = nil
	}
	created, err := s.createComment(c.Request.Context(), newComment{
		SiteID: req.Site, Page: req.Page, ParentID: req.ParentID,
		Author: req.Author, Email: req.Email, Website: req.Website, Body: req.Body, Notify: req.Notify,
		IP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
		CommenterKey:   s.commenterKey(c, req.CommenterKey),
		AcceptLanguage: c.GetHeader("Accept-Language"),
	})
	if err != nil {
		s.apiCreateError(c, err)
		return
	}
	status := string(models.StatusApproved)
	if created.Comment.Status != models.StatusApproved && !created.Shadow {
		// Spam answers exactly like a held comment: bots learn nothing.
		status = string(models.StatusPending)
	}
	key := req.CommenterKey
	if created.CommenterToken != "" {
		key = created.CommenterToken
	}
	dto := commentToDTO(created.Comment)
	dto.Avatar = siteAvatar(created.Site.Settings, created.Comment.Email, created.Comment.Author)
	c.JSON(http.StatusCreated, createResponse{Comment: dto, Status: status,
		EditToken: created.EditToken, CommenterKey: key})
}

func (s *Server) apiCreateError(c *gin.Context, err error) {
	var verr *models.ValidationError
	var limited errRateLimited
	var refusal *moderation.Refusal
	switch {
	case errors.As(err, &verr):
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: verr.Error(), Code: "invalid", Field: verr.Fields})
	case errors.As(err, &limited):
		retryAfter(c, limited.wait)
		s.fail(c, http.StatusTooManyRequests, "rate_limited", "Too many comments from this address; try again later.")
	case errors.Is(err, models.ErrInvalidSite):
		s.fail(c, http.StatusNotFound, "unknown_site", "There is no such site.")
	case errors.Is(err, models.ErrNotFound):
		s.fail(c, http.StatusNotFound, "unknown_page", "This page has no comment thread.")
	case errors.Is(err, models.ErrThreadClosed):
		s.fail(c, http.StatusForbidden, "thread_closed", "Comments are closed on this page.")
	case errors.Is(err, models.ErrBadParent):
		s.fail(c, http.StatusUnprocessableEntity, "bad_parent", "The comment you are replying to is not available.")
	case errors.As(err, &refusal):
		s.fail(c, refusalStatus(refusal), refusal.Code, refusal.Message)
	default:
		s.serverError(c, err)
	}
}

// refusalStatus is the HTTP status for a comment the rules refused.
func refusalStatus(r *moderation.Refusal) int {
	if r.Code == moderation.CodeDuplicate {
		return http.StatusConflict
	}
	return http.StatusForbidden
}

type countsRequest struct {
	Site  string   `json:"site"`
	Pages []string `json:"pages"`
}

func (s *Server) apiCounts(c *gin.Context) {
	q, ok := s.readCountsQuery(c)
	if !ok {
		return
	}
	req := q.req
	if req.Site == "" {
		s.fail(c, http.StatusBadRequest, "bad_request", "site is required.")
		return
	}
	if len(req.Pages) > maxCountPages {
		s.fail(c, http.StatusBadRequest, "too_many_pages", "Ask for at most 200 pages at once.")
		return
	}
	ctx := c.Request.Context()
	siteUpdated, found, err := s.store.SiteUpdated(ctx, req.Site)
	if err != nil {
		s.serverError(c, err)
		return
	}
	language := models.LanguageAuto
	if found {
		site, err := s.siteAsOf(ctx, req.Site, siteUpdated)
		if err != nil {
			s.serverError(c, err)
			return
		}
		language = site.Settings.Language
	}
	tr := s.useSiteLanguage(c, language)
	words := countWords(tr)
	release := noRelease
	key := s.countsKey(c, req.Site, q.digest, siteUpdated, found)
	if key != "" {
		var hit *rendered
		if hit, release = s.cache.claim(ctx, key); hit != nil {
			s.serveRendered(c, hit, jsonContentType)
			return
		}
		defer release()
	}
	counts := map[string]int{}
	if found {
		if counts, err = s.store.PageCounts(ctx, req.Site, req.Pages); err != nil {
			s.serverError(c, err)
			return
		}
	}
	out := make(map[string]int, len(req.Pages))
	for _, p := range req.Pages {
		out[p] = counts[p]
	}
	// lang is the language of the words, so that count.js groups digits as they do.
	body, err := json.Marshal(gin.H{"counts": out, "words": words, "lang": tr.Lang()})
	if err != nil {
		s.serverError(c, fmt.Errorf("api: encode counts: %w", err))
		return
	}
	kept := newRendered(key, body)
	if key != "" {
		kept = s.cache.put(key, body)
		release()
	}
	s.serveRendered(c, kept, jsonContentType)
}

// countsKey names a counts answer in the render cache: the site and its
// last settings change, the answer's language, the queue's version (which
// every change to a thread's count moves, see models/store/queueversion.go)
// and the pages asked for. "" when it cannot be cached (cache off, or the
// version unreadable).
func (s *Server) countsKey(c *gin.Context, site string, pages [sha256.Size]byte, siteUpdated time.Time, found bool) string {
	if s.cache.max == 0 {
		return ""
	}
	version, err := s.store.QueueVersion(c.Request.Context())
	if err != nil {
		s.log.Warn("queue version", "err", err, "request_id", requestID(c))
		return ""
	}
	return fmt.Sprintf("counts|%s|%d|%t|%s|%d|%x", site, siteUpdated.UnixNano(), found, s.tr(c).Lang(), version, pages)
}
