// Package function is the backup function: POST /api/admin/backups makes a
// backup now, GET lists them (admin only); a scheduled trigger (OpenFaaS
// Kubernetes CronJob, Knative PingSource) POSTs to / or to /api/admin/backups
// with the shared secret CRON_TOKEN (fn.Request.Scheduled).
package function

import (
	"errors"
	"net/http"
	"time"

	"guichet.dev/shared/backup"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/user"
)

var handler = func() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", fn.New("backup", serve))
	mux.Handle("POST /{$}", fn.New("backup-trigger", create))
	return mux
}()

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func serve(q *fn.Request) error {
	if q.R.Method == http.MethodGet {
		return list(q)
	}
	return create(q)
}

func list(q *fn.Request) error {
	// Who asks: an admin.
	if _, err := q.Require(user.Admin); err != nil {
		return err
	}
	items, err := q.Env.Backups.List(q.Context())
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, map[string]any{"items": items})
}

func create(q *fn.Request) error {
	// Who asks: the scheduler with CRON_TOKEN, or an admin.
	scheduled, err := q.Scheduled()
	if err != nil {
		return err
	}
	if !scheduled {
		if _, err := q.Require(user.Admin); err != nil {
			return err
		}
		b, err := q.Env.Backups.Run(q.Context())
		if err != nil {
			return err
		}
		return q.JSON(http.StatusCreated, b)
	}
	// A scheduled run: another replica may have taken this tick (204).
	b, err := q.Env.Backups.RunScheduled(q.Context(), backup.Tick(q.R.Header, time.Now()))
	if errors.Is(err, backup.ErrTaken) {
		return q.NoContent()
	}
	if err != nil {
		return err
	}
	return q.JSON(http.StatusCreated, b)
}
