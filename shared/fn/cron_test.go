package fn_test

import (
	"net/http/httptest"
	"testing"

	"guichet.dev/shared/config"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/fn"
)

func TestScheduledAuthenticatesTriggers(t *testing.T) {
	cases := []struct {
		name          string
		header        map[string]string
		token         string
		wantScheduled bool
		wantErr       bool
	}{
		{"no trigger header is not a scheduled run", nil, "s3cret", false, false},
		{"the right token in X-Guichet-Cron", map[string]string{"X-Guichet-Cron": "s3cret"}, "s3cret", true, false},
		{"the right token as a PingSource extension", map[string]string{"Ce-Guichetcron": "s3cret"}, "s3cret", true, false},
		{"a wrong token is refused", map[string]string{"X-Guichet-Cron": "guess"}, "s3cret", false, true},
		{"a prefix of the token is refused", map[string]string{"Ce-Guichetcron": "s3cre"}, "s3cret", false, true},
		{"an empty trigger header is not a scheduled run", map[string]string{"X-Guichet-Cron": ""}, "", false, false},
		{"no token configured refuses a sent token", map[string]string{"X-Guichet-Cron": "anything"}, "", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			q := &fn.Request{R: r, Env: &fn.Env{Config: config.Config{CronToken: tc.token}}}
			scheduled, err := q.Scheduled()
			if scheduled != tc.wantScheduled || (err != nil) != tc.wantErr {
				t.Fatalf("Scheduled = %v, %v; want %v, err %v", scheduled, err, tc.wantScheduled, tc.wantErr)
			}
			if fe, ok := fault.As(err); err != nil && (!ok || fe.Code != fault.Unauthorized) {
				t.Errorf("refusal %v, want 401 unauthorized", err)
			}
		})
	}
}
