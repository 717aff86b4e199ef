package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// The parts of a dump that moderation and readers leave behind besides the
// comments: votes and flags ride inside their comment's record, bans,
// subscribers and the audit log have sections of their own. A site's dump
// carries its bans; subscribers and the audit log, like the moderators,
// only come with a dump of everything. The signing keys come only when
// asked for (ExportOptions.WithKeys).

// DumpVote is one reader's vote inside a comment's record.
type DumpVote struct {
	Voter     string    `json:"voter"`
	Value     int       `json:"value"`
	CreatedAt time.Time `json:"created_at"`
}

// DumpFlag is one reader's flag inside a comment's record.
type DumpFlag struct {
	Reader    string    `json:"reader"`
	Reason    string    `json:"reason"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// DumpBan is a ban in a dump; an empty site_id bans on every site.
type DumpBan struct {
	SiteID    string     `json:"site_id"`
	Kind      string     `json:"kind"`
	Value     string     `json:"value"`
	Shadow    bool       `json:"shadow"`
	Note      string     `json:"note,omitempty"`
	CreatedBy string     `json:"created_by,omitempty"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// DumpSubscriber is an address that asked for reply emails, with where its
// double opt-in stands.
type DumpSubscriber struct {
	Email          string     `json:"email"`
	ConfirmedAt    *time.Time `json:"confirmed_at"`
	ConfirmSentAt  *time.Time `json:"confirm_sent_at"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at"`
	Language       string     `json:"language,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// DumpAudit is one audit log entry; its moderator, comment and post are
// named by their ids in the dump.
type DumpAudit struct {
	ModeratorID *uint     `json:"moderator_id"`
	Actor       string    `json:"actor"`
	Action      string    `json:"action"`
	CommentID   *uint     `json:"comment_id"`
	PostID      *uint     `json:"post_id"`
	Before      string    `json:"before,omitempty"`
	After       string    `json:"after,omitempty"`
	Note        string    `json:"note,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// DumpKey is one of the keys that sign what this Parley hands out: readers'
// commenter keys and edit links, and the links in its emails. Whoever holds
// it can forge those, so it is only in a dump made with WithKeys.
type DumpKey struct {
	Purpose   string    `json:"purpose"`
	Value     []byte    `json:"value"`
	CreatedAt time.Time `json:"created_at"`
}

// reactions reads the votes and flags of the comments whose ids run from
// first to last, each comment's in the order they were cast. It reads the
// id range rather than a list of ids: a thousand bound ids cost more than
// the rows. On a dump of one site the range may also hold other sites'
// comments (a small site's comments can lie far apart among a big one's),
// so it keeps only the site's: the rest would be held for nothing.
func (e *dumpWriter) reactions(first, last uint) (map[uint][]DumpVote, map[uint][]DumpFlag, error) {
	var votes []models.Vote
	if err := e.reactionsOf(first, last).Order("comment_id, id").Find(&votes).Error; err != nil {
		return nil, nil, fmt.Errorf("votes: %w", err)
	}
	var flags []models.Flag
	if err := e.reactionsOf(first, last).Order("comment_id, id").Find(&flags).Error; err != nil {
		return nil, nil, fmt.Errorf("flags: %w", err)
	}
	vs := make(map[uint][]DumpVote)
	for _, v := range votes {
		vs[v.CommentID] = append(vs[v.CommentID], DumpVote{Voter: v.Voter, Value: v.Value, CreatedAt: v.CreatedAt.UTC()})
	}
	fs := make(map[uint][]DumpFlag)
	for _, f := range flags {
		fs[f.CommentID] = append(fs[f.CommentID], DumpFlag{Reader: f.Reader, Reason: f.Reason, Note: f.Note, CreatedAt: f.CreatedAt.UTC()})
	}
	return vs, fs, nil
}

// reactionsOf filters a table of votes or flags to the comments from first
// to last of the site being dumped.
func (e *dumpWriter) reactionsOf(first, last uint) *gorm.DB {
	q := e.tx.Where("comment_id BETWEEN ? AND ?", first, last)
	if e.site == "" {
		return q
	}
	return q.Where("comment_id IN (?)", e.tx.Table("comments").Select("comments.id").
		Joins("JOIN threads ON threads.id = comments.thread_id").
		Where("threads.site_id = ? AND comments.id BETWEEN ? AND ?", e.site, first, last))
}

func (e *dumpWriter) bans() error {
	return exportPages(e.ctx, func() *gorm.DB { return e.siteFilter(e.tx.Model(&models.Ban{}), "site_id") },
		func(b models.Ban) uint { return b.ID },
		func(rows []models.Ban) error {
			for _, b := range rows {
				err := e.put(DumpBan{SiteID: b.SiteID, Kind: b.Kind, Value: b.Value, Shadow: b.Shadow, Note: b.Note,
					CreatedBy: b.CreatedBy, ExpiresAt: utcPtr(b.ExpiresAt), CreatedAt: b.CreatedAt.UTC()})
				if err != nil {
					return err
				}
			}
			return nil
		})
}

func (e *dumpWriter) subscribers() error {
	if e.site != "" {
		return nil
	}
	var after string
	for {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		var rows []models.Subscriber
		if err := e.tx.Where("email > ?", after).Order("email").Limit(exportPage).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, s := range rows {
			err := e.put(DumpSubscriber{Email: s.Email, ConfirmedAt: utcPtr(s.ConfirmedAt), ConfirmSentAt: utcPtr(s.ConfirmSentAt),
				UnsubscribedAt: utcPtr(s.UnsubscribedAt), Language: s.Language, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()})
			if err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].Email
	}
}

func (e *dumpWriter) audit() error {
	if e.site != "" {
		return nil
	}
	return exportPages(e.ctx, func() *gorm.DB { return e.tx.Model(&models.AuditEntry{}) },
		func(a models.AuditEntry) uint { return a.ID },
		func(rows []models.AuditEntry) error {
			for _, a := range rows {
				err := e.put(DumpAudit{ModeratorID: a.ModeratorID, Actor: a.Actor, Action: a.Action, CommentID: a.CommentID,
					PostID: a.PostID, Before: a.Before, After: a.After, Note: a.Note, CreatedAt: a.CreatedAt.UTC()})
				if err != nil {
					return err
				}
			}
			return nil
		})
}

// reactions stores the votes and flags of a comment this run created.
// Only a new comment gets them: one already there keeps its own, which
// its counts were made from.
func (run *dumpRun) reactions(tx *gorm.DB, commentID uint, d DumpComment) error {
	ref := fmt.Sprintf("comment %d", d.ID)
	votes := make([]models.Vote, 0, len(d.Votes))
	for _, v := range d.Votes {
		if v.Voter == "" || len(v.Voter) > 64 || (v.Value != 1 && v.Value != -1) {
			run.res.Skip(ref+" vote", 0, "missing voter or a value other than 1 and -1")
			continue
		}
		votes = append(votes, models.Vote{CommentID: commentID, Voter: v.Voter, Value: v.Value, CreatedAt: v.CreatedAt.UTC()})
	}
	flags := make([]models.Flag, 0, len(d.Flags))
	for _, f := range d.Flags {
		if f.Reader == "" || len(f.Reader) > 64 || !models.ValidFlagReason(f.Reason) {
			run.res.Skip(ref+" flag", 0, "missing reader or an unknown reason")
			continue
		}
		flags = append(flags, models.Flag{CommentID: commentID, Reader: f.Reader, Reason: f.Reason,
			Note: importClip(f.Note, 500), CreatedAt: f.CreatedAt.UTC()})
	}
	// A voter or reader twice on one comment is kept once, as the site would.
	if len(votes) > 0 {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&votes)
		if res.Error != nil {
			return fmt.Errorf("%s: votes: %w", ref, res.Error)
		}
		run.res.Votes += int(res.RowsAffected)
	}
	if len(flags) > 0 {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&flags)
		if res.Error != nil {
			return fmt.Errorf("%s: flags: %w", ref, res.Error)
		}
		run.res.Flags += int(res.RowsAffected)
	}
	return nil
}

