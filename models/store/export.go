package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// The dump format: one JSON object whose arrays hold one record per line,
// in a fixed order (sites, moderators, keys when asked for, posts,
// threads, comments, redirects, bans, subscribers, audit) so that it can
// be read back as a stream. Version 2 added votes and flags to the
// comments, the keys, and the sections after redirects; a reader of
// version 1 would drop them unseen, so it refuses version 2 instead.
const (
	DumpFormat  = "parley-export"
	DumpVersion = 2
)

// DumpSite is a site in a dump.
type DumpSite struct {
	ID        string              `json:"id"`
	Name      string              `json:"name"`
	Origins   []string            `json:"origins"`
	Settings  models.SiteSettings `json:"settings"`
	CreatedAt time.Time           `json:"created_at"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// DumpModerator is a moderator in a dump. The password hash is left out:
// a dump travels further than the database does, and a moderator whose
// account comes back from one sets a new password with "parley admin passwd".
type DumpModerator struct {
	ID        uint      `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	Notify    string    `json:"notify"`
	Language  string    `json:"language,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DumpPost is a post in a dump.
type DumpPost struct {
	ID          uint       `json:"id"`
	SiteID      string     `json:"site_id"`
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	BodyHTML    string     `json:"body_html"`
	Published   bool       `json:"published"`
	PublishedAt *time.Time `json:"published_at"`
	Moderation  string     `json:"moderation"`
	Source      string     `json:"source"`
	ExternalID  string     `json:"external_id"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// DumpThread is a thread in a dump; comment_count is the number of its
// approved comments.
type DumpThread struct {
	ID        uint      `json:"id"`
	SiteID    string    `json:"site_id"`
	Page      string    `json:"page"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	PostID    *uint     `json:"post_id"`
	Closed    bool      `json:"closed"`
	Count     int       `json:"comment_count"`
	CreatedAt time.Time `json:"created_at"`
}

// DumpComment is a comment in a dump, with every private field: a dump is
// for the operator, never for readers. The edit token hash is left out:
// tokens are signed with this instance's keys and last minutes.
type DumpComment struct {
	ID            uint            `json:"id"`
	ThreadID      uint            `json:"thread_id"`
	ParentID      *uint           `json:"parent_id"`
	Depth         int             `json:"depth"`
	Author        string          `json:"author"`
	Email         string          `json:"email"`
	Website       string          `json:"website"`
	Body          string          `json:"body"`
	HTML          string          `json:"html"`
	Status        models.Status   `json:"status"`
	Reasons       []models.Reason `json:"reasons"`
	Score         int             `json:"score"`
	Upvotes       int             `json:"upvotes"`
	Downvotes     int             `json:"downvotes"`
	Pinned        bool            `json:"pinned"`
	NotifyReplies bool            `json:"notify_replies"`
	IP            string          `json:"ip"`
	UserAgent     string          `json:"user_agent"`
	CommenterKey  string          `json:"commenter_key"`
	Source        string          `json:"source"`
	ExternalID    string          `json:"external_id"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	EditedAt      *time.Time      `json:"edited_at"`
	Votes         []DumpVote      `json:"votes,omitempty"`
	Flags         []DumpFlag      `json:"flags,omitempty"`
}

// DumpRedirect is an old address in a dump.
type DumpRedirect struct {
	SiteID    string    `json:"site_id"`
	FromPath  string    `json:"from_path"`
	ToPath    string    `json:"to_path"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportOptions choose what Export writes.
type ExportOptions struct {
	// SiteID limits the dump to one site; "" exports every site and the
	// moderators.
	SiteID string
	// WithKeys adds the signing keys to a dump of everything, for a move
	// to another database that readers should not notice.
	WithKeys bool
}

// exportPage is how many rows one query of the export reads.
const exportPage = 1000

// Export writes a lossless JSON dump of one site or of everything to w,
// from one consistent snapshot of the database, reading it page by page.
// The same database always gives the same bytes.
func (s *Store) Export(ctx context.Context, w io.Writer, opts ExportOptions) error {
	if opts.SiteID != "" {
		if opts.WithKeys {
			return errors.New("store: export: the signing keys belong to the whole database; export every site to take them along")
		}
		if _, err := s.Site(ctx, opts.SiteID); err != nil {
			return err
		}
	}
	var txOpts []*sql.TxOptions
	if s.postgres {
		txOpts = append(txOpts, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	err := s.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The pages are read without the request's cancellation, which
		// SQLite's driver would watch from a goroutine of its own for every
		// row; the dump looks at ctx between pages instead.
		e := &dumpWriter{w: bw, tx: tx.WithContext(s.quick(ctx)), ctx: ctx, site: opts.SiteID}
		fmt.Fprintf(bw, `{"format":%q,"version":%d`, DumpFormat, DumpVersion)
		sections := []dumpSection{{"sites", e.sites}, {"moderators", e.moderators}}
		if opts.WithKeys {
			// Before the comments: a fresh database takes keys only while it
			// has none, so an import run again after stopping half-way finds
			// them stored already.
			sections = append(sections, dumpSection{"keys", e.keys})
		}
		sections = append(sections, []dumpSection{{"posts", e.posts}, {"threads", e.threads}, {"comments", e.comments},
			{"redirects", e.redirects}, {"bans", e.bans}, {"subscribers", e.subscribers}, {"audit", e.audit}}...)
		for _, sec := range sections {
			fmt.Fprintf(bw, ",\n%q:[", sec.name)
			e.first = true
			if err := sec.write(); err != nil {
				return fmt.Errorf("%s: %w", sec.name, err)
			}
			bw.WriteString("\n]")
		}
		_, err := bw.WriteString("}\n")
		return err
	}, txOpts...)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	return nil
}

// dumpSection is one top-level array of a dump and what writes it.
type dumpSection struct {
	name  string
	write func() error
}

// dumpWriter writes the sections of one export.
type dumpWriter struct {
	w  *bufio.Writer
	tx *gorm.DB
	// ctx is the export's; when it ends, the export stops at the next page.
	ctx   context.Context
	site  string
	first bool
}

func (e *dumpWriter) put(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !e.first {
		e.w.WriteByte(',')
	}
	e.first = false
	e.w.WriteByte('\n')
	_, err = e.w.Write(b)
	return err
}

// exportPages reads a table by ascending id, exportPage rows at a time, and hands
// each page to fn until ctx ends; q filters the rows.
func exportPages[T any](ctx context.Context, q func() *gorm.DB, id func(T) uint, fn func([]T) error) error {
	var after uint
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rows []T
		if err := q().Where("id > ?", after).Order("id").Limit(exportPage).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(rows); err != nil {
			return err
		}
		after = id(rows[len(rows)-1])
	}
}

func (e *dumpWriter) sites() error {
	var rows []models.Site
	q := e.tx.Order("id")
	if e.site != "" {
		q = q.Where("id = ?", e.site)
	}
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		err := e.put(DumpSite{ID: r.ID, Name: r.Name, Origins: r.Origins, Settings: r.Settings,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()})
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *dumpWriter) moderators() error {
	if e.site != "" {
		return nil
	}
	return exportPages(e.ctx, func() *gorm.DB { return e.tx.Model(&models.Moderator{}) },
		func(m models.Moderator) uint { return m.ID },
		func(rows []models.Moderator) error {
			for _, m := range rows {
				err := e.put(DumpModerator{ID: m.ID, Email: m.Email, Name: m.Name, Role: m.Role, Disabled: m.Disabled,
					Notify: m.Notify, Language: m.Language, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()})
				if err != nil {
					return err
				}
			}
			return nil
		})
}

func (e *dumpWriter) posts() error {
	return exportPages(e.ctx, func() *gorm.DB { return e.siteFilter(e.tx.Model(&models.Post{}), "site_id") },
		func(p models.Post) uint { return p.ID },
		func(rows []models.Post) error {
			for _, p := range rows {
				err := e.put(DumpPost{ID: p.ID, SiteID: p.SiteID, Slug: p.Slug, Title: p.Title, Body: p.Body,
					BodyHTML: p.BodyHTML, Published: p.Published, PublishedAt: utcPtr(p.PublishedAt),
					Moderation: p.Moderation, Source: p.Source, ExternalID: p.ExternalID,
					CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()})
				if err != nil {
					return err
				}
			}
			return nil
		})
}

func (e *dumpWriter) threads() error {
	return exportPages(e.ctx, func() *gorm.DB { return e.siteFilter(e.tx.Model(&models.Thread{}), "site_id") },
		func(t models.Thread) uint { return t.ID },
		func(rows []models.Thread) error {
			for _, t := range rows {
				err := e.put(DumpThread{ID: t.ID, SiteID: t.SiteID, Page: t.Page, Title: t.Title, URL: t.URL,
					PostID: t.PostID, Closed: t.Closed, Count: t.Count, CreatedAt: t.CreatedAt.UTC()})
				if err != nil {
					return err
				}
			}
			return nil
		})
}

func (e *dumpWriter) comments() error {
	var after uint
	for {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		page, err := e.commentPage(after)
		if err != nil || len(page) == 0 {
			return err
		}
		votes, flags, err := e.reactions(page[0].ID, page[len(page)-1].ID)
		if err != nil {
			return err
		}
		for i := range page {
			c := &page[i]
			c.Votes, c.Flags = votes[c.ID], flags[c.ID]
			if err := e.put(c); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}

// dumpCommentColumns are the columns commentPage reads, in its order.
const dumpCommentColumns = "id, thread_id, parent_id, depth, author, email, website, body, html, status, reasons, " +
	"score, upvotes, downvotes, pinned, notify_replies, ip, user_agent, commenter_key, source, external_id, " +
	"created_at, updated_at, edited_at"

// commentPage reads the next exportPage comments after the given id,
// without their votes and flags. It scans the columns itself rather than
// through GORM's model: comments are nearly all of a big dump, and
// reflecting over each one cost a fifth of the time writing it took.
// NULLs read as GORM reads them: empty text, a zero time, nil reasons.
func (e *dumpWriter) commentPage(after uint) ([]DumpComment, error) {
	q := e.tx.Table("comments").Select(dumpCommentColumns).Where("id > ?", after)
	if e.site != "" {
		q = q.Where("thread_id IN (?)", e.tx.Model(&models.Thread{}).Select("id").Where("site_id = ?", e.site))
	}
	rows, err := q.Order("id").Limit(exportPage).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := make([]DumpComment, 0, exportPage)
	for rows.Next() {
		var (
			c                              DumpComment
			parent                         sql.NullInt64
			email, website, ip, agent, key sql.NullString
			reasons                        []byte
			created, updated, edited       sql.NullTime
		)
		err := rows.Scan(&c.ID, &c.ThreadID, &parent, &c.Depth, &c.Author, &email, &website, &c.Body, &c.HTML,
			&c.Status, &reasons, &c.Score, &c.Upvotes, &c.Downvotes, &c.Pinned, &c.NotifyReplies, &ip, &agent,
			&key, &c.Source, &c.ExternalID, &created, &updated, &edited)
		if err != nil {
			return nil, err
		}
		c.ParentID = nullID(parent)
		if c.Reasons, err = decodeReasons(c.ID, reasons); err != nil {
			return nil, err
		}
		c.Email, c.Website, c.IP, c.UserAgent, c.CommenterKey = email.String, website.String, ip.String, agent.String, key.String
		c.CreatedAt, c.UpdatedAt = created.Time.UTC(), updated.Time.UTC()
		if edited.Valid {
			t := edited.Time.UTC()
			c.EditedAt = &t
		}
		page = append(page, c)
	}
	return page, rows.Err()
}

func (e *dumpWriter) redirects() error {
	return exportPages(e.ctx, func() *gorm.DB { return e.siteFilter(e.tx.Model(&models.Redirect{}), "site_id") },
		func(r models.Redirect) uint { return r.ID },
		func(rows []models.Redirect) error {
			for _, r := range rows {
				err := e.put(DumpRedirect{SiteID: r.SiteID, FromPath: r.FromPath, ToPath: r.ToPath, CreatedAt: r.CreatedAt.UTC()})
				if err != nil {
					return err
				}
			}
			return nil
		})
}

func (e *dumpWriter) siteFilter(q *gorm.DB, col string) *gorm.DB {
	if e.site == "" {
		return q
	}
	return q.Where(col+" = ?", e.site)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
