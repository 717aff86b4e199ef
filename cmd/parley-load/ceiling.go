package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // the same SQLite driver Parley's store uses
)

// readCeiling serves fixed bytes from a bare net/http handler on a loopback
// port: what the machine can do for a response of that size, with no
// database, routing or rendering. It answers every request with the
// captured status, content headers and body.
type readCeiling struct {
	srv  *http.Server
	base string
	done chan error
}

func startReadCeiling(resp captured) (*readCeiling, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ceiling: listen: %w", err)
	}
	c := &readCeiling{
		srv:  &http.Server{Handler: ceilingHandler(resp), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute},
		base: "http://" + ln.Addr().String(),
		done: make(chan error, 1),
	}
	go func() { c.done <- c.srv.Serve(ln) }()
	return c, nil
}

// ceilingHeaders are the headers of Parley's answer a ceiling repeats.
var ceilingHeaders = []string{"Content-Type", "Content-Encoding", "Vary"}

// ceilingHandler answers every request with the captured status, content
// headers and body, and nothing else.
func ceilingHandler(resp captured) http.Handler {
	length := strconv.Itoa(len(resp.body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		for _, k := range ceilingHeaders {
			if v := resp.header.Get(k); v != "" {
				h.Set(k, v)
			}
		}
		h.Set("Content-Length", length)
		w.WriteHeader(resp.status)
		_, _ = w.Write(resp.body)
	})
}

func (c *readCeiling) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("ceiling: shut down: %w", err)
	}
	if err := <-c.done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ceiling: serve: %w", err)
	}
	return nil
}

// runReadCeiling serves what sc's probe returned and drives it with the
// same client code as the scenario.
func runReadCeiling(ctx context.Context, sc *scenario, resp captured, lim limits) (result, error) {
	c, err := startReadCeiling(resp)
	if err != nil {
		return result{}, err
	}
	res := drive(ctx, "ceiling-read ("+sc.name+")", lim, 0, sc.request(c.base), okStatus(resp.status))
	res.Note = fmt.Sprintf("%d-byte body", len(resp.body))
	return res, c.close()
}

// ceilingRow is the row each write-ceiling transaction inserts: as large as
// a typical comment with its rendered HTML.
var ceilingRow = struct{ body, html string }{
	body: "I tried this on my own blog last weekend and it worked on the first attempt. " +
		"Could you say more about how the cache is invalidated when a comment is edited? " +
		"See [my write-up](https://blog.example.org/posts/moving-comments?ref=parley).",
	html: `<p>I tried this on my own blog last weekend and it worked on the first attempt. ` +
		`Could you say more about how the cache is invalidated when a comment is edited? ` +
		`See <a href="https://blog.example.org/posts/moving-comments?ref=parley" rel="nofollow ugc noopener noreferrer">my write-up</a>.</p>`,
}

// runWriteCeiling inserts one row per transaction from lim.Clients
// goroutines into a new SQLite file in dir, with Parley's durability
// settings: WAL, synchronous=FULL, immediate transactions, one connection.
func runWriteCeiling(ctx context.Context, dir string, lim limits) (result, error) {
	path := filepath.Join(dir, "ceiling-write.db")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_busy_timeout=10000&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return result{}, fmt.Errorf("write ceiling: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS comments (id INTEGER PRIMARY KEY,
		thread_id INTEGER NOT NULL, author TEXT NOT NULL, body TEXT NOT NULL, html TEXT NOT NULL,
		status TEXT NOT NULL, created_at DATETIME NOT NULL)`); err != nil {
		return result{}, fmt.Errorf("write ceiling: create table: %w", err)
	}
	res := result{Scenario: "ceiling-write", Clients: lim.Clients, Statuses: map[int]uint64{}}
	ctx, cancel := context.WithTimeout(ctx, lim.Duration)
	defer cancel()
	var sent atomic.Uint64
	hists := make([]histogram, lim.Clients)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := range hists {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				if lim.MaxRequests > 0 && sent.Add(1) > lim.MaxRequests {
					return
				}
				t0 := time.Now()
				err := insertOne(ctx, db, w, i)
				if err != nil && ctx.Err() != nil {
					return
				}
				hists[w].record(time.Since(t0))
				if err != nil {
					mu.Lock()
					res.Errors++
					if res.ErrorSample == "" {
						res.ErrorSample = err.Error()
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var h histogram
	for i := range hists {
		h.merge(&hists[i])
	}
	res.Requests, res.Seconds = h.n, elapsed.Seconds()
	res.ReqPerSec = float64(h.n) / elapsed.Seconds()
	res.P50, res.P90, res.P99, res.Max = h.quantile(0.50), h.quantile(0.90), h.quantile(0.99), h.max
	res.Note = "one row per transaction"
	return res, nil
}

// insertOne commits one comment-sized row in its own transaction.
func insertOne(ctx context.Context, db *sql.DB, worker, i int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO comments (thread_id, author, body, html, status, created_at)
		VALUES (?, ?, ?, ?, 'pending', ?)`, worker+1, fmt.Sprintf("Writer %d", i), ceilingRow.body, ceilingRow.html, time.Now().UTC())
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
