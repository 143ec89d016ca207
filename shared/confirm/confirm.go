package confirm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"guichet.dev/shared/config"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/store"
	"guichet.dev/shared/ticket"
)

// Service confirms purchases. It holds no connection of its own (SMTP and
// the SMS provider are dialled per message), so building one is cheap.
type Service struct {
	Store     *store.Store
	Log       *slog.Logger
	PublicURL string
	Mailer    Mailer
	Texter    Texter
	Lease     time.Duration // how long a sender owns a confirmation before another may take over
}

// DefaultLease is how long a sender owns a purchase's confirmation: far
// longer than one send (the SMTP timeout is 30 s), short enough that a
// crashed sender's purchase is confirmed within minutes.
const DefaultLease = 45 * time.Second

// New returns the Service cfg describes: SMTP_URL for email and SMS_URL
// for SMS, each falling back to files under DATA_DIR/outbox.
func New(cfg config.Config, st *store.Store, log *slog.Logger) (*Service, error) {
	from := "Guichet <no-reply@guichet.localhost>"
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" && u.Hostname() != "localhost" {
		from = "Guichet <no-reply@" + u.Hostname() + ">"
	}
	outbox := Outbox{Dir: filepath.Join(cfg.DataDir, "outbox"), From: from}
	s := &Service{Store: st, Log: log, PublicURL: cfg.PublicURL, Mailer: outbox, Texter: outbox, Lease: DefaultLease}
	if cfg.SMTPURL != "" {
		m, err := NewSMTP(cfg.SMTPURL, from)
		if err != nil {
			return nil, err
		}
		s.Mailer = m
	}
	if cfg.SMS.URL != "" {
		s.Texter = NewSMSProvider(cfg.SMS)
	}
	return s, nil
}

// Try describes one delivery attempt of a purchase event.
type Try struct {
	Final bool          // no retry follows: a transient failure now is final
	Next  time.Duration // when not final, the delay before the retry
}

// Outcome is what one try made of a purchase.
type Outcome string

// The outcomes.
const (
	Sent    Outcome = "sent"    // sent now or before: nothing more to do
	Failed  Outcome = "failed"  // failed for good and recorded so: dead-letter it
	Retry   Outcome = "retry"   // transient failure, or another sender holds it: try again later
	Skipped Outcome = "skipped" // another sender holds it on the final try: the sweep comes back if it crashed
)

// errBusy reports a confirmation another sender holds.
var errBusy = errors.New("another sender holds this confirmation")

// yieldAtMost bounds how long a confirmation waits for the purchases to
// stop writing (store.YieldToPurchases). Measured with guichet bench, 64
// buyers, 10 000 seats, on embedded SQLite, run in turn: 1 534 and 1 297
// tickets/s (ratio to the raw insert rate 0.43 and 0.44) against 1 219
// and 1 258 (0.36 and 0.35) with the confirmations sent during the sale.
const yieldAtMost = 5 * time.Second

// Confirm sends purchase p's confirmation unless it was sent already. The
// purchase's tickets in the store are the truth; p supplies the language
// (else the buyer's) and channel (else the tickets'). The returned error
// says why an outcome is Failed or Retry.
func (s *Service) Confirm(ctx context.Context, p ticket.Purchase, try Try) (Outcome, error) {
	if err := s.Store.YieldToPurchases(ctx, yieldAtMost); err != nil {
		return Retry, err
	}
	tickets, err := s.tickets(ctx, p)
	if err != nil {
		return Retry, err
	}
	if len(tickets) == 0 {
		return Failed, fmt.Errorf("purchase %s has no tickets", p.ID)
	}
	if p.Channel == "" {
		p.Channel = tickets[0].Confirmation.Channel
	}
	p.Tickets = tickets
	// Become the purchase's one sender, or learn it is done or taken.
	gen, done, err := s.lease(ctx, p, try)
	if done != "" || err != nil {
		return done, err
	}
	// Render and send.
	err = s.send(ctx, p)
	now := time.Now().UTC()
	switch {
	case err == nil:
		return Sent, s.record(ctx, p, ticket.Confirmation{Channel: p.Channel, Status: ticket.Sent, SentAt: &now})
	case IsPermanent(err):
		return Failed, s.fail(ctx, p, err.Error(), err)
	case try.Final:
		return Failed, s.fail(ctx, p, "gave up after the last retry: "+err.Error(), err)
	}
	// A transient failure: hold the lease until the retry is due, so the
	// sweep does not start a second chain of retries meanwhile.
	if rerr := s.Store.RenewConfirmationLease(ctx, p.ID, gen, now.Add(try.Next)); rerr != nil {
		s.Log.Warn("could not renew a confirmation lease", "purchase", p.ID, "err", rerr)
	}
	return Retry, err
}

