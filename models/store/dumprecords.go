package store

import (
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// unusablePassword is the hash of a moderator restored from a dump: no
// password matches it until one is set with "parley admin passwd".
const unusablePassword = "!restored-without-password"

func (run *dumpRun) site(tx *gorm.DB, d DumpSite) error {
	if d.ID == "" || len(d.ID) > 64 {
		run.res.Skip("site "+d.ID, 0, "missing or too long id")
		return nil
	}
	var cur models.Site
	if err := tx.Where("id = ?", d.ID).Limit(1).Find(&cur).Error; err != nil {
		return fmt.Errorf("site %s: %w", d.ID, err)
	}
	site := models.Site{ID: d.ID, Name: importClip(d.Name, 200), Origins: d.Origins, Settings: d.Settings,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	switch {
	case cur.ID == "":
		if err := tx.Create(&site).Error; err != nil {
			return fmt.Errorf("site %s: %w", d.ID, err)
		}
		run.res.Sites++
	case run.fresh:
		err := tx.Model(&models.Site{ID: d.ID}).Select("name", "origins", "settings", "created_at", "updated_at").
			UpdateColumns(&site).Error
		if err != nil {
			return fmt.Errorf("site %s: %w", d.ID, err)
		}
		run.res.Existing++
	default:
		run.res.Existing++
	}
	return nil
}

func (run *dumpRun) moderator(tx *gorm.DB, d DumpModerator) error {
	email := models.FoldEmail(d.Email)
	if importEmail(email) == "" {
		run.res.Skip("moderator "+d.Email, 0, "not an email address")
		return nil
	}
	var cur models.Moderator
	if err := tx.Select("id").Where("email = ?", email).Limit(1).Find(&cur).Error; err != nil {
		return fmt.Errorf("moderator %s: %w", email, err)
	}
	if cur.ID != 0 {
		run.moderators[d.ID] = cur.ID
		run.res.Existing++
		return nil
	}
	m := models.Moderator{Email: email, Name: importClip(d.Name, 100), PasswordHash: unusablePassword,
		Role: d.Role, Disabled: d.Disabled, Notify: d.Notify, Language: importClip(d.Language, 16), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if m.Role != models.RoleAdmin && m.Role != models.RoleModerator {
		m.Role = models.RoleModerator
	}
	id, err := freeID(tx, &models.Moderator{}, d.ID)
	if err != nil {
		return err
	}
	m.ID = id
	if err := tx.Create(&m).Error; err != nil {
		return fmt.Errorf("moderator %s: %w", email, err)
	}
	run.moderators[d.ID] = m.ID
	run.res.Moderators++
	return nil
}

func (run *dumpRun) post(tx *gorm.DB, d DumpPost) error {
	ref := "post " + d.SiteID + "/" + d.Slug
	if err := run.replaceWelcome(tx, d.SiteID); err != nil {
		return err
	}
	if ok, err := siteExists(tx, d.SiteID); err != nil || !ok {
		if err == nil {
			run.res.Skip(ref, 0, "unknown site")
		}
		return err
	}
	var cur models.Post
	if err := tx.Where("site_id = ? AND slug = ?", d.SiteID, d.Slug).Limit(1).Find(&cur).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if cur.ID != 0 {
		run.posts[d.ID] = cur.ID
		run.res.Existing++
		return nil
	}
	if d.Slug == "" || len(d.Slug) > importMaxSlug {
		run.res.Skip(ref, 0, "missing or too long slug")
		return nil
	}
	p := models.Post{SiteID: d.SiteID, Slug: d.Slug, Title: importClip(d.Title, importMaxTitle), Body: d.Body,
		BodyHTML: d.BodyHTML, Published: d.Published, PublishedAt: utcPtr(d.PublishedAt), Moderation: d.Moderation,
		Source: d.Source, ExternalID: d.ExternalID, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	id, err := freeID(tx, &models.Post{}, d.ID)
	if err != nil {
		return err
	}
	p.ID = id
	if err := tx.Create(&p).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	run.posts[d.ID] = p.ID
	run.res.Posts++
	return nil
}

// replaceWelcome removes the post Bootstrap wrote, once, when a fresh
// database receives the blog's own posts.
func (run *dumpRun) replaceWelcome(tx *gorm.DB, site string) error {
	if run.welcome || !run.fresh || site != models.DefaultSiteID || run.opts.WelcomeSlug == "" {
		return nil
	}
	run.welcome = true
	var p models.Post
	err := tx.Where("site_id = ? AND slug = ?", site, run.opts.WelcomeSlug).Limit(1).Find(&p).Error
	if err != nil || p.ID == 0 {
		return err
	}
	if err := tx.Where("post_id = ?", p.ID).Delete(&models.Thread{}).Error; err != nil {
		return fmt.Errorf("replace welcome post: %w", err)
	}
	if err := tx.Delete(&models.Post{}, p.ID).Error; err != nil {
		return fmt.Errorf("replace welcome post: %w", err)
	}
	return nil
}

func (run *dumpRun) thread(tx *gorm.DB, d DumpThread) error {
	ref := "thread " + d.SiteID + d.Page
	if ok, err := siteExists(tx, d.SiteID); err != nil || !ok {
		if err == nil {
			run.res.Skip(ref, 0, "unknown site")
		}
		return err
	}
	var cur models.Thread
	if err := tx.Where("site_id = ? AND page = ?", d.SiteID, d.Page).Limit(1).Find(&cur).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if cur.ID != 0 {
		run.threads[d.ID] = cur.ID
		run.res.Existing++
		return nil
	}
	if d.Page == "" || len(d.Page) > importMaxPage {
		run.res.Skip(ref, 0, "missing or too long page")
		return nil
	}
	t := models.Thread{SiteID: d.SiteID, Page: d.Page, Title: importClip(d.Title, importMaxTitle), URL: importURL(d.URL),
		Closed: d.Closed, CreatedAt: d.CreatedAt.UTC()}
	if d.PostID != nil {
		if local, ok := run.posts[*d.PostID]; ok {
			t.PostID = &local
		}
	}
	id, err := freeID(tx, &models.Thread{}, d.ID)
	if err != nil {
		return err
	}
	t.ID = id
	if err := tx.Create(&t).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	run.threads[d.ID] = t.ID
	run.res.Threads++
	return nil
}

func (run *dumpRun) comment(tx *gorm.DB, d DumpComment) error {
	ref := fmt.Sprintf("comment %d", d.ID)
	tid, ok := run.threads[d.ThreadID]
	reason := ""
	switch {
	case !ok:
		reason = fmt.Sprintf("unknown thread %d", d.ThreadID)
	case !d.Status.Valid():
		reason = fmt.Sprintf("unknown status %q", d.Status)
	case len(d.Source) > importMaxSource || len(d.ExternalID) > importMaxExternalID:
		reason = "source or external id too long"
	}
	if reason != "" {
		run.res.Skip(ref, 0, reason)
		run.skippedComments[d.ID] = true
		return nil
	}
	site, err := run.threadSite(tx, tid)
	if err != nil {
		return err
	}
	source, ext := d.Source, d.ExternalID
	if ext == "" {
		source, ext = dumpCommentSource, strconv.FormatUint(uint64(d.ID), 10)
	}
	known, err := externalComments(tx, site, source, []string{ext})
	if err != nil {
		return err
	}
	if id, ok := known[ext]; ok {
		run.seen(d.ID, id)
		return nil
	}
	c := models.Comment{ThreadID: tid, Author: importClip(d.Author, importMaxAuthor), Email: models.FoldEmail(d.Email),
		Website: d.Website, Body: d.Body, HTML: d.HTML, Status: d.Status, Reasons: d.Reasons, Score: d.Score,
		Upvotes: d.Upvotes, Downvotes: d.Downvotes, Pinned: d.Pinned, NotifyReplies: d.NotifyReplies,
		IP: d.IP, UserAgent: d.UserAgent, CommenterKey: d.CommenterKey, Source: d.Source, ExternalID: d.ExternalID,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), EditedAt: utcPtr(d.EditedAt)}
	var cur models.Comment
	if err := tx.Select("id", "thread_id", "author", "created_at").Where("id = ?", d.ID).Limit(1).Find(&cur).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	switch {
	case cur.ID == 0:
		c.ID = d.ID
	case d.ExternalID == "" && cur.ThreadID == tid && cur.Author == c.Author && sameInstant(cur.CreatedAt, c.CreatedAt):
		run.seen(d.ID, cur.ID) // restored by an earlier run
		return nil
	case d.ExternalID == "":
		c.Source, c.ExternalID = dumpCommentSource, ext
	}
	if err := tx.Create(&c).Error; err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if c.ID != d.ID {
		run.remap[d.ID] = c.ID
	}
	if err := run.reactions(tx, c.ID, d); err != nil {
		return err
	}
	run.res.Comments++
	run.res.Statuses[c.Status]++
	if c.Status == models.StatusApproved {
		run.approved[tid]++
	}
	if d.ParentID != nil {
		run.pending = append(run.pending, importParent{CommentID: c.ID, ThreadID: tid, Source: dumpParentSource,
			ParentExternalID: strconv.FormatUint(uint64(*d.ParentID), 10)})
	}
	return nil
}

// seen notes a comment that is stored already.
func (run *dumpRun) seen(dumpID, localID uint) {
	run.res.Existing++
	if dumpID != localID {
		run.remap[dumpID] = localID
	}
}

func (run *dumpRun) redirect(tx *gorm.DB, d DumpRedirect) error {
	if d.FromPath == "" || d.ToPath == "" || len(d.FromPath) > importMaxPage || len(d.ToPath) > importMaxPage {
		run.res.Skip("redirect "+d.FromPath, 0, "missing or too long path")
		return nil
	}
	if ok, err := siteExists(tx, d.SiteID); err != nil || !ok {
		if err == nil {
			run.res.Skip("redirect "+d.FromPath, 0, "unknown site")
		}
		return err
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.Redirect{SiteID: d.SiteID,
		FromPath: d.FromPath, ToPath: d.ToPath, CreatedAt: d.CreatedAt.UTC()})
	if res.Error != nil {
		return fmt.Errorf("redirect %s: %w", d.FromPath, res.Error)
	}
	if res.RowsAffected == 0 {
		run.res.Existing++
	} else {
		run.res.Redirects++
	}
	return nil
}

// freeID returns id when no row of model has it, else 0 (a new id).
func freeID(tx *gorm.DB, model any, id uint) (uint, error) {
	if id == 0 {
		return 0, nil
	}
	var n int64
	if err := tx.Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, nil
	}
	return id, nil
}

func siteExists(tx *gorm.DB, id string) (bool, error) {
	var n int64
	err := tx.Model(&models.Site{}).Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

// threadSite returns the site of a local thread, remembered per thread.
func (run *dumpRun) threadSite(tx *gorm.DB, threadID uint) (string, error) {
	if site, ok := run.threadSites[threadID]; ok {
		return site, nil
	}
	var t models.Thread
	if err := tx.Select("site_id").Where("id = ?", threadID).Take(&t).Error; err != nil {
		return "", fmt.Errorf("thread %d: %w", threadID, err)
	}
	run.threadSites[threadID] = t.SiteID
	return t.SiteID, nil
}

// sameInstant compares times at the precision both databases keep.
func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}
