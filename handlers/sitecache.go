package handlers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"parley/models"
)

// siteCache keeps each site as last read. A thread read learns from its
// head query when the site's settings last changed (store.ThreadHead) and
// reloads the site only then, so every instance sees a change at once
// without decoding the site's settings on every request.
type siteCache struct {
	mu   sync.Mutex
	byID map[string]models.Site
}

// siteAsOf returns the site as saved at updated, from memory when it can,
// with its origins normalized (normalizedOrigins).
func (s *Server) siteAsOf(ctx context.Context, id string, updated time.Time) (models.Site, error) {
	s.sites.mu.Lock()
	site, ok := s.sites.byID[id]
	s.sites.mu.Unlock()
	if ok && site.UpdatedAt.Equal(updated) {
		return site, nil
	}
	site, err := s.store.Site(ctx, id)
	if err != nil {
		return site, err
	}
	site.Origins = normalizedOrigins(site.Origins)
	s.sites.mu.Lock()
	if s.sites.byID == nil {
		s.sites.byID = map[string]models.Site{}
	}
	s.sites.byID[id] = site
	s.sites.mu.Unlock()
	return site, nil
}

// currentSite returns the site as saved now: one small lookup of when its
// settings last changed (which the store remembers on SQLite while nothing
// is written), and the settings decoded again only when they changed. For
// the per-request paths (a new comment, a vote, a flag, CORS, the blog's
// language); the site it returns is shared and must not be changed.
func (s *Server) currentSite(ctx context.Context, id string) (models.Site, error) {
	updated, found, err := s.store.SiteUpdated(ctx, id)
	if err != nil {
		return models.Site{}, err
	}
	if !found {
		return models.Site{}, fmt.Errorf("handlers: site %q: %w", id, models.ErrNotFound)
	}
	return s.siteAsOf(ctx, id, updated)
}