// tickets loads the purchase's tickets from the store: those the event
// names (by uuid, the fast path), else every ticket of the purchase. Only
// tickets that belong to the purchase count.
func (s *Service) tickets(ctx context.Context, p ticket.Purchase) ([]ticket.Ticket, error) {
	if len(p.Tickets) == 0 {
		return s.Store.TicketsByPurchase(ctx, p.ID)
	}
	ids := make([]string, len(p.Tickets))
	for i, t := range p.Tickets {
		ids[i] = t.UUID
	}
	ts, err := s.Store.TicketsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	mine := ts[:0]
	for _, t := range ts {
		if t.PurchaseID == p.ID {
			mine = append(mine, t)
		}
	}
	return mine, nil
}

// setTickets records c on the purchase's tickets.
func (s *Service) setTickets(ctx context.Context, p ticket.Purchase, c ticket.Confirmation) error {
	ids := make([]string, len(p.Tickets))
	for i, t := range p.Tickets {
		ids[i] = t.UUID
	}
	return s.Store.SetTicketsConfirmation(ctx, ids, c)
}

// lease claims the purchase's confirmation record (see
// store.ClaimConfirmation) or takes it over from a sender whose lease ran
// out. When the record is final it heals the tickets and returns the
// outcome as done.
func (s *Service) lease(ctx context.Context, p ticket.Purchase, try Try) (int, Outcome, error) {
	until := time.Now().Add(s.Lease)
	claimed, err := s.Store.ClaimConfirmation(ctx, p.ID, until)
	if err != nil || claimed {
		return 1, outcomeOf(err), err
	}
	rec, err := s.Store.ConfirmationByPurchase(ctx, p.ID)
	if err != nil {
		return 0, Retry, err
	}
	switch rec.Status {
	case ticket.Sent, ticket.Failed:
		c := ticket.Confirmation{Channel: p.Channel, Status: rec.Status, SentAt: rec.SentAt, Reason: rec.Reason}
		if err := s.setTickets(ctx, p, c); err != nil {
			return 0, Retry, err
		}
		if rec.Status == ticket.Sent {
			return 0, Sent, nil
		}
		return 0, Failed, errors.New(rec.Reason)
	}
	if rec.LeaseUntil.Before(time.Now()) {
		won, err := s.Store.TakeOverConfirmation(ctx, p.ID, rec.Generation+1, until)
		if err != nil || won {
			return rec.Generation + 1, outcomeOf(err), err
		}
	}
	if try.Final {
		return 0, Skipped, nil
	}
	return 0, Retry, errBusy
}

func outcomeOf(err error) Outcome {
	if err != nil {
		return Retry
	}
	return ""
}

// send renders the message in the buyer's language and sends it on the
// purchase's channel.
func (s *Service) send(ctx context.Context, p ticket.Purchase) error {
	ev, err := s.Store.EventByID(ctx, p.EventID)
	if err != nil {
		return permanentIfNotFound(err, "event")
	}
	buyer, err := s.Store.UserByID(ctx, p.BuyerID)
	if err != nil {
		return permanentIfNotFound(err, "buyer")
	}
	lang, ok := i18n.Parse(string(p.Language))
	if !ok {
		if lang, ok = i18n.Parse(string(buyer.Language)); !ok {
			lang = i18n.EN
		}
	}
	c := content{lang: lang, event: ev, tickets: p.Tickets, publicURL: s.PublicURL}
	switch p.Channel {
	case ticket.SMS:
		if buyer.Phone == "" {
			return Permanent(errors.New("sms confirmation: the buyer has no phone number"))
		}
		return s.Texter.SendText(ctx, c.text(p.ID, buyer.Phone))
	case ticket.Email:
		m, err := c.email(p.ID, buyer.Email)
		if err != nil {
			return Permanent(err)
		}
		return s.Mailer.SendEmail(ctx, m)
	}
	return Permanent(fmt.Errorf("unknown confirmation channel %q", p.Channel))
}

func permanentIfNotFound(err error, what string) error {
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		return Permanent(fmt.Errorf("the purchase's %s no longer exists", what))
	}
	return err
}

// fail records a permanent failure and returns cause.
func (s *Service) fail(ctx context.Context, p ticket.Purchase, reason string, cause error) error {
	s.Log.Warn("confirmation failed", "purchase", p.ID, "channel", p.Channel, "err", cause)
	if err := s.record(ctx, p, ticket.Confirmation{Channel: p.Channel, Status: ticket.Failed, Reason: reason}); err != nil {
		return err
	}
	return cause
}

// record writes the final outcome on the confirmation record, then on the
// tickets. A crash in between leaves the tickets pending: the sweep
// republishes the purchase and lease copies the record onto them.
func (s *Service) record(ctx context.Context, p ticket.Purchase, c ticket.Confirmation) error {
	if err := s.Store.FinishConfirmation(ctx, p.ID, c); err != nil {
		return err
	}
	return s.setTickets(ctx, p, c)
}
