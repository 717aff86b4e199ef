package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// PostWithThread is a post together with its thread's state and count.
type PostWithThread struct {
	models.Post
	ThreadID uint
	Closed   bool
	Count    int
	// ThreadVersion is the thread's version (see models.Thread.Version).
	ThreadVersion int64
	// SiteUpdated is when the post's site's settings last changed; set by
	// PostBySlug and PostByID only.
	SiteUpdated time.Time
}

// Thread returns the post's thread as far as the joined row tells it.
func (p PostWithThread) Thread() models.Thread {
	return models.Thread{ID: p.ThreadID, SiteID: p.SiteID, Page: p.PagePath(), Title: p.Title,
		Closed: p.Closed, Count: p.Count, Version: p.ThreadVersion}
}

// postColumns selects a post with its thread's id, closed flag, count and version.
const postColumns = "posts.*, threads.id AS thread_id, threads.closed AS closed, threads.comment_count AS count, " +
	"threads.version AS thread_version"

// PublishedPosts lists a site's published posts, newest first, with their
// comment counts, in one query: limit of them, from the one published just
// before the post before when before > 0.
func (s *Store) PublishedPosts(ctx context.Context, siteID string, before uint, limit int) ([]PostWithThread, error) {
	var out []PostWithThread
	if err := postsQuery(s.r.WithContext(s.quick(ctx)), siteID, true, before, limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: published posts: %w", err)
	}
	return out, nil
}

// Posts lists a site's posts, drafts too, for the admin, newest first:
// limit of them, from the one written just before the post before when
// before > 0.
func (s *Store) Posts(ctx context.Context, siteID string, before uint, limit int) ([]PostWithThread, error) {
	var out []PostWithThread
	if err := postsQuery(s.r.WithContext(s.quick(ctx)), siteID, false, before, limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: posts: %w", err)
	}
	return out, nil
}

// postsQuery builds the lists of posts; tests read its plans. The published
// are ordered by publication through idx_posts_site_published, all posts by
// creation through idx_posts_site_created, so a page reads its own rows
// rather than sorting every post (0.1 s for 9,000). A page after the post
// before starts where that post sits in the order; a list that does not
// hold before (a deleted post, a draft among the published) has nothing
// after it.
func postsQuery(db *gorm.DB, siteID string, published bool, before uint, limit int) *gorm.DB {
	q := db.Table("posts").Select(postColumns).
		Joins("JOIN threads ON threads.post_id = posts.id").
		Where("posts.site_id = ?", siteID)
	column := "created_at"
	if published {
		q, column = q.Where("posts.published = ?", true), "published_at"
	}
	if before > 0 {
		q = q.Where("(posts."+column+", posts.id) < (SELECT p."+column+", p.id FROM posts p WHERE p.id = ?)", before)
	}
	return q.Order("posts." + column + " DESC, posts.id DESC").Limit(limit)
}

// PostBySlug returns a site's post by slug with its thread.
func (s *Store) PostBySlug(ctx context.Context, siteID, slug string) (PostWithThread, error) {
	return s.onePost(ctx, "posts.site_id = ? AND posts.slug = ?", siteID, slug)
}

// PostByID returns a post by id with its thread.
func (s *Store) PostByID(ctx context.Context, id uint) (PostWithThread, error) {
	return s.onePost(ctx, "posts.id = ?", id)
}

func (s *Store) onePost(ctx context.Context, where string, args ...any) (PostWithThread, error) {
	var out []PostWithThread
	err := s.r.WithContext(ctx).Table("posts").Select(postColumns+", sites.updated_at AS site_updated").
		Joins("JOIN threads ON threads.post_id = posts.id").
		Joins("JOIN sites ON sites.id = posts.site_id").
		Where(where, args...).Limit(1).Scan(&out).Error
	if err != nil {
		return PostWithThread{}, fmt.Errorf("store: post: %w", err)
	}
	if len(out) == 0 {
		return PostWithThread{}, fmt.Errorf("store: post: %w", models.ErrNotFound)
	}
	return out[0], nil
}

// CreatePost inserts a post and its thread; a taken slug is ErrConflict.
func (s *Store) CreatePost(ctx context.Context, p *models.Post) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		return createPostThread(tx, p)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("store: create post %q: %w", p.Slug, models.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create post %q: %w", p.Slug, err)
	}
	return nil
}

func createPostThread(tx *gorm.DB, p *models.Post) error {
	id := p.ID
	t := models.Thread{SiteID: p.SiteID, Page: p.PagePath(), Title: p.Title, PostID: &id}
	// A thread for this page may exist already (an imported or embedded page
	// that later became a post): adopt it.
	res := tx.Model(&models.Thread{}).Where("site_id = ? AND page = ?", t.SiteID, t.Page).
		Updates(map[string]any{"post_id": id, "title": t.Title, "version": gorm.Expr("version + 1")})
	if res.Error != nil {
		return fmt.Errorf("store: post thread: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	if err := tx.Create(&t).Error; err != nil {
		return fmt.Errorf("store: post thread: %w", err)
	}
	return nil
}

// UpdatePost saves a post's editable fields and keeps its thread's page key,
// title and closed flag in step.
func (s *Store) UpdatePost(ctx context.Context, p *models.Post, closed bool) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old models.Post
		if err := tx.Where("id = ?", p.ID).Take(&old).Error; err != nil {
			return notFound(err)
		}
		if p.Published && p.PublishedAt == nil {
			now := time.Now().UTC()
			p.PublishedAt = &now
		}
		err := tx.Model(&models.Post{}).Where("id = ?", p.ID).
			Select("slug", "title", "body", "body_html", "published", "published_at", "moderation", "updated_at").
			Updates(p).Error
		if err != nil {
			return err
		}
		return tx.Model(&models.Thread{}).Where("post_id = ?", p.ID).
			Updates(map[string]any{"page": p.PagePath(), "title": p.Title, "closed": closed,
				"version": gorm.Expr("version + 1")}).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("store: update post %d: %w", p.ID, models.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: update post %d: %w", p.ID, err)
	}
	return nil
}
