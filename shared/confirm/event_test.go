package confirm_test

import (
	"context"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	amqp "github.com/rabbitmq/amqp091-go"

	"guichet.dev/shared/broker"
	"guichet.dev/shared/confirm"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/ticket"
)

func samplePurchase() ticket.Purchase {
	return ticket.Purchase{ID: "3f1c2d4e-0000-4000-8000-000000000001", EventID: "65f0c0ffee0000000000abcd",
		BuyerID: "65f0c0ffee0000000000beef", Channel: ticket.Email, Language: i18n.FR,
		Tickets: []ticket.Ticket{{UUID: "9b2e", Number: 7, Confirmation: ticket.Confirmation{Channel: ticket.Email, Status: ticket.Pending}}}}
}

func TestPurchaseEventTravelsInAMQPBinaryMode(t *testing.T) {
	p := samplePurchase()
	e, err := confirm.NewEvent(p)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := broker.ToPublishing(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cloudEvents_id": p.ID, "cloudEvents_type": confirm.EventType, "cloudEvents_source": "/events/" + p.EventID,
		"cloudEvents_subject": p.ID, "cloudEvents_specversion": "1.0",
	}
	for k, v := range want {
		if msg.Headers[k] != v {
			t.Errorf("header %s = %v, want %q", k, msg.Headers[k], v)
		}
	}
	if msg.ContentType != "application/json" || msg.DeliveryMode != amqp.Persistent || msg.MessageId != p.ID {
		t.Errorf("content type %q, delivery mode %d, message id %q", msg.ContentType, msg.DeliveryMode, msg.MessageId)
	}
	back, err := broker.ToEvent(context.Background(), msg.Headers, msg.ContentType, msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := confirm.PurchaseOf(back)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.Language != i18n.FR || got.Tickets[0].Number != 7 || !back.Time().Equal(e.Time()) {
		t.Errorf("decoded %+v at %v", got, back.Time())
	}
}

func TestStructuredAMQPMessagesAreReadToo(t *testing.T) {
	e, err := confirm.NewEvent(samplePurchase())
	if err != nil {
		t.Fatal(err)
	}
	body, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := broker.ToEvent(context.Background(), amqp.Table{}, "application/cloudevents+json", body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := confirm.PurchaseOf(back); err != nil {
		t.Fatal(err)
	}
}

func TestEventsThatAreNotPurchasesAreRefused(t *testing.T) {
	other := func(edit func(*cloudevents.Event)) *cloudevents.Event {
		e, err := confirm.NewEvent(samplePurchase())
		if err != nil {
			t.Fatal(err)
		}
		edit(e)
		return e
	}
	cases := map[string]*cloudevents.Event{
		"another type":                 other(func(e *cloudevents.Event) { e.SetType("eu.guichet.other.v1") }),
		"a subject that is not the id": other(func(e *cloudevents.Event) { e.SetSubject("x") }),
		"data that is not a purchase":  other(func(e *cloudevents.Event) { _ = e.SetData("application/json", []int{1}) }),
		"no data":                      other(func(e *cloudevents.Event) { e.DataEncoded = nil }),
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := confirm.PurchaseOf(e); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
