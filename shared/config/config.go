// Package config reads Guichet's configuration from the environment once, at
// start-up. A bad value stops start-up with an error naming the variable.
package config

import (
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of one process.
type Config struct {
	Port             int
	DataDir          string
	MongoURI         string // empty: embed FerretDB (guichet serve only)
	MongoDatabase    string
	FerretPostgreSQL string // embed FerretDB on this PostgreSQL instead of SQLite
	DatabaseWriters  int    // on-sale writes in the database at once; 0: one batch per collection
	ConfirmWorkers   int    // confirmations sent at once; 0: the pipeline's default (4)
	SkipQueryIndexes bool   // not from the environment: set by EmbeddedSQLite (store.Options)
	AMQPURL          string
	SMTPURL          string
	SMS              SMS
	PublicURL        string
	JWTPrivateKey    ed25519.PrivateKey // nil: generated into DataDir
	TicketSigningKey ed25519.PrivateKey // nil: generated into DataDir
	AccessTokenTTL   time.Duration
	AdminEmail       string
	AdminPassword    string
	BackupDir        string
	BackupSchedule   string
	BackupKeep       int
	BackupS3URL      string
	CronToken        string // CRON_TOKEN: shared secret of scheduled triggers (fn.Request.Scheduled)
	AuthRatePerMin   int
	Purchase         Admission
	LogLevel         slog.Level
	WebDir           string
	Tickets          Tickets
}

// Tickets configures ticket sales' background work.
type Tickets struct {
	HoldTimeout    time.Duration // held claims older than this are swept
	HoldAfterClaim bool          // test hook: purchases block after claiming (crash tests)
}

// SMS configures the HTTP SMS provider.
type SMS struct {
	URL, Account, Token, From string
}

// Admission bounds concurrent purchases per process (on-sale admission control).
type Admission struct {
	Concurrency int           // purchases running at once
	Queue       int           // purchases waiting for a slot
	QueueWait   time.Duration // longest wait for a slot before 429
	PerUser     int           // purchases one user may have running or waiting
}

// Var documents one environment variable.
type Var struct {
	Name, Default, Help string
}

// Vars lists every variable Load reads, for `guichet help`.
var Vars = []Var{
	{"PORT", "4000", "HTTP port of guichet serve"},
	{"DATA_DIR", "./data", "local state: embedded database, development keys, outbox, backups"},
	{"MONGODB_URI", "", "MongoDB connection string; empty embeds FerretDB on SQLite under DATA_DIR"},
	{"MONGODB_DATABASE", "guichet", "database name"},
	{"FERRETDB_POSTGRESQL_URL", "", "with MONGODB_URI empty: embed FerretDB on this PostgreSQL instead of SQLite"},
	{"DATABASE_WRITERS", "", "on-sale writes (purchase batches, confirmation records) in the database at once; empty: 1 on embedded SQLite (one writer at a time), else one batch per collection"},
	{"AMQP_URL", "", "RabbitMQ URL; empty uses an in-process channel"},
	{"SMTP_URL", "", "smtp://user:pass@host:587 for confirmation emails; empty writes DATA_DIR/outbox"},
	{"SMS_URL", "", "SMS provider API URL; empty writes DATA_DIR/outbox"},
	{"SMS_ACCOUNT", "", "SMS provider account"},
	{"SMS_TOKEN", "", "SMS provider token (secret)"},
	{"SMS_FROM", "", "SMS sender"},
	{"PUBLIC_URL", "http://localhost:4000", "external base URL used in links sent to buyers"},
	{"JWT_PRIVATE_KEY", "", "Ed25519 PEM (PKCS#8) signing access tokens; empty generates DATA_DIR/keys/jwt.pem"},
	{"TICKET_SIGNING_KEY", "", "Ed25519 PEM (PKCS#8) signing ticket codes; empty generates DATA_DIR/keys/ticket.pem"},
	{"ACCESS_TOKEN_TTL", "15m", "access token lifetime"},
	{"ADMIN_EMAIL", "", "e-mail of the first admin, created or reset at start-up"},
	{"ADMIN_PASSWORD", "", "password of the first admin (secret)"},
	{"BACKUP_DIR", "DATA_DIR/backups", "where backups are written"},
	{"BACKUP_SCHEDULE", "0 3 * * *", "cron schedule of backups (UTC); off disables the in-process scheduler"},
	{"BACKUP_KEEP", "7", "how many backups to keep"},
	{"BACKUP_S3_URL", "", "s3://key:secret@host:port/bucket/prefix?secure=false to copy backups to S3"},
	{"AUTH_RATE_PER_MINUTE", "300", "register and login requests per client address per minute"},
	{"CONFIRM_WORKERS", "", "confirmations sent at once per process; empty: 1 on embedded SQLite, else 4"},
	{"PURCHASE_CONCURRENCY", "64", "purchases running at once per process"},
	{"PURCHASE_QUEUE", "1024", "purchases waiting for a slot per process; beyond it 429"},
	{"PURCHASE_QUEUE_WAIT", "100ms", "longest wait for a purchase slot before 429"},
	{"PURCHASE_PER_USER", "4", "purchases one user may have running or waiting"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"WEB_DIR", "", "serve the SPA from this folder instead of the embedded build"},
	{"CRON_TOKEN", "", "shared secret of scheduled triggers of backup and ticket-sweep, sent as X-Guichet-Cron or the CloudEvents extension guichetcron; empty refuses triggers, admin tokens still work (secret)"},
	{"TICKET_HOLD_TIMEOUT", "2m", "seat claims held longer than this by a purchase that never finished are returned by the sweep"},
	{"GUICHET_TEST_HOLD_AFTER_CLAIM", "", "test hook: 1 makes purchases block after claiming their seats (crash tests only)"},
}

// Load reads the configuration through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Port:             r.int("PORT", 4000, 0, 65535),
		DataDir:          r.str("DATA_DIR", "./data"),
		MongoURI:         r.str("MONGODB_URI", ""),
		MongoDatabase:    r.str("MONGODB_DATABASE", "guichet"),
		FerretPostgreSQL: r.str("FERRETDB_POSTGRESQL_URL", ""),
		DatabaseWriters:  r.int("DATABASE_WRITERS", 0, 1, 1000),
		ConfirmWorkers:   r.int("CONFIRM_WORKERS", 0, 1, 1000),
		AMQPURL:          r.url("AMQP_URL", "amqp", "amqps"),
		SMTPURL:          r.url("SMTP_URL", "smtp", "smtps"),
		SMS: SMS{
			URL:     r.url("SMS_URL", "http", "https"),
			Account: r.str("SMS_ACCOUNT", ""),
			Token:   r.str("SMS_TOKEN", ""),
			From:    r.str("SMS_FROM", ""),
		},
		PublicURL:        strings.TrimRight(r.str("PUBLIC_URL", "http://localhost:4000"), "/"),
		JWTPrivateKey:    r.key("JWT_PRIVATE_KEY"),
		TicketSigningKey: r.key("TICKET_SIGNING_KEY"),
		AccessTokenTTL:   r.duration("ACCESS_TOKEN_TTL", 15*time.Minute),
		AdminEmail:       strings.ToLower(r.str("ADMIN_EMAIL", "")),
		AdminPassword:    r.str("ADMIN_PASSWORD", ""),
		BackupSchedule:   r.str("BACKUP_SCHEDULE", "0 3 * * *"),
		BackupKeep:       r.int("BACKUP_KEEP", 7, 1, 10000),
		BackupS3URL:      r.url("BACKUP_S3_URL", "s3"),
		CronToken:        r.str("CRON_TOKEN", ""),
		AuthRatePerMin:   r.int("AUTH_RATE_PER_MINUTE", 300, 1, 1_000_000),
		Purchase: Admission{
			Concurrency: r.int("PURCHASE_CONCURRENCY", 64, 1, 100_000),
			Queue:       r.int("PURCHASE_QUEUE", 1024, 0, 1_000_000),
			QueueWait:   r.duration("PURCHASE_QUEUE_WAIT", 100*time.Millisecond),
			PerUser:     r.int("PURCHASE_PER_USER", 4, 1, 1000),
		},
		LogLevel: r.level("LOG_LEVEL"),
		WebDir:   r.str("WEB_DIR", ""),
		Tickets: Tickets{
			HoldTimeout:    r.duration("TICKET_HOLD_TIMEOUT", 2*time.Minute),
			HoldAfterClaim: r.str("GUICHET_TEST_HOLD_AFTER_CLAIM", "") == "1",
		},
	}
	c.BackupDir = r.str("BACKUP_DIR", filepath.Join(c.DataDir, "backups"))
	if c.BackupSchedule == "off" {
		c.BackupSchedule = ""
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		r.fail("ADMIN_PASSWORD", "ADMIN_EMAIL and ADMIN_PASSWORD go together")
	}
	if r.err != nil {
		return Config{}, r.err
	}
	return c, nil
}

