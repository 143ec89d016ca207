package broker_test

import (
	"context"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	amqp "github.com/rabbitmq/amqp091-go"

	"guichet.dev/shared/broker"
)

func TestExtensionsTravelAsPrefixedHeaders(t *testing.T) {
	e := cloudevents.New()
	e.SetID("1")
	e.SetSource("/s")
	e.SetType("t")
	e.SetExtension("tenant", "guichet")
	if err := e.SetData("text/plain", "hi"); err != nil {
		t.Fatal(err)
	}
	p, err := broker.ToPublishing(context.Background(), &e)
	if err != nil {
		t.Fatal(err)
	}
	if p.Headers["cloudEvents_tenant"] != "guichet" || p.ContentType != "text/plain" || string(p.Body) != "hi" {
		t.Fatalf("publishing %+v", p)
	}
	back, err := broker.ToEvent(context.Background(), p.Headers, p.ContentType, p.Body)
	if err != nil {
		t.Fatal(err)
	}
	if back.Extensions()["tenant"] != "guichet" || string(back.Data()) != "hi" {
		t.Fatalf("decoded %v", back)
	}
}

// FuzzToEvent feeds the AMQP decoder what a broker could hand it.
func FuzzToEvent(f *testing.F) {
	const purchased = "eu.guichet.ticket.purchased.v1"
	f.Add("1.0", purchased, "application/json", []byte(`{"purchaseId":"p"}`))
	f.Add("0.3", "x", "application/cloudevents+json", []byte(`{"specversion":"1.0","id":"1","source":"/","type":"t"}`))
	f.Add("", "", "", []byte{0xff})
	f.Fuzz(func(t *testing.T, specversion, typ, contentType string, body []byte) {
		h := amqp.Table{"cloudEvents_id": "1", "cloudEvents_source": "/s", "cloudEvents_type": typ,
			"cloudEvents_time": typ}
		if specversion != "" {
			h["cloudEvents_specversion"] = specversion
		}
		e, err := broker.ToEvent(context.Background(), h, contentType, body)
		if err == nil && e.Validate() != nil {
			t.Fatalf("decoded an invalid event %v", e)
		}
	})
}
