package confirm

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"guichet.dev/shared/event"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/ticket"
)

// content is what a confirmation says, before it becomes an email or an SMS.
type content struct {
	lang      i18n.Lang
	event     *event.Event
	tickets   []ticket.Ticket
	publicURL string
}

// QRURL returns the address of a ticket's QR code image.
func QRURL(publicURL, uuid string) string { return publicURL + "/api/tickets/" + uuid + "/qr" }

func (c content) t(id string, kv ...any) string {
	data := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return i18n.T(c.lang, id, data)
}

func (c content) date() string {
	return c.event.Date.UTC().Format(c.t("confirm.date_layout"))
}

func (c content) numbers() string {
	n := make([]string, len(c.tickets))
	for i, t := range c.tickets {
		n[i] = strconv.Itoa(t.Number)
	}
	return strings.Join(n, ", ")
}

// htmlEmail is the HTML part's layout; every word in it comes from the
// message files.
var htmlEmail = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif">
<p>{{.Intro}}</p>
<h1 style="font-size: 1.3em">{{.Event}}</h1>
<p>{{.Date}}<br>{{.Address}}</p>
<ul>{{range .Tickets}}
<li>{{.Label}}: <a href="{{.URL}}">{{.Link}}</a></li>{{end}}
</ul>
<p>{{.Footer}}</p>
</body></html>
`))

// email renders the confirmation email in c.lang.
func (c content) email(purchaseID, to string) (Email, error) {
	type line struct{ Label, URL, Link string }
	data := struct {
		Lang, Subject, Intro, Event, Date, Address, Footer string
		Tickets                                            []line
	}{
		Lang:    string(c.lang),
		Subject: c.t("confirm.email.subject", "Event", c.event.Title),
		Intro:   c.t("confirm.email.intro", "Count", len(c.tickets)),
		Event:   c.event.Title,
		Date:    c.t("confirm.email.date", "Date", c.date()),
		Address: c.t("confirm.email.address", "Address", c.event.Address),
		Footer:  c.t("confirm.email.footer"),
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%s\n\n%s\n%s\n%s\n\n", data.Intro, data.Event, data.Date, data.Address)
	for _, t := range c.tickets {
		l := line{Label: c.t("confirm.email.ticket", "Number", t.Number), URL: QRURL(c.publicURL, t.UUID),
			Link: c.t("confirm.email.qr")}
		data.Tickets = append(data.Tickets, l)
		fmt.Fprintf(&text, "%s: %s\n", l.Label, l.URL)
	}
	fmt.Fprintf(&text, "\n%s\n", data.Footer)
	var html bytes.Buffer
	if err := htmlEmail.Execute(&html, data); err != nil {
		return Email{}, fmt.Errorf("render email: %w", err)
	}
	return Email{PurchaseID: purchaseID, To: to, Subject: data.Subject, Text: text.String(), HTML: html.String()}, nil
}

// text renders the confirmation SMS in c.lang.
func (c content) text(purchaseID, to string) Text {
	return Text{PurchaseID: purchaseID, To: to, Body: c.t("confirm.sms", "Count", len(c.tickets),
		"Event", c.event.Title, "Date", c.date(), "Numbers", c.numbers(), "URL", c.publicURL)}
}
