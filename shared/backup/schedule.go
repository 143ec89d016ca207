package backup

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/robfig/cron/v3"
)

// Result is the outcome of one scheduled run: a backup, a skip (ErrTaken:
// another replica makes it) or a failure.
type Result struct {
	At     time.Time
	Backup *Backup
	Err    error
}

// Schedule runs RunScheduled at every time of the cron spec (five fields,
// UTC, as BACKUP_SCHEDULE) until ctx ends, calling done after each run.
// The scheduled time itself is the run's key, so every replica computes
// the same key and one backup is made. A bad spec is an error at once.
func (s *Service) Schedule(ctx context.Context, spec string, done func(Result)) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("config: BACKUP_SCHEDULE: %w", err)
	}
	go func() {
		for {
			next := sched.Next(time.Now().UTC())
			t := time.NewTimer(time.Until(next))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			b, err := s.RunScheduled(ctx, next)
			done(Result{At: next, Backup: b, Err: err})
		}
	}()
	return nil
}

// Tick is the scheduled time of a trigger h: the CloudEvent's time (Ce-Time,
// as a PingSource sends) or now, to the minute, so that replicas triggered
// for the same tick share the run's key.
func Tick(h http.Header, now time.Time) time.Time {
	at := now
	if t, err := time.Parse(time.RFC3339, h.Get("Ce-Time")); err == nil {
		at = t
	}
	return at.UTC().Truncate(time.Minute)
}
