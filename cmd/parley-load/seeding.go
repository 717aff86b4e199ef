package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"parley/models"
	"parley/models/markup"
	"parley/models/moderation"
	"parley/models/store"
)

// seedConfig says what to put into a new database.
type seedConfig struct {
	DB             string
	Threads        int    // posts, each with a thread
	Comments       int    // approved comments per post thread
	Pending        int    // pending comments, for the queue
	PendingThreads int    // embedded pages that hold the pending comments
	Bodies         int    // distinct rendered comment bodies to draw from
	Batch          int    // comments per transaction
	Seed           uint64 // random seed: the same seed gives the same data
}

// manifest describes a seeded database; the load run reads it to know the
// pages to ask for. It is written next to the database file.
type manifest struct {
	Threads           int            `json:"threads"`
	CommentsPerThread int            `json:"comments_per_thread"`
	Pending           int            `json:"pending"`
	TotalComments     int            `json:"total_comments"`
	Posts             []manifestPost `json:"posts"`
	PendingPages      []string       `json:"pending_pages"`
	SeedSeconds       float64        `json:"seed_seconds"`
}

// manifestPost is one seeded post; ReplyTo holds a few of its approved
// comments for the write scenario's replies (first posts only).
type manifestPost struct {
	Slug    string `json:"slug"`
	Page    string `json:"page"`
	ReplyTo []uint `json:"reply_to,omitempty"`
}

// embedOrigin is the site that embeds the blog's threads in the embed
// scenario; seeding adds it to the default site's origins.
const embedOrigin = "https://blog.example.com"

// replyTargetPosts is how many posts list comments to reply to.
const replyTargetPosts = 100

func manifestPath(db string) string { return db + ".load.json" }

func readManifest(db string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(manifestPath(db))
	if err != nil {
		return m, fmt.Errorf("read the seed manifest (run \"parley-load seed\" first): %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read %s: %w", manifestPath(db), err)
	}
	if len(m.Posts) == 0 {
		return m, fmt.Errorf("%s lists no posts", manifestPath(db))
	}
	return m, nil
}

// body is one rendered comment with the reasons pre-moderation gives it.
type body struct {
	markdown, html string
	reasons        []models.Reason
}

// seed creates cfg.DB through the store: the posts with CreatePost, the
// comments in big batches with SeedComments.
func seed(ctx context.Context, cfg seedConfig, progress io.Writer) (manifest, error) {
	start := time.Now()
	m := manifest{Threads: cfg.Threads, CommentsPerThread: cfg.Comments, Pending: cfg.Pending}
	if _, err := os.Stat(cfg.DB); err == nil {
		return m, fmt.Errorf("%s exists: seed only into a new file", cfg.DB)
	} else if !errors.Is(err, os.ErrNotExist) {
		return m, err
	}
	if cfg.Threads < 1 || cfg.Comments < 0 || cfg.Pending < 0 || cfg.PendingThreads < 1 || cfg.Bodies < 1 || cfg.Batch < 1 {
		return m, errors.New("seed: threads, pending threads, bodies and batch must be positive")
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return m, err
	}
	defer st.Close()
	md := markup.New()
	welcomeHTML, err := md.Post("A blog filled by parley-load.")
	if err != nil {
		return m, err
	}
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome to Parley", Slug: "welcome-to-parley",
		Body: "A blog filled by parley-load.", BodyHTML: welcomeHTML}); err != nil {
		return m, err
	}
	site, err := st.Site(ctx, models.DefaultSiteID)
	if err != nil {
		return m, err
	}
	// The embed scenario frames the blog's threads on another site.
	site.Origins = append(site.Origins, embedOrigin)
	if err := st.SaveSite(ctx, &site); err != nil {
		return m, err
	}
	gen := newTextGen(cfg.Seed)
	posts, err := seedPosts(ctx, st, md, gen, cfg.Threads, progress)
	if err != nil {
		return m, err
	}
	fmt.Fprintf(progress, "seed: %d posts in %.1fs\n", len(posts), time.Since(start).Seconds())
	held := make([]models.Thread, cfg.PendingThreads)
	for i := range held {
		page := fmt.Sprintf("/archive/held-%03d", i+1)
		if held[i], err = st.EnsureThread(ctx, models.DefaultSiteID, page, "Archive page "+page, ""); err != nil {
			return m, err
		}
		m.PendingPages = append(m.PendingPages, page)
	}
	pool, err := renderBodies(cfg, md, site.Settings.Rules)
	if err != nil {
		return m, err
	}
	w := &seedWriter{st: st, gen: gen, pool: pool, cfg: cfg, maxDepth: site.Settings.MaxDepth,
		progress: progress, start: start, total: cfg.Threads*cfg.Comments + cfg.Pending}
	for i, p := range posts {
		ids, err := w.thread(ctx, p, i < replyTargetPosts)
		if err != nil {
			return m, err
		}
		m.Posts = append(m.Posts, manifestPost{Slug: p.Slug, Page: p.PagePath(), ReplyTo: ids})
	}
	for i := 0; i < cfg.Pending; i++ {
		if err := w.pending(ctx, held[i%len(held)]); err != nil {
			return m, err
		}
	}
	if err := w.flush(ctx); err != nil {
		return m, err
	}
	m.TotalComments = w.done
	m.SeedSeconds = time.Since(start).Seconds()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := os.WriteFile(manifestPath(cfg.DB), b, 0o644); err != nil {
		return m, fmt.Errorf("write manifest: %w", err)
	}
	fmt.Fprintf(progress, "seed: %d comments in %d threads (+%d pending) in %.1fs\n",
		m.TotalComments, cfg.Threads, cfg.Pending, m.SeedSeconds)
	return m, nil
}

