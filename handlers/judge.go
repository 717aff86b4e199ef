package handlers

import (
	"context"
	"time"

	"parley/models"
	"parley/models/moderation"
)

// duplicateWindow is how far back an identical comment counts as a repeat.
const duplicateWindow = 24 * time.Hour

// judge gathers what the moderation rules need about a new comment — the
// post's mode and age, bans, trust, repeats — and runs them.
func (s *Server) judge(ctx context.Context, site models.Site, thread models.Thread, in newComment, html string) (moderation.Verdict, error) {
	now := s.now()
	input := moderation.Input{
		Body: in.Body, HTML: html,
		Author: in.Author, Email: in.Email, Website: in.Website, IP: in.IP, UserAgent: in.UserAgent,
		Mode:         site.Settings.Moderation,
		Rules:        site.Settings.Rules,
		Now:          now,
		ThreadClosed: thread.Closed,
	}
	if thread.PostID != nil {
		post, err := s.store.PostRules(ctx, *thread.PostID)
		if err != nil {
			return moderation.Verdict{}, err
		}
		input.PostPublishedAt = post.PublishedAt
		if post.Moderation != "" {
			input.Mode = post.Moderation
		}
	}
	if in.FromForm {
		input.HoneypotFilled = in.Honeypot != ""
		if s.cfg.FormMinTime > 0 {
			age, ok := s.signer.formAge(in.FormStamp, now)
			input.FormTooFast = !ok || age < s.cfg.FormMinTime
		}
	}
	bans, err := s.store.ActiveBans(ctx, site.ID, now)
	if err != nil {
		return moderation.Verdict{}, err
	}
	who := models.Commenter{IP: in.IP, Email: models.FoldEmail(in.Email), Key: in.CommenterKey}
	for _, b := range bans {
		if b.Matches(who) {
			input.Ban = &moderation.BanMatch{Kind: b.Kind, Shadow: b.Shadow, Note: b.Note}
			break
		}
	}
	if input.Duplicate, err = s.store.RecentDuplicate(ctx, in.Body, in.CommenterKey, in.IP, now.Add(-duplicateWindow)); err != nil {
		return moderation.Verdict{}, err
	}
	if input.Mode == models.ModerationSmart {
		n, err := s.store.ApprovedByKey(ctx, in.CommenterKey)
		if err != nil {
			return moderation.Verdict{}, err
		}
		input.Trusted = n >= int64(input.Rules.Normalized().TrustAfter)
	}
	if s.akismet.Enabled() {
		s.askAkismet(ctx, site, thread, in, &input)
	}
	return moderation.Check(input), nil
}
