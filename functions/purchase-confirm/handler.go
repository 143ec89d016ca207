// Package function is the purchase-confirm function: an HTTP CloudEvents
// receiver (binary or structured mode) for eu.guichet.ticket.purchased.v1.
// In production a Knative trigger, a RabbitMQ source or the OpenFaaS
// connector POSTs each event to it. It answers 200 when the purchase is
// handled (sent now, sent before, or failed for good) and 503 on a
// transient failure, so the connector delivers the event again.
package function

import (
	"errors"
	"net/http"
	"time"

	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"guichet.dev/shared/confirm"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/fn"
)

var handler = fn.New("purchase-confirm", receive)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

// connectorRetry is the hold a transient failure puts on the purchase: the
// connector's own retry delay is not known here.
const connectorRetry = 30 * time.Second

func receive(q *fn.Request) error {
	// Decode the CloudEvent from the request.
	if q.R.Method != http.MethodPost {
		return fault.New(fault.MethodNotAllowed)
	}
	e, err := cehttp.NewEventFromHTTPRequest(q.R)
	if err != nil {
		return &fault.Error{Code: fault.BadRequest, Err: err}
	}
	// Confirm the purchase.
	svc, err := confirm.New(q.Env.Config, q.Env.Store, q.Env.Log)
	if err != nil {
		return err
	}
	out, err := svc.Handle(q.Context(), e, confirm.Try{Next: connectorRetry})
	if errors.Is(err, confirm.ErrNotPurchase) {
		return &fault.Error{Code: fault.BadRequest, Err: err}
	}
	if out == confirm.Retry {
		return &fault.Error{Code: fault.Unavailable, RetryAfter: connectorRetry, Err: err}
	}
	return q.JSON(http.StatusOK, map[string]string{"purchaseId": e.ID(), "outcome": string(out)})
}