// seededPost is a created post and the id of its thread.
type seededPost struct {
	models.Post
	ThreadID uint
}

// seedPosts creates n published posts an hour apart, the newest a week old.
func seedPosts(ctx context.Context, st *store.Store, md *markup.Renderer, gen *textGen, n int, progress io.Writer) ([]seededPost, error) {
	posts := make([]seededPost, 0, n)
	newest := time.Now().UTC().Add(-7 * 24 * time.Hour)
	for i := 0; i < n; i++ {
		title := gen.title()
		src := gen.article(title)
		html, err := md.Post(src)
		if err != nil {
			return nil, err
		}
		at := newest.Add(-time.Duration(n-1-i) * time.Hour)
		p := models.Post{SiteID: models.DefaultSiteID, Slug: fmt.Sprintf("load-%05d", i+1), Title: title,
			Body: src, BodyHTML: html, Published: true, PublishedAt: &at}
		if err := st.CreatePost(ctx, &p); err != nil {
			return nil, err
		}
		t, err := st.Thread(ctx, p.SiteID, p.PagePath())
		if err != nil {
			return nil, err
		}
		posts = append(posts, seededPost{Post: p, ThreadID: t.ID})
		if (i+1)%1000 == 0 {
			fmt.Fprintf(progress, "seed: %d/%d posts\n", i+1, n)
		}
	}
	return posts, nil
}

// renderBodies renders cfg.Bodies comments through the markup package on
// every core, with the reasons pre-moderation would give each.
func renderBodies(cfg seedConfig, md *markup.Renderer, rules models.RuleSettings) ([]body, error) {
	pool := make([]body, cfg.Bodies)
	for i := range pool {
		gen := newTextGen(cfg.Seed + uint64(i) + 1)
		pool[i].markdown = gen.comment(i%2 == 1)
	}
	workers := runtime.NumCPU()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := w; i < len(pool); i += workers {
				html, err := md.Comment(pool[i].markdown)
				if err != nil {
					errs[w] = err
					return
				}
				pool[i].html = html
				v := moderation.Check(moderation.Input{Body: pool[i].markdown, HTML: html,
					Mode: models.ModerationPre, Rules: rules})
				pool[i].reasons = v.Reasons
			}
		})
	}
	wg.Wait()
	return pool, errors.Join(errs...)
}

// seedWriter collects comments into batches and writes each batch in one
// transaction.
type seedWriter struct {
	st       *store.Store
	gen      *textGen
	pool     []body
	cfg      seedConfig
	maxDepth int
	progress io.Writer
	start    time.Time
	total    int

	batch   []models.Comment
	parents []int
	done    int
	// pendingAt spaces pending comments a few seconds apart.
	pendingAt time.Time
}

var userAgents = []string{
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
}

