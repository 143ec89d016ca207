// Package function is the ticket-qr function: GET /api/tickets/{uuid}/qr,
// a PNG QR code of the ticket's code.
package function

import (
	"net/http"

	"github.com/skip2/go-qrcode"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/ticket"
)

var handler = fn.New("ticket-qr", qr)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

// size is the PNG's width and height in pixels.
const size = 320

func qr(q *fn.Request) error {
	// Who asks: the owner, the event's organizer or an admin (checked by Get).
	caller, err := q.User()
	if err != nil {
		return err
	}
	t, err := ticket.Get(q.Context(), q.Env.Store, caller, q.PathValue("uuid"))
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(t.Code, qrcode.Medium, size)
	if err != nil {
		return err
	}
	q.W.Header().Set("Content-Type", "image/png")
	q.W.Header().Set("Cache-Control", "private, max-age=3600")
	_, err = q.W.Write(png)
	return err
}
