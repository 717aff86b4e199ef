package store

import (
	"context"
	"fmt"

	"parley/models"
)

// ViewerHasHidden reports whether a reader, by commenter key, has comments
// held as spam in a thread. Only such a reader sees the thread differently
// from everyone else (a shadow-banned reader sees their own comments), so
// the others can share one cached rendering.
func (s *Store) ViewerHasHidden(ctx context.Context, threadID uint, viewer string) (bool, error) {
	if viewer == "" {
		return false, nil
	}
	var n int64
	err := s.r.WithContext(ctx).Model(&models.Comment{}).
		Where("commenter_key = ? AND thread_id = ? AND status = ?", viewer, threadID, models.StatusSpam).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: viewer's hidden comments in thread %d: %w", threadID, err)
	}
	return n > 0, nil
}
