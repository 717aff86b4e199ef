package mailer_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/models"
	"parley/models/mailer"
	"parley/models/mailer/smtptest"
	"parley/models/store"
	"parley/models/store/storetest"
)

// clock is the worker's time: the real time plus an offset the test moves
// forward, safe across goroutines.
type clock struct{ offset atomic.Int64 }

func newClock() *clock                   { return &clock{} }
func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func newMailer(t *testing.T, url string) *mailer.Mailer {
	t.Helper()
	m, err := mailer.New(url, "Parley <parley@example.org>", "test.example")
	if err != nil {
		t.Fatal(err)
	}
	m.Transport.Timeout = 10 * time.Second
	return m
}

func enqueue(t *testing.T, st *store.Store, m *mailer.Mailer, to ...string) {
	t.Helper()
	var msgs []*models.OutboxMessage
	for _, r := range to {
		msgs = append(msgs, m.NewOutboxMessage(r, "Held comment", "Body for "+r))
	}
	if err := st.EnqueueMail(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func flush(t *testing.T, w *mailer.Worker) int {
	t.Helper()
	n, err := w.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func outbox(t *testing.T, st *store.Store) []models.OutboxMessage {
	t.Helper()
	msgs, err := st.OutboxMessages(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestWorkerKeepsMailWhileServerIsDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // the mail server is down

		m := newMailer(t, "smtp://"+addr)
		clk := newClock()
		w := &mailer.Worker{Outbox: st, Mail: m, Now: clk.now, MinBackoff: time.Minute, MaxBackoff: 10 * time.Minute}
		enqueue(t, st, m, "mod@example.com")

		for attempt := 1; attempt <= 3; attempt++ {
			if n := flush(t, w); n != 0 {
				t.Fatalf("attempt %d: sent %d with the server down", attempt, n)
			}
			msgs := outbox(t, st)
			if len(msgs) != 1 || msgs[0].SentAt != nil || msgs[0].Attempts != attempt ||
				!strings.Contains(msgs[0].LastError, "connect to "+addr) || msgs[0].NextAttemptAt == nil {
				t.Fatalf("attempt %d: outbox = %+v", attempt, msgs)
			}
			// Exponential backoff: 1, 2, 4 minutes from now.
			wait := msgs[0].NextAttemptAt.Sub(clk.now())
			if want := time.Minute << (attempt - 1); wait < want-10*time.Second || wait > want+10*time.Second {
				t.Fatalf("attempt %d: next try in %s, want %s", attempt, wait, want)
			}
			if n := flush(t, w); n != 0 || outbox(t, st)[0].Attempts != attempt {
				t.Fatalf("attempt %d: retried before the backoff ended", attempt)
			}
			clk.advance(wait)
		}

		srv := smtptest.Start(t, smtptest.Options{Addr: addr}) // the server comes back
		if n := flush(t, w); n != 1 {
			t.Fatalf("sent %d after the server came back", n)
		}
		msgs := outbox(t, st)
		if msgs[0].SentAt == nil || msgs[0].NextAttemptAt != nil || msgs[0].LastError != "" || msgs[0].Attempts != 4 {
			t.Fatalf("outbox after delivery = %+v", msgs[0])
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].To[0] != "mod@example.com" || !strings.Contains(string(got[0].Data), "Body for mod@example.com") {
			t.Fatalf("server received %+v", got)
		}
		if n := flush(t, w); n != 0 || len(srv.Messages()) != 1 {
			t.Fatal("a sent message was sent again")
		}
	})
}

func TestWorkerRetriesTemporaryFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.Start(t, smtptest.Options{STARTTLS: true, RequireTLS: true, FailFirst: 2})
		m := newMailer(t, srv.URL("", ""))
		m.Transport.TLSConfig = srv.ClientTLS()
		clk := newClock()
		w := &mailer.Worker{Outbox: st, Mail: m, Now: clk.now}
		enqueue(t, st, m, "a@example.com", "b@example.com", "c@example.com")

		if n := flush(t, w); n != 1 {
			t.Fatalf("first pass sent %d, want 1 (two refused with 451)", n)
		}
		var failed int
		for _, msg := range outbox(t, st) {
			if msg.SentAt == nil {
				failed++
				if !strings.Contains(msg.LastError, "451") {
					t.Errorf("last error = %q", msg.LastError)
				}
			}
		}
		if failed != 2 {
			t.Fatalf("%d messages waiting, want 2", failed)
		}
		clk.advance(time.Hour)
		if n := flush(t, w); n != 2 {
			t.Fatalf("retry pass sent %d, want 2", n)
		}
		got := srv.Messages()
		if len(got) != 3 {
			t.Fatalf("server has %d messages, want 3", len(got))
		}
		ids := map[string]bool{}
		for _, g := range got {
			if !g.TLS {
				t.Error("message sent without STARTTLS")
			}
			ids[headerValue(string(g.Data), "Message-ID")] = true
		}
		if len(ids) != 3 {
			t.Errorf("Message-IDs not distinct: %v", ids)
		}
	})
}

