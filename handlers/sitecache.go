package handlers

import (
	"context"
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

// siteAsOf returns the site as saved at updated, from memory when it can.
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
	s.sites.mu.Lock()
	if s.sites.byID == nil {
		s.sites.byID = map[string]models.Site{}
	}
	s.sites.byID[id] = site
	s.sites.mu.Unlock()
	return site, nil
}
