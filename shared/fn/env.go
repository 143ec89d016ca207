// Package fn is the runtime every function shares: the per-process
// dependencies (Env) and the wrapper that turns a small handler into an
// http.Handler with routing, auth, language negotiation, logging, metrics and
// problem+json errors.
package fn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"guichet.dev/shared/admission"
	"guichet.dev/shared/auth"
	"guichet.dev/shared/backup"
	"guichet.dev/shared/broker"
	"guichet.dev/shared/config"
	"guichet.dev/shared/confirm"
	"guichet.dev/shared/event"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/store"
	"guichet.dev/shared/ticket"
)

// Env is what a process opens once, at cold start, and every invocation
// reuses: never a connection per request.
type Env struct {
	Config   config.Config
	Log      *slog.Logger
	Store    *store.Store
	Events   *event.Cache // event reads cached per process for event.CacheTTL
	Tokens   *auth.Tokens
	Auth     *auth.Service
	Codes    *ticket.Signer // signs ticket codes
	Registry *prometheus.Registry
	Metrics  *httpx.Metrics
	Backups  *backup.Service
	// Admission bounds the purchases running at once in this process.
	Admission *admission.Limiter
	// Publisher hands purchases to the confirmation pipeline; nil leaves
	// tickets pending for the sweep. Set it before the first request.
	Publisher ticket.Publisher

	seller sync.Once
	sales  *ticket.Seller
}

// Sales returns the process's ticket seller, built on first use with the
// Publisher set by then.
func (e *Env) Sales() *ticket.Seller {
	e.seller.Do(func() {
		e.sales = ticket.NewSeller(e.Store, e.Codes, e.Publisher, e.Log)
		if e.Config.Tickets.HoldAfterClaim {
			e.sales.HoldAfterClaim()
		}
	})
	return e.sales
}

// NewEnv opens the database named by cfg.MongoURI and loads the keys
// (generating development keys under cfg.DataDir when none are configured).
func NewEnv(ctx context.Context, cfg config.Config, log *slog.Logger) (*Env, error) {
	if cfg.MongoURI == "" {
		return nil, errors.New("config: MONGODB_URI: required for a function outside guichet serve")
	}
	jwtKey := cfg.JWTPrivateKey
	if jwtKey == nil {
		k, err := config.DevKey(filepath.Join(cfg.DataDir, "keys", "jwt.pem"))
		if err != nil {
			return nil, fmt.Errorf("development JWT key: %w", err)
		}
		jwtKey = k
	}
	ticketKey := cfg.TicketSigningKey
	if ticketKey == nil {
		k, err := config.DevKey(filepath.Join(cfg.DataDir, "keys", "ticket.pem"))
		if err != nil {
			return nil, fmt.Errorf("development ticket signing key: %w", err)
		}
		ticketKey = k
	}
	st, err := store.Open(ctx, cfg.MongoURI, cfg.MongoDatabase, StoreOptions(cfg))
	if err != nil {
		return nil, err
	}
	tokens := auth.NewTokens(jwtKey, cfg.AccessTokenTTL)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	backups, err := backup.New(st, backup.Options{Dir: cfg.BackupDir, Keep: cfg.BackupKeep, S3URL: cfg.BackupS3URL,
		KeyFiles: devKeyFiles(cfg), Log: log, Registry: reg})
	if err != nil {
		_ = st.Close(context.Background())
		return nil, err
	}
	return &Env{
		Config:    cfg,
		Log:       log,
		Store:     st,
		Events:    event.NewCache(st, event.CacheTTL, event.SnapshotMax),
		Tokens:    tokens,
		Auth:      auth.NewService(st, tokens, cfg.AuthRatePerMin),
		Codes:     ticket.NewSigner(ticketKey),
		Admission: admission.New(cfg.Purchase),
		Registry:  reg,
		Metrics:   httpx.NewMetrics(reg),
		Backups:   backups,
	}, nil
}

// devKeyFiles lists the development keys generated into DATA_DIR that
// backups carry; a key set from the environment is never written into a
// backup.
func devKeyFiles(cfg config.Config) []string {
	var files []string
	if cfg.JWTPrivateKey == nil {
		files = append(files, filepath.Join(cfg.DataDir, "keys", "jwt.pem"))
	}
	if cfg.TicketSigningKey == nil {
		files = append(files, filepath.Join(cfg.DataDir, "keys", "ticket.pem"))
	}
	return files
}

// Close releases what NewEnv opened.
func (e *Env) Close(ctx context.Context) error {
	return e.Store.Close(ctx)
}

type envKey struct{}

// WithEnv returns a context carrying env; the local gateway puts its Env on
// every request so that many gateways (tests) can share one process.
func WithEnv(ctx context.Context, env *Env) context.Context {
	return context.WithValue(ctx, envKey{}, env)
}

// processEnv is the Env of a function running alone (an OpenFaaS or Knative
// container): built from the environment on first use and kept for the
// life of the process. This is the one process-wide value.
var processEnv = sync.OnceValues(func() (*Env, error) {
	TuneGC(os.Getenv)
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	env, err := NewEnv(context.Background(), cfg, log)
	if err != nil {
		return nil, err
	}
	// A function's purchases reach purchase-confirm through RabbitMQ; with no
	// broker the tickets stay pending and the scheduled sweep publishes them.
	if cfg.AMQPURL != "" {
		env.Publisher = confirm.Broker{Client: broker.NewClient(cfg.AMQPURL, confirm.Topology("guichet", confirm.DefaultRetry), log)}
	}
	return env, nil
})

func envOf(ctx context.Context) (*Env, error) {
	if e, ok := ctx.Value(envKey{}).(*Env); ok {
		return e, nil
	}
	return processEnv()
}

// StoreOptions are the store tuning of cfg (DATABASE_WRITERS, and the
// embedded SQLite's choices: see config.EmbeddedSQLite).
func StoreOptions(cfg config.Config) store.Options {
	return store.Options{Writers: cfg.DatabaseWriters, SkipQueryIndexes: cfg.SkipQueryIndexes}
}
