// Package backup makes, lists, prunes and restores Guichet's database
// backups. A backup is a folder under BACKUP_DIR holding one gzip file of
// canonical Extended JSON lines per collection, a manifest (counts, sizes,
// SHA-256 of every file, index definitions) and, in development, the keys
// generated into DATA_DIR. It is written to a temporary folder, synced and
// renamed, so a folder with a manifest is always whole.
package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/store"
)

// Backup is a finished backup as the API shows it.
type Backup struct {
	ID          string           `json:"id"`
	CreatedAt   time.Time        `json:"createdAt"`
	Collections map[string]int64 `json:"collections"`
	Bytes       int64            `json:"bytes"`
	Location    string           `json:"location"`
}

// Run statuses.
const (
	statusRunning = "running"
	statusOK      = "ok"
	statusFailed  = "failed"
)

// ErrTaken means another process already makes the backup of this
// scheduled time: this one skips.
var ErrTaken = errors.New("backup: this scheduled run is taken by another process")

// Options configures a Service.
type Options struct {
	Dir      string   // BACKUP_DIR
	Keep     int      // BACKUP_KEEP
	S3URL    string   // BACKUP_S3_URL; empty: no copy
	KeyFiles []string // development key files to carry (never keys from the environment)
	Log      *slog.Logger
	Registry prometheus.Registerer
}

// Service makes and lists backups of one database.
type Service struct {
	st       *store.Store
	dir      string
	keep     int
	keyFiles []string
	s3       *S3
	log      *slog.Logger
	runs     *prometheus.CounterVec
	lastOK   prometheus.Gauge
}

// New returns the Service of st; it registers its metrics on o.Registry.
func New(st *store.Store, o Options) (*Service, error) {
	s := &Service{st: st, dir: o.Dir, keep: max(o.Keep, 1), keyFiles: o.KeyFiles, log: o.Log,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guichet_backup_runs_total",
			Help: "Backup runs by result: ok, failed, or skipped (another process took the scheduled run).",
		}, []string{"result"}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "guichet_backup_last_success_timestamp_seconds",
			Help: "Time of the last successful backup made by this process.",
		}),
	}
	if o.S3URL != "" {
		c, err := NewS3(o.S3URL)
		if err != nil {
			return nil, fmt.Errorf("config: BACKUP_S3_URL: %w", err)
		}
		s.s3 = c
	}
	for _, r := range []string{statusOK, statusFailed, "skipped"} {
		s.runs.WithLabelValues(r)
	}
	if o.Registry != nil {
		if err := o.Registry.Register(s.runs); err != nil {
			return nil, err
		}
		if err := o.Registry.Register(s.lastOK); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Run makes a backup now (the admin endpoint).
func (s *Service) Run(ctx context.Context) (*Backup, error) {
	id := store.NewID()
	return s.run(ctx, id, "manual:"+id)
}

// RunScheduled makes the backup of scheduled time at, unless another
// process has taken it (ErrTaken): the run's unique key is the time, so
// replicas firing together make one backup.
func (s *Service) RunScheduled(ctx context.Context, at time.Time) (*Backup, error) {
	b, err := s.run(ctx, store.NewID(), "scheduled:"+at.UTC().Truncate(time.Second).Format(time.RFC3339))
	if errors.Is(err, ErrTaken) {
		s.runs.WithLabelValues("skipped").Inc()
	}
	return b, err
}

// List returns the good backups, newest first.
func (s *Service) List(ctx context.Context) ([]Backup, error) {
	runs, err := s.st.BackupRuns(ctx, statusOK)
	if err != nil {
		return nil, err
	}
	out := make([]Backup, len(runs))
	for i, r := range runs {
		out[i] = toBackup(r)
	}
	return out, nil
}

func toBackup(r store.BackupRun) Backup {
	c := r.Collections
	if c == nil {
		c = map[string]int64{}
	}
	return Backup{ID: r.ID, CreatedAt: r.CreatedAt, Collections: c, Bytes: r.Bytes, Location: r.Location}
}

// run claims the run key, writes the backup, records the outcome and prunes.
func (s *Service) run(ctx context.Context, id, key string) (*Backup, error) {
	r := &store.BackupRun{ID: id, Key: key, Status: statusRunning, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := s.st.InsertBackupRun(ctx, r); err != nil {
		if fe, ok := fault.As(err); ok && fe.Code == fault.Conflict {
			return nil, ErrTaken
		}
		return nil, s.failed(ctx, r, err)
	}
	m, dir, err := s.write(ctx, r)
	if err != nil {
		return nil, s.failed(ctx, r, err)
	}
	r.Location, r.Collections, r.Bytes = dir, m.counts(), m.bytes()
	if s.s3 != nil {
		prefix, err := s.s3.Upload(ctx, dir)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, s.failed(ctx, r, err)
		}
		r.Remote = prefix
	}
	r.Status, r.FinishedAt = statusOK, time.Now().UTC()
	if err := s.st.FinishBackupRun(ctx, r); err != nil {
		_ = os.RemoveAll(dir)
		if r.Remote != "" {
			_ = s.s3.Remove(context.WithoutCancel(ctx), r.Remote)
		}
		return nil, s.failed(ctx, r, err)
	}
	s.runs.WithLabelValues(statusOK).Inc()
	s.lastOK.SetToCurrentTime()
	s.log.Info("backup made", "id", r.ID, "key", r.Key, "location", r.Location, "bytes", r.Bytes)
	if err := s.prune(ctx); err != nil {
		s.log.Error("backup retention failed", "err", err)
	}
	b := toBackup(*r)
	return &b, nil
}

// failed records, logs and counts a failed run and returns its error.
func (s *Service) failed(ctx context.Context, r *store.BackupRun, cause error) error {
	s.runs.WithLabelValues(statusFailed).Inc()
	s.log.Error("backup failed", "id", r.ID, "key", r.Key, "err", cause)
	r.Status, r.FinishedAt, r.Error = statusFailed, time.Now().UTC(), cause.Error()
	r.Location, r.Remote, r.Collections, r.Bytes = "", "", nil, 0
	if err := s.st.FinishBackupRun(context.WithoutCancel(ctx), r); err != nil {
		s.log.Error("record failed backup", "id", r.ID, "err", err)
	}
	return fmt.Errorf("backup %s: %w", r.ID, cause)
}

// prune keeps the newest Keep good backups. It runs after a good backup
// was written and verified, and Keep is at least 1, so the newest good
// backup, and so the only good one, is never deleted.
func (s *Service) prune(ctx context.Context) error {
	runs, err := s.st.BackupRuns(ctx, statusOK)
	if err != nil {
		return err
	}
	if len(runs) <= s.keep {
		return nil
	}
	for _, r := range runs[s.keep:] {
		if r.Location != "" {
			if err := os.RemoveAll(r.Location); err != nil {
				return fmt.Errorf("remove backup %s: %w", r.ID, err)
			}
		}
		if r.Remote != "" && s.s3 != nil {
			if err := s.s3.Remove(ctx, r.Remote); err != nil {
				return fmt.Errorf("remove backup %s from S3: %w", r.ID, err)
			}
		}
		if err := s.st.DeleteBackupRun(ctx, r.ID); err != nil {
			return err
		}
		s.log.Info("backup pruned", "id", r.ID, "location", r.Location)
	}
	return nil
}

// folderName names the folder of a backup so that names sort by time.
func folderName(r *store.BackupRun) string {
	return r.CreatedAt.UTC().Format("20060102T150405.000Z") + "-" + r.ID
}

// absDir returns dir as an absolute path, for locations that stay
// meaningful whatever the working directory of a later restore.
func absDir(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}