// EmbeddedSQLite tunes c for FerretDB embedded on SQLite. That database
// takes one writer at a time: where not set explicitly, one on-sale write
// in flight and one confirmation sender, so that writes queue in the
// process instead of sleeping in SQLite's busy handler (measured with
// guichet bench, 64 buyers, 10 000 seats: 517 tickets/s, p99 743 ms before;
// about 1 150/s, p99 75 ms after: README, "guichet bench"). And it answers
// every filter but one on _id by scanning, so the indexes that serve only
// queries are left out (store.Options.SkipQueryIndexes).
func (c *Config) EmbeddedSQLite() {
	if c.DatabaseWriters == 0 {
		c.DatabaseWriters = 1
	}
	if c.ConfirmWorkers == 0 {
		c.ConfirmWorkers = 1
	}
	c.SkipQueryIndexes = true
}

type reader struct {
	getenv func(string) string
	err    error
}

func (r *reader) fail(name, why string) {
	if r.err == nil {
		r.err = fmt.Errorf("config: %s: %s", name, why)
	}
}

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) int(name string, def, lo, hi int) int {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, fmt.Sprintf("want an integer from %d to %d, got %q", lo, hi, v))
		return def
	}
	return n
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, fmt.Sprintf("want a positive duration such as 250ms, got %q", v))
		return def
	}
	return d
}

func (r *reader) url(name string, schemes ...string) string {
	v := r.getenv(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		r.fail(name, "not a URL")
		return ""
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return v
		}
	}
	r.fail(name, fmt.Sprintf("want a URL with scheme %s", strings.Join(schemes, " or ")))
	return ""
}

func (r *reader) key(name string) ed25519.PrivateKey {
	v := r.getenv(name)
	if v == "" {
		return nil
	}
	k, err := ParseEd25519PEM([]byte(v))
	if err != nil {
		r.fail(name, err.Error())
		return nil
	}
	return k
}

func (r *reader) level(name string) slog.Level {
	var l slog.Level
	v := r.getenv(name)
	if v == "" {
		return slog.LevelInfo
	}
	if err := l.UnmarshalText([]byte(v)); err != nil {
		r.fail(name, fmt.Sprintf("want debug, info, warn or error, got %q", v))
	}
	return l
}
