package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"parley/models"
	"parley/models/importer"
)

// ImportOptions configure an import of another platform's export.
type ImportOptions struct {
	Format   string             // blogger, disqus or wordpress
	SiteID   string             // "" is the default site; a missing site is created
	Mappings []importer.Mapping // page-key prefix rewrites (--map old=new)
	// Sanitize cleans imported comment HTML and SanitizePost imported post
	// HTML (the markup package's allowlists). Both are required.
	Sanitize     func(html string) string
	SanitizePost func(html string) string
	// Progress, if set, is called after each comment record with the
	// number of comment records handled so far.
	Progress func(comments int)
	// BatchSize is how many records one transaction stores; 0 means 500.
	BatchSize int
}

// defaultImportBatch balances transaction overhead against how long the
// single SQLite writer is held: a few milliseconds per batch.
const defaultImportBatch = 500

var importSiteIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidImportSiteID reports whether id may name a site an import creates.
func ValidImportSiteID(id string) bool { return importSiteIDPattern.MatchString(id) }

// Import reads an export of another platform from r and stores it, one
// batch of records per transaction. It is idempotent: records stored by an
// earlier run (found by their source and external id) are left alone, so an
// interrupted import can simply be run again. A Blogger import into the
// default site also brings the blog's posts and pages, each at
// /posts/<slug> with a redirect from its old path; every other import
// brings threads and comments only. After the pass, replies are linked to
// their parents and depths are computed.
//
// Records that cannot be used are skipped with a reason; only an unreadable
// file or a database error ends the import early, and what was stored
// before stays stored.
func (s *Store) Import(ctx context.Context, r io.Reader, opts ImportOptions) (models.ImportResult, error) {
	res := models.ImportResult{Statuses: map[models.Status]int{}}
	format, err := importer.ParseFormat(opts.Format)
	if err != nil {
		return res, fmt.Errorf("store: import: %w", err)
	}
	if opts.Sanitize == nil || opts.SanitizePost == nil {
		return res, errors.New("store: import: a sanitizer is required")
	}
	site := opts.SiteID
	if site == "" {
		site = models.DefaultSiteID
	}
	res.Format, res.SiteID = string(format), site
	created, err := s.EnsureSite(ctx, site)
	if err != nil {
		return res, err
	}
	if created {
		res.Sites++
	}
	st, err := s.Site(ctx, site)
	if err != nil {
		return res, err
	}
	run := &importRun{
		s: s, ctx: ctx, opts: opts, site: site, source: string(format), res: &res,
		blog:        format == importer.FormatBlogger && site == models.DefaultSiteID,
		batchSize:   opts.BatchSize,
		threads:     map[string]uint{},
		postThreads: map[string]uint{},
	}
	if run.batchSize <= 0 {
		run.batchSize = defaultImportBatch
	}
	sum, err := importer.Read(string(format), r, importer.Options{Mappings: opts.Mappings}, run.handle)
	if ferr := run.flush(); err == nil {
		err = ferr
	}
	res.Ignored += sum.Ignored
	if err != nil {
		return res, fmt.Errorf("store: import %s: %w", format, err)
	}
	touched, orphans, err := s.resolveParents(ctx, site, run.source, s.lookupExternalParents)
	res.Orphans += orphans
	if err != nil {
		return res, fmt.Errorf("store: import %s: %w", format, err)
	}
	if err := s.fixDepths(ctx, touched, st.Settings.MaxDepth); err != nil {
		return res, fmt.Errorf("store: import %s: %w", format, err)
	}
	return res, nil
}

