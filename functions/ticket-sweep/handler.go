// Package function is the ticket-sweep function, invoked on a schedule
// (cron connector or PingSource; not in the public route table): it returns
// the seats of purchases that crashed between claim and ticket, and writes
// the tickets of sold purchases that crashed before writing them.
package function

import (
	"net/http"
	"time"

	"guichet.dev/shared/confirm"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

var handler = fn.New("ticket-sweep", sweep)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func sweep(q *fn.Request) error {
	if q.R.Method != http.MethodPost {
		return fault.New(fault.MethodNotAllowed)
	}
	// Who runs it: the scheduler with CRON_TOKEN, or an admin.
	scheduled, err := q.Scheduled()
	if err != nil {
		return err
	}
	if !scheduled {
		if _, err := q.Require(user.Admin); err != nil {
			return err
		}
	}
	// Settle crashed purchases, then publish confirmations still pending.
	res, err := ticket.Sweep(q.Context(), q.Env.Store, time.Now().Add(-q.Env.Config.Tickets.HoldTimeout))
	if err != nil {
		return err
	}
	out := sweepResult{SweepResult: res}
	if q.Env.Publisher != nil {
		if out.Republished, err = confirm.RepublishPending(q.Context(), q.Env.Store, q.Env.Publisher, confirm.PendingAfter); err != nil {
			return err
		}
	}
	return q.JSON(http.StatusOK, out)
}

// sweepResult is what one sweep did.
type sweepResult struct {
	ticket.SweepResult
	Republished int `json:"republished"` // purchases whose confirmation was published again
}