// ban stores a ban unless one of the same kind and value holds on the same
// site already.
func (run *dumpRun) ban(tx *gorm.DB, d DumpBan) error {
	ref := "ban " + d.Kind + " " + d.Value
	value, ok := models.NormalizeBanValue(d.Kind, d.Value)
	if !ok {
		run.res.Skip(ref, 0, "unknown kind or a value that kind cannot hold")
		return nil
	}
	if d.SiteID != "" {
		if ok, err := siteExists(tx, d.SiteID); err != nil || !ok {
			if err == nil {
				run.res.Skip(ref, 0, "unknown site")
			}
			return err
		}
	}
	var n int64
	if err := tx.Model(&models.Ban{}).Where("site_id = ? AND kind = ? AND value = ?", d.SiteID, d.Kind, value).Count(&n).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if n > 0 {
		run.res.Existing++
		return nil
	}
	b := models.Ban{SiteID: d.SiteID, Kind: d.Kind, Value: value, Shadow: d.Shadow, Note: importClip(d.Note, 500),
		CreatedBy: importClip(d.CreatedBy, 254), ExpiresAt: utcPtr(d.ExpiresAt), CreatedAt: d.CreatedAt.UTC()}
	if err := tx.Create(&b).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	run.res.Bans++
	return nil
}

