package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"testing"
)

// AMQPURL returns the URL of a virtual host of its own on the machine's
// RabbitMQ (guest/guest on 127.0.0.1:5672), deleted when the test ends, so
// that tests running at once never consume each other's messages.
func AMQPURL(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	vhost := "test-" + hex.EncodeToString(b)
	for _, args := range [][]string{{"add_vhost", vhost}, {"set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"}} {
		if out, err := exec.Command("rabbitmqctl", args...).CombinedOutput(); err != nil {
			t.Fatalf("rabbitmqctl %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() {
		if out, err := exec.Command("rabbitmqctl", "delete_vhost", vhost).CombinedOutput(); err != nil {
			t.Logf("rabbitmqctl delete_vhost %s: %v\n%s", vhost, err, out)
		}
	})
	return "amqp://guest:guest@127.0.0.1:5672/" + vhost
}
