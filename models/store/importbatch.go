package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
	"parley/models/importer"
)

// storeBatch writes the batch's records in file order inside tx.
// Comments are written together, with multi-row inserts, before each post
// (which may move comments that came before it) and at the end.
func (run *importRun) storeBatch(tx *gorm.DB) error {
	var exts []string
	for _, op := range run.batch {
		if op.comment != nil {
			exts = append(exts, op.comment.ExternalID)
		}
	}
	stored, err := externalComments(tx, run.site, run.source, exts)
	if err != nil {
		return err
	}
	var queued []importOp
	for _, op := range run.batch {
		switch {
		case op.thread != nil:
			if _, err := run.ensureThread(tx, op.thread.Key, op.thread); err != nil {
				return err
			}
		case op.post != nil:
			if err := run.insertComments(tx, queued); err != nil {
				return err
			}
			queued = queued[:0]
			if err := run.storePost(tx, op); err != nil {
				return err
			}
		case op.comment != nil:
			c := op.comment
			if _, ok := stored[c.ExternalID]; ok { // stored before, or twice in the file
				run.res.Existing++
				continue
			}
			stored[c.ExternalID] = 0
			tid, ok := run.postThreads[op.threadExt] // blog mode only
			if !ok {
				if tid, err = run.ensureThread(tx, op.key, nil); err != nil {
					return err
				}
			}
			c.ThreadID = tid
			queued = append(queued, op)
		}
	}
	return run.insertComments(tx, queued)
}

// insertComments writes new comments with multi-row inserts, keeps the
// threads' counts in step and remembers the replies whose parents are
// linked after the pass.
func (run *importRun) insertComments(tx *gorm.DB, ops []importOp) error {
	if len(ops) == 0 {
		return nil
	}
	cs := make([]*models.Comment, len(ops))
	exts := make([]string, len(ops))
	for i, op := range ops {
		cs[i], exts[i] = op.comment, op.comment.ExternalID
	}
	// A concurrent import of the same file may have stored some: those
	// rows are left out by the conflict clause.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(cs, 100)
	if res.Error != nil {
		return fmt.Errorf("comments: %w", res.Error)
	}
	inserted := int(res.RowsAffected)
	run.res.Comments += inserted
	run.res.Existing += len(cs) - inserted
	ids, err := externalComments(tx, run.site, run.source, exts) // the ids as stored
	if err != nil {
		return err
	}
	approved := map[uint]int{}
	var pending []importParent
	for _, op := range ops {
		c := op.comment
		c.ID = ids[c.ExternalID]
		run.res.Statuses[c.Status]++
		if c.Status == models.StatusApproved {
			approved[c.ThreadID]++
		}
		if op.parentExt != "" && c.ID != 0 {
			pending = append(pending, importParent{CommentID: c.ID, ThreadID: c.ThreadID, SiteID: run.site,
				Source: run.source, ParentExternalID: op.parentExt})
		}
	}
	for tid, n := range approved {
		if inserted < len(cs) { // not every row is ours: count from scratch
			err = recountThread(tx, tid)
		} else {
			err = addCount(tx, tid, n)
		}
		if err != nil {
			return err
		}
	}
	if len(pending) > 0 {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(pending, 100).Error; err != nil {
			return fmt.Errorf("remember parents: %w", err)
		}
	}
	return nil
}

// externalComments returns the ids of a site's comments from source with
// the given external ids. The "external_id <> ”" term lets the databases
// use the partial index idx_comments_external.
func externalComments(tx *gorm.DB, site, source string, exts []string) (map[string]uint, error) {
	out := make(map[string]uint, len(exts))
	for len(exts) > 0 {
		chunk := exts[:min(len(exts), 500)]
		exts = exts[len(chunk):]
		var rows []struct {
			ID         uint
			ExternalID string
		}
		err := tx.Table("comments").Select("comments.id, comments.external_id").
			Joins("JOIN threads ON threads.id = comments.thread_id").
			Where("threads.site_id = ? AND comments.source = ? AND comments.external_id IN ? AND comments.external_id <> ''", site, source, chunk).
			Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("find stored comments: %w", err)
		}
		for _, r := range rows {
			out[r.ExternalID] = r.ID
		}
	}
	return out, nil
}

