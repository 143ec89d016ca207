package store_test

import (
	"context"
	"testing"

	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
)

func TestOpenIsIdempotent(t *testing.T) {
	uri, name := testenv.MongoURI(t), testenv.DatabaseName(t)
	for i := 0; i < 2; i++ {
		s, err := store.Open(context.Background(), uri, name)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		_ = s.Close(context.Background())
	}
}
