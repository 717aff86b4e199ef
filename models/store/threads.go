package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// Thread returns the thread of a site's page.
func (s *Store) Thread(ctx context.Context, siteID, page string) (models.Thread, error) {
	var t models.Thread
	err := s.r.WithContext(ctx).Where("site_id = ? AND page = ?", siteID, page).Take(&t).Error
	if err != nil {
		return t, fmt.Errorf("store: thread %s%s: %w", siteID, page, notFound(err))
	}
	return t, nil
}

// ThreadByID returns a thread by id.
func (s *Store) ThreadByID(ctx context.Context, id uint) (models.Thread, error) {
	var t models.Thread
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return t, fmt.Errorf("store: thread %d: %w", id, notFound(err))
	}
	return t, nil
}

// EnsureThread returns the thread of a page, creating it on first use with
// the given title and URL. Callers check first that the page is allowed.
func (s *Store) EnsureThread(ctx context.Context, siteID, page, title, url string) (models.Thread, error) {
	t, err := s.Thread(ctx, siteID, page)
	if err == nil || !errors.Is(err, models.ErrNotFound) {
		return t, err
	}
	t = models.Thread{SiteID: siteID, Page: page, Title: title, URL: url}
	err = s.w.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&t).Error
	if err != nil {
		return t, fmt.Errorf("store: create thread %s%s: %w", siteID, page, err)
	}
	// A concurrent request may have won the insert; read the one that exists.
	var got models.Thread
	err = s.w.WithContext(ctx).Where("site_id = ? AND page = ?", siteID, page).Take(&got).Error
	if err != nil {
		return got, fmt.Errorf("store: thread %s%s: %w", siteID, page, notFound(err))
	}
	return got, nil
}

// SetThreadClosed opens or closes a thread for new comments.
func (s *Store) SetThreadClosed(ctx context.Context, id uint, closed bool) error {
	res := s.w.WithContext(ctx).Model(&models.Thread{}).Where("id = ?", id).
		Updates(map[string]any{"closed": closed, "version": gorm.Expr("version + 1")})
	if res.Error != nil {
		return fmt.Errorf("store: close thread %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: close thread %d: %w", id, models.ErrNotFound)
	}
	return nil
}

// addCount shifts a thread's approved-comment count inside tx and, since
// readers see the change, its version.
func addCount(tx *gorm.DB, threadID uint, delta int) error {
	if delta == 0 {
		return nil
	}
	return tx.Model(&models.Thread{}).Where("id = ?", threadID).
		UpdateColumns(map[string]any{
			"comment_count": gorm.Expr("comment_count + ?", delta),
			"version":       gorm.Expr("version + 1"),
		}).Error
}

// touchThread moves a thread's version on inside tx. Every change readers
// can see without a change of count (an edit, a vote, a pin, a reply under
// a placeholder) calls it, so cached renderings of the thread expire.
func touchThread(tx *gorm.DB, threadID uint) error {
	return tx.Model(&models.Thread{}).Where("id = ?", threadID).
		UpdateColumn("version", gorm.Expr("version + 1")).Error
}
