// Package deploy describes how each Guichet function is deployed (scaling,
// secrets, environment, schedules, subscriptions) and renders the OpenFaaS
// stack.yml and the Knative Services from that one description. The public
// routes come from shared/route; `go generate` rewrites the files and a test
// fails when the committed ones drift.
package deploy

//go:generate go run ./cmd/manifests -root ..

import (
	"slices"

	"guichet.dev/shared/route"
)

// Tier is how a group of functions scales and what it may use.
type Tier struct {
	Name string
	// Replicas: OpenFaaS com.openfaas.scale.min/max, Knative min/max-scale
	// (KnativeMin may be 0: scale to zero).
	Min, Max, KnativeMin int
	// Target in-flight requests per replica (OpenFaaS capacity scaling,
	// Knative concurrency target).
	Target                    int
	CPURequest, MemoryRequest string
	CPULimit, MemoryLimit     string
	Timeout                   string // watchdog read/write/exec timeout
}

// The tiers. An on-sale is a burst of sign-ins, event reads and purchases:
// purchase starts warm and wide, the read and auth paths stay warm, the rest
// may scale to zero on Knative.
var (
	Purchase = Tier{"purchase", 4, 50, 4, 20, "250m", "128Mi", "1", "256Mi", "10s"}
	Hot      = Tier{"hot", 2, 20, 1, 50, "100m", "64Mi", "500m", "128Mi", "10s"}
	CRUD     = Tier{"crud", 1, 5, 0, 50, "50m", "64Mi", "500m", "128Mi", "10s"}
	Consumer = Tier{"consumer", 1, 10, 1, 10, "100m", "64Mi", "500m", "128Mi", "30s"}
	Job      = Tier{"job", 1, 1, 0, 1, "100m", "128Mi", "1", "512Mi", "300s"}
)

// Function is one deployed function.
type Function struct {
	Name     string
	Tier     Tier
	Secrets  []string    // secret names; a secret s is the variable S (mongodb-uri: MONGODB_URI)
	Env      [][2]string // variables beyond Common
	Schedule string      // cron schedule (UTC) of a scheduled function; it needs the CronToken secret
	Topic    string      // broker topic a subscribed function receives
}

// Secret names. OpenFaaS mounts them as files that the template's entry point
// exports as variables; Knative reads them from the Secret guichet-secrets.
const (
	MongoURI    = "mongodb-uri"
	AMQPURL     = "amqp-url"
	SMTPURL     = "smtp-url"
	JWTKey      = "jwt-private-key"
	TicketKey   = "ticket-signing-key"
	SMSToken    = "sms-token"
	BackupS3URL = "backup-s3-url"
	CronToken   = "cron-token"
)

// PurchasedType is the CloudEvent type purchase-confirm receives.
const PurchasedType = "eu.guichet.ticket.purchased.v1"

// Common is the environment of every function (the ConfigMap guichet-config
// on Knative).
var Common = [][2]string{
	{"MONGODB_DATABASE", "guichet"},
	{"DATA_DIR", "/tmp/guichet"},
	{"BACKUP_SCHEDULE", "off"},
	{"LOG_LEVEL", "info"},
	{"PUBLIC_URL", "https://tickets.example.org"},
}

var base = []string{MongoURI, JWTKey}

func with(extra ...string) []string { return append(slices.Clone(base), extra...) }

// Functions lists every function: the route table's, in its order, then
// those no public route reaches.
var Functions = []Function{
	{Name: "auth-register", Tier: CRUD, Secrets: with()},
	{Name: "auth-login", Tier: Hot, Secrets: with()},
	{Name: "auth-refresh", Tier: Hot, Secrets: with()},
	{Name: "auth-logout", Tier: CRUD, Secrets: with()},
	{Name: "auth-jwks", Tier: Hot, Secrets: with()},
	{Name: "user-get", Tier: CRUD, Secrets: with()},
	{Name: "user-list", Tier: CRUD, Secrets: with()},
	{Name: "user-update", Tier: CRUD, Secrets: with()},
	{Name: "user-delete", Tier: CRUD, Secrets: with()},
	{Name: "event-list", Tier: Hot, Secrets: with()},
	{Name: "event-create", Tier: CRUD, Secrets: with()},
	{Name: "event-get", Tier: Hot, Secrets: with()},
	{Name: "event-update", Tier: CRUD, Secrets: with()},
	{Name: "event-delete", Tier: CRUD, Secrets: with()},
	{Name: "ticket-purchase", Tier: Purchase, Secrets: with(TicketKey, AMQPURL),
		Env: [][2]string{{"PURCHASE_CONCURRENCY", "64"}, {"PURCHASE_QUEUE", "1024"}, {"PURCHASE_QUEUE_WAIT", "100ms"}}},
	{Name: "ticket-list", Tier: CRUD, Secrets: with(TicketKey)},
	{Name: "ticket-get", Tier: CRUD, Secrets: with(TicketKey)},
	{Name: "ticket-qr", Tier: CRUD, Secrets: with(TicketKey)},
	{Name: "ticket-verify", Tier: Hot, Secrets: with(TicketKey)},
	{Name: "backup", Tier: Job, Secrets: with(BackupS3URL, CronToken), Schedule: "0 3 * * *",
		Env: [][2]string{{"BACKUP_DIR", "/tmp/backups"}, {"BACKUP_KEEP", "7"}}},
	{Name: "purchase-confirm", Tier: Consumer, Secrets: with(TicketKey, AMQPURL, SMTPURL, SMSToken),
		Topic: "ticket.purchased", Env: [][2]string{{"SMS_URL", "https://sms.example.org/v1/messages"}, {"SMS_ACCOUNT", "guichet"}, {"SMS_FROM", "Guichet"}}},
	{Name: "ticket-sweep", Tier: Job, Secrets: with(AMQPURL, CronToken), Schedule: "*/5 * * * *"},
}

// Unrouted are the functions no public route reaches: purchase-confirm is fed
// by the broker, ticket-sweep by a schedule.
var Unrouted = []string{"purchase-confirm", "ticket-sweep"}

// Expected is every function that must be deployed: route.Functions() and
// Unrouted.
func Expected() []string { return append(route.Functions(), Unrouted...) }

// Environment is fn's environment: Common, then its own.
func (fn Function) Environment() [][2]string { return append(slices.Clone(Common), fn.Env...) }