func TestWorkerGivesUpOnOldMail(t *testing.T) {
	st := storetest.Open(t, t.TempDir()+"/parley.db")
	srv := smtptest.Start(t, smtptest.Options{Reject: []string{"gone@example.com"}})
	m := newMailer(t, srv.URL("", ""))
	clk := newClock()
	w := &mailer.Worker{Outbox: st, Mail: m, Now: clk.now, MaxAge: time.Hour}
	enqueue(t, st, m, "gone@example.com")
	flush(t, w)
	if msgs := outbox(t, st); msgs[0].GaveUpAt != nil || msgs[0].NextAttemptAt == nil {
		t.Fatalf("gave up at once: %+v", msgs[0])
	}
	clk.advance(2 * time.Hour)
	flush(t, w)
	msgs := outbox(t, st)
	if msgs[0].GaveUpAt == nil || msgs[0].NextAttemptAt != nil || !strings.Contains(msgs[0].LastError, "550") {
		t.Fatalf("old failing mail not given up: %+v", msgs[0])
	}
	clk.advance(24 * time.Hour)
	if n := flush(t, w); n != 0 || outbox(t, st)[0].Attempts != 2 {
		t.Fatal("a given-up message was tried again")
	}
}

func TestWorkersOnTwoInstancesSendOnce(t *testing.T) {
	st := storetest.Open(t, t.TempDir()+"/parley.db")
	srv := smtptest.Start(t, smtptest.Options{})
	m := newMailer(t, srv.URL("", ""))
	var to []string
	for i := range 10 {
		to = append(to, string(rune('a'+i))+"@example.com")
	}
	enqueue(t, st, m, to...)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &mailer.Worker{Outbox: st, Mail: m, Batch: 2, Now: func() time.Time { return time.Now().Add(time.Second) }}
			if _, err := w.Flush(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := len(srv.Messages()); got != 10 {
		t.Fatalf("server got %d messages, want each of 10 once", got)
	}
}

func TestWorkerRunDeliversDigestsAndStops(t *testing.T) {
	st := storetest.Open(t, t.TempDir()+"/parley.db")
	srv := smtptest.Start(t, smtptest.Options{})
	m := newMailer(t, srv.URL("", ""))
	var digests atomic.Int32
	w := &mailer.Worker{Outbox: st, Mail: m, Poll: 10 * time.Millisecond, DigestEvery: 20 * time.Millisecond,
		Digest: func(ctx context.Context) error {
			if digests.Add(1) == 1 {
				return st.EnqueueMail(ctx, m.NewOutboxMessage("digest@example.com", "Digest", "two comments"))
			}
			return nil
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	enqueue(t, st, m, "each@example.com")
	got := srv.Wait(t, 2, 20*time.Second)
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	rcpts := map[string]bool{}
	for _, g := range got {
		rcpts[g.To[0]] = true
	}
	if !rcpts["each@example.com"] || !rcpts["digest@example.com"] {
		t.Fatalf("received for %v", rcpts)
	}
}

// headerValue returns the first header of that name in a raw message.
func headerValue(raw, name string) string {
	for _, line := range strings.Split(raw, "\r\n") {
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
