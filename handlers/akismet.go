package handlers

import (
	"context"
	"time"

	"parley/models"
	"parley/models/moderation"
	"parley/models/moderation/akismet"
)

// akismetTimeout bounds how long a reader's post waits for Akismet; on a
// timeout or error the comment is judged without it.
const akismetTimeout = 3 * time.Second

func (s *Server) akismetComment(c models.Comment, page string) akismet.Comment {
	return akismet.Comment{
		UserIP: c.IP, UserAgent: c.UserAgent, Permalink: s.cfg.BaseURL + page,
		Author: c.Author, AuthorEmail: c.Email, AuthorURL: c.Website, Content: c.Body, Date: c.CreatedAt,
	}
}

// askAkismet asks Akismet's comment-check about a new comment and records
// the answer in the rules' input.
func (s *Server) askAkismet(ctx context.Context, site models.Site, thread models.Thread, in newComment, input *moderation.Input) {
	ctx, cancel := context.WithTimeout(ctx, akismetTimeout)
	defer cancel()
	res, err := s.akismet.Check(ctx, akismet.Comment{
		UserIP: in.IP, UserAgent: in.UserAgent, Permalink: s.cfg.BaseURL + thread.Page,
		Author: in.Author, AuthorEmail: in.Email, AuthorURL: in.Website, Content: in.Body, Date: s.now(),
	})
	if err != nil {
		s.log.Warn("akismet check failed; judging without it", "site", site.ID, "err", err)
		return
	}
	input.AkismetSpam, input.AkismetDiscard = res.Spam, res.Discard
}

// reportToAkismet tells Akismet what a moderator decided, so it learns:
// marking spam is submit-spam, approving a comment Akismet had called spam
// is submit-ham. It runs in the background; failures are only logged.
func (s *Server) reportToAkismet(ids []uint, status models.Status) {
	if !s.akismet.Enabled() || (status != models.StatusSpam && status != models.StatusApproved) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, id := range ids {
			c, err := s.store.Comment(ctx, id)
			if err != nil {
				s.log.Warn("akismet report: load comment", "id", id, "err", err)
				continue
			}
			t, err := s.store.ThreadByID(ctx, c.ThreadID)
			if err != nil {
				s.log.Warn("akismet report: load thread", "id", id, "err", err)
				continue
			}
			ac := s.akismetComment(c, t.Page)
			if status == models.StatusSpam {
				err = s.akismet.SubmitSpam(ctx, ac)
			} else if hasReason(c.Reasons, moderation.CodeAkismet) {
				err = s.akismet.SubmitHam(ctx, ac)
			}
			if err != nil {
				s.log.Warn("akismet report failed", "id", id, "err", err)
			}
		}
	}()
}

func hasReason(reasons []models.Reason, code string) bool {
	for _, r := range reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}