// ensureThread returns the thread of a page, creating it when missing. A
// page record (th) fills in the title, address and closed flag of a new
// thread, and the title and address of an existing one that lacks them.
func (run *importRun) ensureThread(tx *gorm.DB, key string, th *importer.Thread) (uint, error) {
	if key == "" || len(key) > importMaxPage {
		return 0, fmt.Errorf("thread key %q: empty or too long", key)
	}
	id, cached := run.threads[key]
	if cached && th == nil {
		return id, nil
	}
	var t models.Thread
	if err := tx.Where("site_id = ? AND page = ?", run.site, key).Limit(1).Find(&t).Error; err != nil {
		return 0, fmt.Errorf("thread %s: %w", key, err)
	}
	switch {
	case t.ID == 0:
		t = models.Thread{SiteID: run.site, Page: key, CreatedAt: time.Now().UTC()}
		if th != nil {
			t.Title, t.URL, t.Closed = importClip(th.Title, importMaxTitle), importURL(th.URL), th.Closed
			if !th.CreatedAt.IsZero() {
				t.CreatedAt = th.CreatedAt.UTC()
			}
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&t)
		if res.Error != nil {
			return 0, fmt.Errorf("thread %s: %w", key, res.Error)
		}
		if res.RowsAffected == 0 {
			if err := tx.Where("site_id = ? AND page = ?", run.site, key).Take(&t).Error; err != nil {
				return 0, fmt.Errorf("thread %s: %w", key, err)
			}
		} else {
			run.res.Threads++
		}
	case th != nil:
		if !cached {
			run.res.Existing++
		}
		fill := map[string]any{}
		if t.Title == "" && th.Title != "" {
			fill["title"] = importClip(th.Title, importMaxTitle)
		}
		if t.URL == "" && th.URL != "" {
			fill["url"] = importURL(th.URL)
		}
		if len(fill) > 0 {
			fill["version"] = gorm.Expr("version + 1")
			if err := tx.Model(&models.Thread{}).Where("id = ?", t.ID).UpdateColumns(fill).Error; err != nil {
				return 0, fmt.Errorf("thread %s: %w", key, err)
			}
		}
	}
	run.threads[key] = t.ID
	return t.ID, nil
}

// importURL keeps a page URL that fits its column.
func importURL(u string) string {
	if u = importClip(u, importMaxURL); len(u) > importMaxURL {
		return ""
	}
	return u
}

// storePost stores a Blogger post or page as a Parley post with its
// thread, moves comments that came before it onto that thread, and
// records the redirect from its old path.
func (run *importRun) storePost(tx *gorm.DB, op importOp) error {
	p := op.post
	ext := importExternalID(p.ExternalID)
	var post models.Post
	err := tx.Where("site_id = ? AND source = ? AND external_id = ?", run.site, run.source, ext).Limit(1).Find(&post).Error
	if err != nil {
		return fmt.Errorf("post %s: %w", ext, err)
	}
	if post.ID != 0 {
		run.res.Existing++
	} else if err := run.createPost(tx, p, ext, op.postThread, &post); err != nil {
		return err
	}
	var t models.Thread
	if err := tx.Where("post_id = ?", post.ID).Take(&t).Error; err != nil {
		return fmt.Errorf("post %s thread: %w", ext, err)
	}
	run.postThreads[p.ExternalID] = t.ID
	run.threads[post.PagePath()] = t.ID
	if op.postThread != nil && op.postThread.Key != "" {
		if err := run.mergeThread(tx, op.postThread.Key, t.ID); err != nil {
			return err
		}
	}
	return run.addRedirect(tx, p.OldPath, post.PagePath())
}

