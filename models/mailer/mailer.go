package mailer

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"parley/models"
)

// Mailer sends mail from one sender address through one SMTP server.
type Mailer struct {
	Transport *Transport
	From      mail.Address
}

// New configures outgoing mail from PARLEY_SMTP_URL and PARLEY_MAIL_FROM.
// With both empty, mail is off and New returns nil and no error; with only
// one of them, or a malformed one, it returns an error. localName is the
// name Parley gives in EHLO (the host of its public URL).
func New(smtpURL, from, localName string) (*Mailer, error) {
	switch {
	case smtpURL == "" && from == "":
		return nil, nil
	case smtpURL == "":
		return nil, errors.New("PARLEY_MAIL_FROM is set but PARLEY_SMTP_URL is not; set both to send mail, or neither")
	case from == "":
		return nil, errors.New("PARLEY_SMTP_URL is set but PARLEY_MAIL_FROM is not; set both to send mail, or neither")
	}
	t, err := ParseURL(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("PARLEY_SMTP_URL: %w", err)
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("PARLEY_MAIL_FROM: want an address such as \"Parley <parley@example.com>\": %w", err)
	}
	t.LocalName = localName
	return &Mailer{Transport: t, From: *addr}, nil
}

// NewOutboxMessage prepares a message for the outbox, with its Message-ID.
func (m *Mailer) NewOutboxMessage(to, subject, body string) *models.OutboxMessage {
	return &models.OutboxMessage{Recipient: to, Subject: OneLine(subject), Body: body, MessageID: NewMessageID(m.From)}
}

// Compose renders an outbox message into an email dated when it was queued.
func (m *Mailer) Compose(msg models.OutboxMessage) ([]byte, error) {
	date := msg.CreatedAt
	if date.IsZero() {
		date = time.Now()
	}
	id := msg.MessageID
	if id == "" {
		id = NewMessageID(m.From)
	}
	return Message{From: m.From, To: msg.Recipient, Subject: msg.Subject, Body: msg.Body, MessageID: id, Date: date, Headers: msg.Headers}.Bytes()
}

// Deliver composes msg and hands it to the SMTP server, synchronously.
func (m *Mailer) Deliver(ctx context.Context, msg models.OutboxMessage) (Receipt, error) {
	raw, err := m.Compose(msg)
	if err != nil {
		return Receipt{}, err
	}
	return m.Transport.Send(ctx, m.From.Address, []string{msg.Recipient}, raw)
}
