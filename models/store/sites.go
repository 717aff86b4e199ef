package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// Site returns the site with the given id.
func (s *Store) Site(ctx context.Context, id string) (models.Site, error) {
	var site models.Site
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&site).Error
	if err != nil {
		return site, fmt.Errorf("store: site %q: %w", id, notFound(err))
	}
	site.Settings = site.Settings.Normalized()
	return site, nil
}

// Sites lists every site by id.
func (s *Store) Sites(ctx context.Context) ([]models.Site, error) {
	var sites []models.Site
	if err := s.r.WithContext(ctx).Order("id").Find(&sites).Error; err != nil {
		return nil, fmt.Errorf("store: list sites: %w", err)
	}
	for i := range sites {
		sites[i].Settings = sites[i].Settings.Normalized()
	}
	return sites, nil
}

// CreateSite inserts a new site; an existing id is models.ErrConflict.
func (s *Store) CreateSite(ctx context.Context, site *models.Site) error {
	err := s.w.WithContext(ctx).Create(site).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("store: create site %q: %w", site.ID, models.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create site %q: %w", site.ID, err)
	}
	return nil
}

// SaveSite updates a site's name, origins and settings.
func (s *Store) SaveSite(ctx context.Context, site *models.Site) error {
	res := s.w.WithContext(ctx).Model(&models.Site{}).Where("id = ?", site.ID).
		Select("name", "origins", "settings", "updated_at").Updates(site)
	if res.Error != nil {
		return fmt.Errorf("store: save site %q: %w", site.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: save site %q: %w", site.ID, models.ErrNotFound)
	}
	return nil
}

// Welcome is the first post a new blog shows.
type Welcome struct {
	Title, Slug, Body, BodyHTML string
}

// Bootstrap prepares an empty database: the default site and, when the blog
// has no posts yet, the welcome post. It changes nothing on a database that
// already has them, so every start and every subcommand may call it.
func (s *Store) Bootstrap(ctx context.Context, welcome Welcome) error {
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Site{}).Where("id = ?", models.DefaultSiteID).Count(&n).Error; err != nil {
			return fmt.Errorf("store: bootstrap: %w", err)
		}
		if n > 0 {
			return nil
		}
		site := models.Site{ID: models.DefaultSiteID, Name: "Parley blog", Settings: models.DefaultSiteSettings()}
		if err := tx.Create(&site).Error; err != nil {
			return fmt.Errorf("store: bootstrap site: %w", err)
		}
		now := time.Now().UTC()
		post := models.Post{SiteID: site.ID, Slug: welcome.Slug, Title: welcome.Title, Body: welcome.Body,
			BodyHTML: welcome.BodyHTML, Published: true, PublishedAt: &now}
		if err := tx.Create(&post).Error; err != nil {
			return fmt.Errorf("store: bootstrap welcome post: %w", err)
		}
		return createPostThread(tx, &post)
	})
}

// SiteStats counts, for one site, the pages that have a thread and the
// approved comments on them.
type SiteStats struct {
	Threads  int
	Comments int
}

// AllSiteStats returns the stats of every site that has threads.
func (s *Store) AllSiteStats(ctx context.Context) (map[string]SiteStats, error) {
	var rows []struct {
		SiteID   string
		Threads  int
		Comments int
	}
	err := s.r.WithContext(ctx).Model(&models.Thread{}).
		Select("site_id, COUNT(*) AS threads, COALESCE(SUM(comment_count), 0) AS comments").
		Group("site_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: site stats: %w", err)
	}
	out := make(map[string]SiteStats, len(rows))
	for _, r := range rows {
		out[r.SiteID] = SiteStats{Threads: r.Threads, Comments: r.Comments}
	}
	return out, nil
}