func (run *importRun) createPost(tx *gorm.DB, p *importer.Post, ext string, th *importer.Thread, post *models.Post) error {
	slug, err := freeSlug(tx, run.site, importSlug(p.Slug, p.Kind, p.ExternalID))
	if err != nil {
		return err
	}
	title := importClip(p.Title, importMaxTitle)
	if title == "" {
		title = "Untitled"
	}
	html := run.opts.SanitizePost(p.BodyHTML)
	published := p.PublishedAt.UTC()
	if published.IsZero() {
		published = p.UpdatedAt.UTC()
	}
	if published.IsZero() {
		published = time.Now().UTC()
	}
	updated := p.UpdatedAt.UTC()
	if updated.IsZero() {
		updated = published
	}
	*post = models.Post{SiteID: run.site, Slug: slug, Title: title, Body: html, BodyHTML: html,
		Published: !p.Draft, Source: run.source, ExternalID: ext, CreatedAt: published, UpdatedAt: updated}
	if !p.Draft {
		post.PublishedAt = &published
	}
	if err := tx.Create(post).Error; err != nil {
		return fmt.Errorf("post %s: %w", slug, err)
	}
	if err := createPostThread(tx, post); err != nil {
		return err
	}
	if th != nil && th.Closed {
		if err := tx.Model(&models.Thread{}).Where("post_id = ?", post.ID).
			UpdateColumns(map[string]any{"closed": true, "version": gorm.Expr("version + 1")}).Error; err != nil {
			return fmt.Errorf("post %s: %w", slug, err)
		}
	}
	run.res.Posts++
	return nil
}

// freeSlug returns slug, or slug-2, slug-3, … when a post has it already
// (Blogger allows the same title in different months).
func freeSlug(tx *gorm.DB, site, slug string) (string, error) {
	for i := 1; i <= 100; i++ {
		cand := slug
		if i > 1 {
			cand = fmt.Sprintf("%s-%d", slug, i)
		}
		var n int64
		if err := tx.Model(&models.Post{}).Where("site_id = ? AND slug = ?", site, cand).Count(&n).Error; err != nil {
			return "", fmt.Errorf("slug %s: %w", cand, err)
		}
		if n == 0 {
			return cand, nil
		}
	}
	return "", fmt.Errorf("slug %s: taken a hundred times", slug)
}

// mergeThread moves the comments of the page thread at key (one without a
// post, made for comments that came before their post) onto the post's
// thread, and drops it.
func (run *importRun) mergeThread(tx *gorm.DB, key string, into uint) error {
	var old models.Thread
	err := tx.Where("site_id = ? AND page = ? AND post_id IS NULL", run.site, key).Limit(1).Find(&old).Error
	if err != nil {
		return fmt.Errorf("merge thread %s: %w", key, err)
	}
	if old.ID == 0 || old.ID == into {
		return nil
	}
	steps := []func() error{
		func() error {
			return tx.Model(&models.Comment{}).Where("thread_id = ?", old.ID).UpdateColumn("thread_id", into).Error
		},
		func() error {
			return tx.Model(&importParent{}).Where("thread_id = ?", old.ID).UpdateColumn("thread_id", into).Error
		},
		func() error { return recountThread(tx, into) },
		func() error { return tx.Where("id = ?", old.ID).Delete(&models.Thread{}).Error },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("merge thread %s: %w", key, err)
		}
	}
	delete(run.threads, key)
	return nil
}

// addRedirect records that from now answers with a 301 to to.
func (run *importRun) addRedirect(tx *gorm.DB, from, to string) error {
	if from == "" || from == to || len(from) > importMaxPage {
		return nil
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.Redirect{SiteID: run.site, FromPath: from, ToPath: to})
	if res.Error != nil {
		return fmt.Errorf("redirect %s: %w", from, res.Error)
	}
	run.res.Redirects += int(res.RowsAffected)
	return nil
}

// recountThread sets a thread's count from its approved comments.
func recountThread(tx *gorm.DB, id uint) error {
	var n int64
	err := tx.Model(&models.Comment{}).Where("thread_id = ? AND status = ?", id, models.StatusApproved).Count(&n).Error
	if err != nil {
		return err
	}
	return tx.Model(&models.Thread{}).Where("id = ?", id).
		UpdateColumns(map[string]any{"comment_count": n, "version": gorm.Expr("version + 1")}).Error
}