// subscriber stores an address's reply-email standing unless the address
// is known here already.
func (run *dumpRun) subscriber(tx *gorm.DB, d DumpSubscriber) error {
	email := models.FoldEmail(importEmail(d.Email))
	if email == "" {
		run.res.Skip("subscriber "+d.Email, 0, "not an email address")
		return nil
	}
	s := models.Subscriber{Email: email, ConfirmedAt: utcPtr(d.ConfirmedAt), ConfirmSentAt: utcPtr(d.ConfirmSentAt),
		UnsubscribedAt: utcPtr(d.UnsubscribedAt), Language: importClip(d.Language, 16), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&s)
	if res.Error != nil {
		return fmt.Errorf("subscriber %s: %w", email, res.Error)
	}
	if res.RowsAffected == 0 {
		run.res.Existing++
	} else {
		run.res.Subscribers++
	}
	return nil
}

// auditEntry stores an audit entry with its ids made local, unless the
// same entry is there already (an import that is run again).
func (run *dumpRun) auditEntry(tx *gorm.DB, d DumpAudit) error {
	if d.Action == "" || d.Actor == "" {
		run.res.Skip("audit entry of "+d.CreatedAt.UTC().Format(time.RFC3339), 0, "missing action or actor")
		return nil
	}
	a := models.AuditEntry{Actor: importClip(d.Actor, 254), Action: importClip(d.Action, 32), Before: importClip(d.Before, 64),
		After: importClip(d.After, 64), Note: importClip(d.Note, 500), CreatedAt: d.CreatedAt.UTC()}
	if d.ModeratorID != nil {
		if id, ok := run.moderators[*d.ModeratorID]; ok {
			a.ModeratorID = &id
		}
	}
	if d.PostID != nil {
		if id, ok := run.posts[*d.PostID]; ok {
			a.PostID = &id
		}
	}
	if d.CommentID != nil && !run.skippedComments[*d.CommentID] {
		id := *d.CommentID
		if local, ok := run.remap[id]; ok {
			id = local
		}
		a.CommentID = &id
	}
	// Either database may have rounded the time to the microsecond.
	q := tx.Model(&models.AuditEntry{}).Where("action = ? AND actor = ? AND created_at BETWEEN ? AND ?",
		a.Action, a.Actor, a.CreatedAt.Add(-time.Microsecond), a.CreatedAt.Add(time.Microsecond))
	if a.CommentID != nil {
		q = q.Where("comment_id = ?", *a.CommentID)
	} else {
		q = q.Where("comment_id IS NULL")
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return fmt.Errorf("audit entry: %w", err)
	}
	if n > 0 {
		run.res.Existing++
		return nil
	}
	if err := tx.Create(&a).Error; err != nil {
		return fmt.Errorf("audit entry: %w", err)
	}
	run.res.Audit++
	return nil
}

func (e *dumpWriter) keys() error {
	var rows []models.Secret
	if err := e.tx.Order("id").Find(&rows).Error; err != nil {
		return err
	}
	for _, k := range rows {
		if err := e.put(DumpKey{Purpose: k.Purpose, Value: k.Value, CreatedAt: k.CreatedAt.UTC()}); err != nil {
			return err
		}
	}
	return nil
}

// key restores a signing key into a fresh database, where the dump's keys
// of a purpose replace any this database made, so that what the old
// instance signed still verifies. A database in use keeps its own keys.
func (run *dumpRun) key(tx *gorm.DB, d DumpKey) error {
	ref := "key " + d.Purpose
	if d.Purpose == "" || len(d.Purpose) > 32 || len(d.Value) < 16 {
		run.res.Skip(ref, 0, "missing purpose or a value too short to be a key")
		return nil
	}
	var n int64
	if err := tx.Model(&models.Secret{}).Where("purpose = ? AND value = ?", d.Purpose, d.Value).Count(&n).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if n > 0 {
		run.res.Existing++
		return nil
	}
	switch {
	case !run.opts.RestoreKeys:
		run.res.Skip(ref, 0, `signing keys are restored only by "parley import json", before Parley serves`)
		return nil
	case !run.fresh:
		run.res.Skip(ref, 0, "a database that has comments keeps its own keys")
		return nil
	}
	if !run.keyPurposes[d.Purpose] {
		run.keyPurposes[d.Purpose] = true
		if err := tx.Where("purpose = ?", d.Purpose).Delete(&models.Secret{}).Error; err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
	}
	if err := tx.Create(&models.Secret{Purpose: d.Purpose, Value: d.Value, CreatedAt: d.CreatedAt.UTC()}).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	run.res.Keys++
	return nil
}
