package handlers

import (
	"context"
	"fmt"
	"time"

	"parley/models"
)

// autoClosed reports whether a site's auto-close has closed a thread that
// started at start (the post's publication, else the thread's creation):
// AutoCloseDays > 0 and now is past start plus that many days.
func autoClosed(settings models.SiteSettings, start, now time.Time) bool {
	days := settings.AutoCloseDays
	return days > 0 && !start.IsZero() && now.After(start.Add(time.Duration(days)*24*time.Hour))
}

// threadStart is when a thread's auto-close clock starts: its post's
// publication when it has a published post, else its creation.
func (s *Server) threadStart(ctx context.Context, t models.Thread) (time.Time, error) {
	if t.PostID != nil {
		post, err := s.store.PostByID(ctx, *t.PostID)
		if err != nil {
			return time.Time{}, fmt.Errorf("auto-close: %w", err)
		}
		if post.PublishedAt != nil {
			return *post.PublishedAt, nil
		}
	}
	return t.CreatedAt, nil
}

// closeIfDue marks t closed when the site's auto-close has closed it, so
// that the moderation rules refuse new comments with the closed-thread
// error. It returns whether the auto-close did it.
func (s *Server) closeIfDue(ctx context.Context, site models.Site, t *models.Thread) (bool, error) {
	if t.Closed || t.ID == 0 || site.Settings.AutoCloseDays <= 0 {
		return false, nil
	}
	start, err := s.threadStart(ctx, *t)
	if err != nil {
		return false, err
	}
	if autoClosed(site.Settings, start, s.now()) {
		t.Closed = true
		return true, nil
	}
	return false, nil
}

// postStart is when a post's auto-close clock starts.
func postStart(p models.Post) time.Time {
	if p.PublishedAt != nil {
		return *p.PublishedAt
	}
	return p.CreatedAt
}