// EnsureSite creates a site with default settings unless it exists, and
// reports whether it did.
func (s *Store) EnsureSite(ctx context.Context, id string) (bool, error) {
	if _, err := s.Site(ctx, id); err == nil {
		return false, nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return false, err
	}
	if !ValidImportSiteID(id) {
		return false, fmt.Errorf("store: site %q: want lower-case letters, digits, - and _ (at most 64)", id)
	}
	site := models.Site{ID: id, Name: id, Settings: models.DefaultSiteSettings()}
	if err := s.CreateSite(ctx, &site); err != nil {
		if errors.Is(err, models.ErrConflict) { // created meanwhile
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// importRun is the state of one Import: the batch being collected and the
// small maps that grow with threads and posts, never with comments.
type importRun struct {
	s         *Store
	ctx       context.Context
	opts      ImportOptions
	site      string
	source    string
	blog      bool // Blogger into the blog: posts become Parley posts
	batchSize int
	res       *models.ImportResult

	batch       []importOp
	threads     map[string]uint // page key → thread id
	postThreads map[string]uint // blog mode: Blogger post id → its thread id
	lastThread  *importer.Thread
	comments    int
}

// importOp is one record waiting in the batch.
type importOp struct {
	thread     *importer.Thread // a page
	post       *importer.Post   // blog mode: an article
	postThread *importer.Thread // blog mode: the post's page record, if it came
	comment    *models.Comment  // cleaned and ready but for its thread
	key        string           // the comment's page key
	threadExt  string           // the comment's thread external id
	parentExt  string           // the comment's parent external id
}

func (run *importRun) handle(it importer.Item) error {
	switch v := it.(type) {
	case importer.Thread:
		if v.Key == "" || len(v.Key) > importMaxPage {
			run.res.Skip(fmt.Sprintf("%s thread %s", run.source, v.ExternalID), 0, "page address missing or longer than 500 characters")
			return nil
		}
		if run.blog {
			run.lastThread = &v // its Post follows at once
			return nil
		}
		run.batch = append(run.batch, importOp{thread: &v})
	case importer.Post:
		if !run.blog {
			run.res.Ignored++
			return nil
		}
		op := importOp{post: &v}
		if run.lastThread != nil && run.lastThread.ExternalID == v.ExternalID {
			op.postThread = run.lastThread
		}
		run.lastThread = nil
		run.batch = append(run.batch, op)
	case importer.Comment:
		run.comments++
		if op, reason := run.cleanComment(v); reason != "" {
			run.res.Skip(fmt.Sprintf("%s comment %s", run.source, v.ExternalID), 0, reason)
		} else {
			run.batch = append(run.batch, op)
		}
		if run.opts.Progress != nil {
			run.opts.Progress(run.comments)
		}
	case importer.Skip:
		run.res.Skip(v.Ref, v.Line, v.Reason)
	}
	if len(run.batch) >= run.batchSize {
		return run.flush()
	}
	return nil
}

// cleanComment fits an imported comment to the model, or says why it
// cannot be stored.
func (run *importRun) cleanComment(v importer.Comment) (importOp, string) {
	if v.ThreadKey == "" || len(v.ThreadKey) > importMaxPage {
		return importOp{}, "page address missing or longer than 500 characters"
	}
	if !v.Status.Valid() {
		return importOp{}, fmt.Sprintf("unknown status %q", v.Status)
	}
	if v.CreatedAt.IsZero() {
		return importOp{}, "no date"
	}
	html := ""
	if v.BodyHTML != "" {
		html = strings.TrimSpace(run.opts.Sanitize(v.BodyHTML))
	}
	if html == "" && v.Status != models.StatusRemoved {
		return importOp{}, "empty body (after removing unsafe HTML)"
	}
	if len(html) > importMaxHTML {
		return importOp{}, "body larger than 256 KiB"
	}
	ext := v.ExternalID
	if ext == "" { // a Disqus post without dsq:id: known by what it says
		ext = "h:" + importHash(v.ThreadKey, v.Author, v.CreatedAt.UTC().Format(time.RFC3339Nano), v.BodyHTML)
	}
	ext = importExternalID(ext)
	parent := ""
	if v.ParentExternalID != "" {
		parent = importExternalID(v.ParentExternalID)
	}
	if parent == ext {
		parent = ""
	}
	author := importClip(v.Author, importMaxAuthor)
	if author == "" {
		author = "Anonymous"
	}
	created := v.CreatedAt.UTC()
	c := &models.Comment{
		Author: author, Email: models.FoldEmail(importEmail(v.Email)), Website: importWebsite(v.Website),
		Body: html, HTML: html, Status: v.Status, IP: importIP(v.IP),
		Source: run.source, ExternalID: ext, CreatedAt: created, UpdatedAt: created,
	}
	if v.Status != models.StatusApproved {
		c.Reasons = []models.Reason{{Code: "imported", Text: "Imported",
			Detail: fmt.Sprintf("%s in the %s export", v.Status, run.source)}}
	}
	return importOp{comment: c, key: v.ThreadKey, threadExt: v.ThreadExternalID, parentExt: parent}, ""
}

// flush stores the batch in one transaction.
func (run *importRun) flush() error {
	if len(run.batch) == 0 {
		return nil
	}
	err := run.s.w.WithContext(run.ctx).Transaction(run.storeBatch)
	run.batch = run.batch[:0]
	return err
}

// CommentByExternal returns a site's comment imported from source with the
// given external id (as stored: ids longer than 200 bytes are hashed).
func (s *Store) CommentByExternal(ctx context.Context, siteID, source, externalID string) (models.Comment, error) {
	var c models.Comment
	err := s.r.WithContext(ctx).Table("comments").Select("comments.*").
		Joins("JOIN threads ON threads.id = comments.thread_id").
		Where("threads.site_id = ? AND comments.source = ? AND comments.external_id = ? AND comments.external_id <> ''",
			siteID, source, importExternalID(externalID)).
		Take(&c).Error
	if err != nil {
		return c, fmt.Errorf("store: %s comment %s: %w", source, externalID, notFound(err))
	}
	return c, nil
}