// comment returns a comment by a random reader with a body from the pool.
func (w *seedWriter) comment(threadID uint, status models.Status, reply bool, at time.Time) models.Comment {
	rng := w.gen.rng
	i := rng.IntN(len(w.pool))
	if reply {
		i |= 1 // replies take odd entries, which may quote
	} else {
		i &^= 1
	}
	i = min(i, len(w.pool)-1)
	b := w.pool[i]
	c := models.Comment{ThreadID: threadID, Author: w.gen.name(), Body: b.markdown, HTML: b.html, Status: status,
		IP:        fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)),
		UserAgent: w.gen.pick(userAgents), CreatedAt: at, UpdatedAt: at}
	if time.Since(at) > models.DefaultIPRetentionDays*24*time.Hour {
		// What Parley's retention leaves of an older comment; otherwise the
		// first start on a seeded file spends minutes clearing them while
		// the scenarios run.
		c.IP, c.UserAgent = "", ""
	}
	if rng.IntN(2) == 0 {
		c.Email = fmt.Sprintf("reader%d@example.com", rng.IntN(100_000))
	}
	if rng.IntN(5) == 0 {
		c.Website = fmt.Sprintf("https://example.org/~reader%d", rng.IntN(100_000))
	}
	if rng.IntN(4) == 0 {
		c.Score = rng.IntN(7) - 1
	}
	var key [16]byte
	for j := range key {
		key[j] = byte(rng.Uint32())
	}
	c.CommenterKey = base64.RawURLEncoding.EncodeToString(key[:])
	if status != models.StatusApproved {
		c.Reasons = b.reasons
	}
	return c
}

// thread adds a post's comments over the six days after it was published:
// each after the first replies to a random earlier one half of the time.
// It returns the ids of the first few when asked, once they are written.
func (w *seedWriter) thread(ctx context.Context, p seededPost, wantIDs bool) ([]uint, error) {
	base := len(w.batch)
	at := p.PublishedAt.Add(10 * time.Minute)
	gap := max(2, int(6*24*time.Hour/time.Second)/max(1, w.cfg.Comments))
	for j := 0; j < w.cfg.Comments; j++ {
		parent := -1
		if j > 0 && w.gen.rng.IntN(2) == 0 {
			parent = base + w.gen.rng.IntN(j)
		}
		at = at.Add(time.Duration(1+w.gen.rng.IntN(gap)) * time.Second)
		w.batch = append(w.batch, w.comment(p.ThreadID, models.StatusApproved, parent >= 0, at))
		w.parents = append(w.parents, parent)
	}
	var ids []uint
	if wantIDs {
		// Write now so the ids are known; threads are never split.
		n := min(10, w.cfg.Comments)
		first := w.batch[base : base+n]
		if err := w.flush(ctx); err != nil {
			return nil, err
		}
		for _, c := range first {
			ids = append(ids, c.ID)
		}
		return ids, nil
	}
	if len(w.batch) >= w.cfg.Batch {
		return nil, w.flush(ctx)
	}
	return nil, nil
}

// pending adds one held top-level comment on an archive page.
func (w *seedWriter) pending(ctx context.Context, t models.Thread) error {
	if w.pendingAt.IsZero() {
		w.pendingAt = time.Now().UTC().Add(-time.Duration(w.cfg.Pending) * 3 * time.Second)
	}
	w.pendingAt = w.pendingAt.Add(time.Duration(1+w.gen.rng.IntN(5)) * time.Second)
	w.batch = append(w.batch, w.comment(t.ID, models.StatusPending, false, w.pendingAt))
	w.parents = append(w.parents, -1)
	if len(w.batch) >= w.cfg.Batch {
		return w.flush(ctx)
	}
	return nil
}

// flush writes the collected comments in one transaction.
func (w *seedWriter) flush(ctx context.Context) error {
	if len(w.batch) == 0 {
		return nil
	}
	if err := w.st.SeedComments(ctx, w.batch, w.parents, w.maxDepth); err != nil {
		return err
	}
	w.done += len(w.batch)
	if len(w.batch) >= w.cfg.Batch/2 {
		fmt.Fprintf(w.progress, "seed: %d/%d comments (%.1fs)\n", w.done, w.total, time.Since(w.start).Seconds())
	}
	w.batch, w.parents = w.batch[:0], w.parents[:0]
	return nil
}
