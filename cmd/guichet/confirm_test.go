package main

import (
	"net"
	"net/http"
	"testing"

	"guichet.dev/shared/testenv"
)

func TestReadyzChecksTheBrokerWhenAMQPURLIsSet(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "amqp://guest:guest@" + l.Addr().String() + "/"
	_ = l.Close()
	cases := []struct {
		name string
		vars map[string]string
		want int
	}{
		{"no broker configured: the in-process channel", nil, http.StatusOK},
		{"a reachable broker", map[string]string{"AMQP_URL": testenv.AMQPURL(t)}, http.StatusOK},
		{"an unreachable broker", map[string]string{"AMQP_URL": closed}, http.StatusServiceUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startServer(t, c.vars)
			res := s.do(request{Method: http.MethodGet, Path: "/readyz"})
			if res.Status != c.want {
				t.Fatalf("readyz %d %s, want %d", res.Status, res.Body, c.want)
			}
			if c.want != http.StatusOK {
				if code := res.problem(t)["code"]; code != "unavailable" {
					t.Fatalf("code %v", code)
				}
			}
		})
	}
}
