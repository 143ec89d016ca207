package confirm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Outbox writes messages as files, one per purchase, when no SMTP server or
// SMS provider is configured (guichet serve's defaults): Dir/<purchase>.eml
// for an email, Dir/<purchase>.json for an SMS. A file appears whole (it is
// written aside, then renamed), and writing the same purchase again
// replaces it with the same message.
type Outbox struct {
	Dir  string
	From string
}

// SendEmail writes m as an .eml file.
func (o Outbox) SendEmail(_ context.Context, m Email) error {
	msg, err := compose(o.From, m)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return fmt.Errorf("render email: %w", err)
	}
	return o.write(m.PurchaseID+".eml", b.Bytes())
}

// outboxText is the JSON form of an SMS in the outbox.
type outboxText struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// SendText writes t as a .json file.
func (o Outbox) SendText(_ context.Context, t Text) error {
	b, err := json.MarshalIndent(outboxText{To: t.To, Body: t.Body}, "", "  ")
	if err != nil {
		return err
	}
	return o.write(t.PurchaseID+".json", append(b, '\n'))
}

func (o Outbox) write(name string, data []byte) error {
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	f, err := os.CreateTemp(o.Dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer func() { _ = os.Remove(f.Name()) }()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("outbox: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("outbox: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(o.Dir, filepath.Base(name))); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}
