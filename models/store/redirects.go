package store

import (
	"context"
	"fmt"

	"parley/models"
)

// Redirect returns where an old address of a site now lives, e.g. an
// imported Blogger post's /2010/05/title.html → /posts/title.
func (s *Store) Redirect(ctx context.Context, siteID, from string) (string, error) {
	var r models.Redirect
	err := s.r.WithContext(ctx).Where("site_id = ? AND from_path = ?", siteID, from).Take(&r).Error
	if err != nil {
		return "", fmt.Errorf("store: redirect %s: %w", from, notFound(err))
	}
	return r.ToPath, nil
}
