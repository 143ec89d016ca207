package main

import (
	"context"

	"guichet.dev/shared/confirm"
	"guichet.dev/shared/fn"
)

// startConfirmations starts the confirmation pipeline of a serve process:
// the publisher purchases go to, the consumer that confirms them (RabbitMQ
// when AMQP_URL is set, else the in-process channel) and the outbox sweep.
func startConfirmations(ctx context.Context, env *fn.Env) (*confirm.Pipeline, error) {
	return confirm.Start(ctx, env.Config, env.Store, env.Log, confirm.Options{Workers: env.Config.ConfirmWorkers})
}
