package mailer

import (
	"context"
	"log/slog"
	"time"

	"parley/models"
)

// Outbox is the queue of mail the worker delivers; the store implements it.
type Outbox interface {
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]models.OutboxMessage, error)
	MarkMailSent(ctx context.Context, id uint, at time.Time) error
	MarkMailFailed(ctx context.Context, id uint, lastError string, next *time.Time) error
	PruneMail(ctx context.Context, cutoff, now time.Time) (int64, error)
}

// Deliverer hands one message to a mail server; *Mailer is one.
type Deliverer interface {
	Deliver(ctx context.Context, msg models.OutboxMessage) (Receipt, error)
}

// Worker defaults.
const (
	DefaultPoll        = 2 * time.Second
	DefaultDigestEvery = time.Hour
	defaultLease       = 5 * time.Minute
	defaultBatch       = 20
	defaultMinBackoff  = 30 * time.Second
	defaultMaxBackoff  = time.Hour
	defaultMaxAge      = 7 * 24 * time.Hour
	defaultKeepSent    = 30 * 24 * time.Hour
	markTimeout        = 10 * time.Second
)

// Worker delivers the outbox: every Poll it sends the messages that are
// due, and a failed message is tried again after a backoff that doubles
// from MinBackoff up to MaxBackoff, until it is older than MaxAge (then
// it stays in the table, given up, with its last error). A mail server
// that is down only delays mail. Every DigestEvery it also calls Digest,
// which queues the digest emails. Zero fields take the defaults above.
type Worker struct {
	Outbox Outbox
	Mail   Deliverer
	Log    *slog.Logger

	Poll        time.Duration
	Lease       time.Duration // how long a claimed message is left to this worker
	Batch       int
	MinBackoff  time.Duration
	MaxBackoff  time.Duration
	MaxAge      time.Duration
	KeepSent    time.Duration // sent messages are deleted after this
	Digest      func(ctx context.Context) error
	DigestEvery time.Duration
	// Prepare, when set, runs at the start of every Flush to queue mail
	// that events recorded in the database call for (reply emails).
	Prepare func(ctx context.Context) error
	Now     func() time.Time
}

// Run delivers mail until ctx ends. A message being sent when ctx ends is
// left claimed and is sent again after its lease, so nothing is lost.
func (w *Worker) Run(ctx context.Context) {
	poll := orDefault(w.Poll, DefaultPoll)
	digestEvery := orDefault(w.DigestEvery, DefaultDigestEvery)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	digest := time.NewTicker(digestEvery)
	defer digest.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	w.pass(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			w.pass(ctx)
		case <-digest.C:
			if w.Digest == nil {
				continue
			}
			if err := w.Digest(ctx); err != nil && ctx.Err() == nil {
				w.log().Error("mail: queue digests", "err", err)
			}
			w.pass(ctx)
		case <-prune.C:
			now := w.now()
			if _, err := w.Outbox.PruneMail(ctx, now.Add(-orDefault(w.KeepSent, defaultKeepSent)), now); err != nil && ctx.Err() == nil {
				w.log().Error("mail: prune outbox", "err", err)
			}
		}
	}
}

func (w *Worker) pass(ctx context.Context) {
	if _, err := w.Flush(ctx); err != nil && ctx.Err() == nil {
		w.log().Error("mail: deliver outbox", "err", err)
	}
}

// Flush sends every message that is due now, in batches, and returns how
// many the server accepted. Failures are recorded on the messages, not
// returned; the error is for the outbox itself failing.
func (w *Worker) Flush(ctx context.Context) (int, error) {
	if w.Prepare != nil {
		if err := w.Prepare(ctx); err != nil && ctx.Err() == nil {
			w.log().Error("mail: prepare outbox", "err", err)
		}
	}
	sent := 0
	batch := w.Batch
	if batch <= 0 {
		batch = defaultBatch
	}
	// Until nothing is due. Bounded: a claimed message is out of reach of
	// the next round, and a pass stops after a fixed number of rounds.
	for round := 0; round < 100; round++ {
		msgs, err := w.Outbox.ClaimMail(ctx, w.now(), orDefault(w.Lease, defaultLease), batch)
		if err != nil {
			return sent, err
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			ok, err := w.deliver(ctx, m)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
		if len(msgs) == 0 {
			return sent, nil
		}
	}
	return sent, nil
}

// deliver sends one claimed message and records the outcome.
func (w *Worker) deliver(ctx context.Context, m models.OutboxMessage) (bool, error) {
	_, sendErr := w.Mail.Deliver(ctx, m)
	// Record the outcome even when ctx just ended, so a delivered message
	// is not sent twice.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	now := w.now()
	if sendErr == nil {
		w.log().Info("mail: sent", "id", m.ID, "attempts", m.Attempts)
		return true, w.Outbox.MarkMailSent(mctx, m.ID, now)
	}
	if ctx.Err() != nil {
		// Shutting down: leave the message claimed; it is due again after its lease.
		return false, nil
	}
	var next *time.Time
	if now.Sub(m.CreatedAt) < orDefault(w.MaxAge, defaultMaxAge) {
		t := now.Add(w.backoff(m.Attempts))
		next = &t
		w.log().Warn("mail: delivery failed, will retry", "id", m.ID, "attempts", m.Attempts, "retry_at", t, "err", sendErr)
	} else {
		w.log().Error("mail: delivery failed, giving up", "id", m.ID, "attempts", m.Attempts, "err", sendErr)
	}
	return false, w.Outbox.MarkMailFailed(mctx, m.ID, sendErr.Error(), next)
}

// backoff is the wait after the given number of failed attempts.
func (w *Worker) backoff(attempts int) time.Duration {
	d := orDefault(w.MinBackoff, defaultMinBackoff)
	limit := orDefault(w.MaxBackoff, defaultMaxBackoff)
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
