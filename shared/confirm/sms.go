package confirm

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"guichet.dev/shared/config"
)

// SMSProvider sends SMS through a provider's HTTP API, in the form most
// providers take (Twilio's among them):
//
//	POST SMS_URL
//	Authorization: Basic base64(SMS_ACCOUNT:SMS_TOKEN)
//	Content-Type: application/x-www-form-urlencoded
//	Idempotency-Key: <purchase id>
//	To=<E.164 number>&From=<SMS_FROM>&Body=<text>
//
// A 2xx answer is success; 408, 429 and 5xx are transient; other 4xx
// answers (an invalid number) are permanent.
type SMSProvider struct {
	cfg    config.SMS
	client *http.Client
}

// NewSMSProvider returns the sender for the provider cfg names.
func NewSMSProvider(cfg config.SMS) *SMSProvider {
	return &SMSProvider{cfg: cfg, client: &http.Client{Timeout: 15 * time.Second}}
}

// SendText sends t.
func (p *SMSProvider) SendText(ctx context.Context, t Text) error {
	form := url.Values{"To": {t.To}, "From": {p.cfg.From}, "Body": {t.Body}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return Permanent(fmt.Errorf("sms request: %w", err))
	}
	req.SetBasicAuth(p.cfg.Account, p.cfg.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", t.PurchaseID)
	res, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms provider: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusRequestTimeout || res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return fmt.Errorf("sms provider: %s", res.Status)
	}
	return Permanent(fmt.Errorf("sms provider: %s: %s", res.Status, strings.TrimSpace(string(body))))
}
