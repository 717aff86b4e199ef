package store

import (
	"context"
	"fmt"
	"time"

	"parley/models"
)

// CreateImportJob records an import an admin started.
func (s *Store) CreateImportJob(ctx context.Context, j *models.ImportJob) error {
	if err := s.w.WithContext(ctx).Create(j).Error; err != nil {
		return fmt.Errorf("store: create import job: %w", err)
	}
	return nil
}

// ImportJob returns an import job by id.
func (s *Store) ImportJob(ctx context.Context, id string) (models.ImportJob, error) {
	var j models.ImportJob
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&j).Error; err != nil {
		return j, fmt.Errorf("store: import job %s: %w", id, notFound(err))
	}
	return j, nil
}

// RecentImportJobs lists the newest import jobs first.
func (s *Store) RecentImportJobs(ctx context.Context, limit int) ([]models.ImportJob, error) {
	var out []models.ImportJob
	if err := s.r.WithContext(ctx).Order("started_at DESC, id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: import jobs: %w", err)
	}
	return out, nil
}

// ImportProgress records how far a running import got.
func (s *Store) ImportProgress(ctx context.Context, id string, bytesRead int64, comments int) error {
	err := s.w.WithContext(ctx).Model(&models.ImportJob{}).Where("id = ? AND status = ?", id, models.ImportRunning).
		Updates(map[string]any{"bytes_read": bytesRead, "comments": comments, "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("store: import job %s progress: %w", id, err)
	}
	return nil
}

// FinishImportJob records how an import ended: done, or failed with the
// error, and in both cases what it stored.
func (s *Store) FinishImportJob(ctx context.Context, id string, bytesRead int64, comments int, res models.ImportResult, failure error) error {
	now := time.Now().UTC()
	j := models.ImportJob{Status: models.ImportDone, BytesRead: bytesRead, Comments: comments, Result: &res,
		UpdatedAt: now, FinishedAt: &now}
	if failure != nil {
		j.Status, j.Error = models.ImportFailed, importClip(failure.Error(), 1000)
	}
	err := s.w.WithContext(ctx).Model(&models.ImportJob{}).Where("id = ?", id).
		Select("status", "bytes_read", "comments", "result", "error", "updated_at", "finished_at").Updates(&j).Error
	if err != nil {
		return fmt.Errorf("store: finish import job %s: %w", id, err)
	}
	return nil
}
