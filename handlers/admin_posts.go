package handlers

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

type postsView struct {
	Posts []store.PostWithThread
	Pager postPager
}

// adminPostsPageSize is how many posts the admin's list shows at a time.
const adminPostsPageSize = 50

func (s *Server) postsPage(c *gin.Context) {
	before, ok := s.listCursor(c)
	if !ok {
		return
	}
	posts, err := s.store.Posts(c.Request.Context(), models.DefaultSiteID, before, adminPostsPageSize+1)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var view postsView
	view.Posts, view.Pager = pagePosts(posts, adminPostsPageSize, "/admin/posts", before)
	s.render(c, http.StatusOK, "admin_posts", pageData{Title: s.tr(c).T("posts.title"), Data: view})
}

// postForm is the post editor's state.
type postForm struct {
	ID        uint
	Title     string
	Slug      string
	Body      string
	Published bool
	Closed    bool
	// Moderation overrides the site's mode for this post; "" follows the site.
	Moderation string
	Preview    string // sanitized HTML of the body, when asked for
	Errors     map[string]string
	Saved      bool
}

func (s *Server) newPostPage(c *gin.Context) {
	s.render(c, http.StatusOK, "admin_post_edit", pageData{Title: s.tr(c).T("posts.new"), Data: postForm{}})
}

func (s *Server) editPostPage(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	p, err := s.store.PostByID(c.Request.Context(), uint(id))
	if isNotFound(err) {
		s.notFound(c)
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	form := postForm{ID: p.ID, Title: p.Title, Slug: p.Slug, Body: p.Body, Published: p.Published, Closed: p.Closed,
		Moderation: p.Moderation, Saved: c.Query("saved") == "1"}
	s.render(c, http.StatusOK, "admin_post_edit", pageData{Title: s.tr(c).T("post_edit.edit"), Data: form})
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// slugify makes a URL slug from a title.
func slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// savePost creates or updates a post; the "preview" button renders the
// body instead and keeps everything as typed.
func (s *Server) savePost(c *gin.Context) {
	form := postForm{
		Title:      strings.TrimSpace(c.PostForm("title")),
		Slug:       strings.TrimSpace(c.PostForm("slug")),
		Body:       c.PostForm("body"),
		Published:  c.PostForm("published") == "on",
		Closed:     c.PostForm("closed") == "on",
		Moderation: c.PostForm("moderation"),
	}
	if raw := c.Param("id"); raw != "" {
		id, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			s.notFound(c)
			return
		}
		form.ID = uint(id)
	}
	if form.Slug == "" {
		form.Slug = slugify(form.Title)
	}
	html, err := s.markup.Post(form.Body)
	if err != nil {
		s.serverError(c, err)
		return
	}
	tr := s.tr(c)
	title := tr.T("post_edit.edit")
	if form.ID == 0 {
		title = tr.T("posts.new")
	}
	if c.PostForm("preview") != "" {
		form.Preview = html
		s.render(c, http.StatusOK, "admin_post_edit", pageData{Title: title, Data: form})
		return
	}
	v := &models.ValidationError{}
	if form.Title == "" || utf8.RuneCountInString(form.Title) > 300 {
		v.Add("title", tr.T("post_edit.err_title"))
	}
	if !slugPattern.MatchString(form.Slug) || len(form.Slug) > 200 {
		v.Add("slug", tr.T("post_edit.err_slug"))
	}
	if strings.TrimSpace(form.Body) == "" {
		v.Add("body", tr.T("post_edit.err_body"))
	}
	switch form.Moderation {
	case "", models.ModerationPre, models.ModerationPost, models.ModerationSmart:
	default:
		v.Add("moderation", tr.T("post_edit.err_moderation"))
	}
	if !v.Empty() {
		form.Errors = v.Fields
		s.render(c, http.StatusUnprocessableEntity, "admin_post_edit", pageData{Title: title, Data: form})
		return
	}
	p := models.Post{ID: form.ID, SiteID: models.DefaultSiteID, Slug: form.Slug, Title: form.Title,
		Body: form.Body, BodyHTML: html, Published: form.Published, Moderation: form.Moderation}
	ctx := c.Request.Context()
	if form.ID == 0 {
		if p.Published {
			now := time.Now().UTC()
			p.PublishedAt = &now
		}
		err = s.store.CreatePost(ctx, &p)
		if err == nil && form.Closed {
			var created store.PostWithThread
			if created, err = s.store.PostByID(ctx, p.ID); err == nil {
				err = s.store.SetThreadClosed(ctx, created.ThreadID, true)
			}
		}
	} else {
		var old store.PostWithThread
		if old, err = s.store.PostByID(ctx, form.ID); err == nil {
			p.PublishedAt = old.PublishedAt
			err = s.store.UpdatePost(ctx, &p, form.Closed)
		}
	}
	switch {
	case errors.Is(err, models.ErrConflict):
		form.Errors = map[string]string{"slug": tr.T("post_edit.err_slug_taken")}
		s.render(c, http.StatusUnprocessableEntity, "admin_post_edit", pageData{Title: title, Data: form})
		return
	case isNotFound(err):
		s.notFound(c)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	if err := s.store.AddAudit(ctx, &models.AuditEntry{ModeratorID: actorOf(c).ModeratorID, Actor: actorOf(c).Name,
		Action: "save_post", PostID: &p.ID, After: publishedWord(p.Published)}); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/posts/"+strconv.FormatUint(uint64(p.ID), 10)+"/edit?saved=1")
}

func publishedWord(published bool) string {
	if published {
		return "published"
	}
	return "draft"
}
