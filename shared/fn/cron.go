package fn

import (
	"crypto/subtle"

	"guichet.dev/shared/fault"
)

// A scheduled trigger (backup, ticket-sweep) authenticates with the shared
// secret CRON_TOKEN: an HTTP caller such as a Kubernetes CronJob sends it
// in CronHeader; a Knative PingSource sets the CloudEvents extension
// "guichetcron" through ceOverrides, received as CronCloudEvents.
const (
	CronHeader      = "X-Guichet-Cron"
	CronCloudEvents = "Ce-Guichetcron"
)

// Scheduled reports whether the request is a scheduled trigger. Without a
// trigger header it is not (the caller then needs a user's token); with
// one, the secret must equal CRON_TOKEN, compared in constant time, or the
// answer is 401; with no CRON_TOKEN configured every trigger is refused.
func (q *Request) Scheduled() (bool, error) {
	got := q.R.Header.Get(CronHeader)
	if got == "" {
		got = q.R.Header.Get(CronCloudEvents)
	}
	if got == "" {
		return false, nil
	}
	want := q.Env.Config.CronToken
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return false, fault.New(fault.Unauthorized)
	}
	return true, nil
}
