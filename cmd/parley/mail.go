package main

import (
	"context"
	"log/slog"
	"net/url"

	"parley/handlers"
	"parley/models/mailer"
	"parley/models/store"
)

// startMail starts the outbox worker when PARLEY_SMTP_URL and
// PARLEY_MAIL_FROM are set, and returns a function that stops it and waits
// for it. Mail still in the outbox then is sent on the next start.
func startMail(ctx context.Context, cfg *config, st *store.Store, srv *handlers.Server, log *slog.Logger) (func(), error) {
	local := ""
	if u, err := url.Parse(cfg.BaseURL); err == nil {
		local = u.Hostname()
	}
	m, err := mailer.New(cfg.SMTPURL, cfg.MailFrom, local)
	if err != nil {
		return nil, err
	}
	if m == nil {
		log.Info("mail is off: set PARLEY_SMTP_URL and PARLEY_MAIL_FROM to email moderators")
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &mailer.Worker{Outbox: st, Mail: m, Log: log, Digest: srv.QueueDigests, Prepare: srv.QueueReplyMail}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	log.Info("mail worker started", "smtp", m.Transport.String(), "from", m.From.String())
	return func() {
		cancel()
		<-done
	}, nil
}
