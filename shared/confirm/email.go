package confirm

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
)

// SMTP sends email through an SMTP server named by a URL:
// smtp://user:pass@host:587 (STARTTLS when the server offers it) or
// smtps://user:pass@host:465 (TLS from the start). A from query parameter
// sets the sender address.
type SMTP struct {
	host string
	opts []mail.Option
	from string
}

// NewSMTP parses an SMTP URL; from is the sender when the URL names none.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("config: SMTP_URL: %w", err)
	}
	s := &SMTP{host: u.Hostname(), from: from}
	if f := u.Query().Get("from"); f != "" {
		s.from = f
	}
	s.opts = []mail.Option{mail.WithTimeout(30 * time.Second), mail.WithHELO("guichet")}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		s.opts = append(s.opts, mail.WithSSL())
	} else {
		s.opts = append(s.opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("config: SMTP_URL: port %q", p)
		}
	}
	s.opts = append(s.opts, mail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		s.opts = append(s.opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	return s, nil
}

// SendEmail delivers m. A 5xx answer (such as 550 for an unknown mailbox)
// is permanent; 4xx answers and network errors are transient.
func (s *SMTP) SendEmail(ctx context.Context, m Email) error {
	msg, err := compose(s.from, m)
	if err != nil {
		return err
	}
	c, err := mail.NewClient(s.host, s.opts...)
	if err != nil {
		return Permanent(fmt.Errorf("smtp client: %w", err))
	}
	err = c.DialAndSendWithContext(ctx, msg)
	if err == nil {
		return nil
	}
	var se *mail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	return fmt.Errorf("smtp: %w", err)
}

// compose builds the MIME message: a text part and an HTML alternative,
// with the Message-ID derived from the purchase, so a resend after a crash
// between sending and recording is the same message to the receiver.
func compose(from string, m Email) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, Permanent(fmt.Errorf("sender address: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return nil, Permanent(fmt.Errorf("recipient address: %w", err))
	}
	msg.SetMessageIDWithValue(MessageID(m.PurchaseID))
	msg.SetDate()
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg, nil
}

// MessageID returns the Message-ID (without angle brackets) of a
// purchase's confirmation email.
func MessageID(purchaseID string) string { return purchaseID + "@guichet" }
