// Package broker carries CloudEvents over RabbitMQ (AMQP 0.9.1): the
// topology, a publisher with publisher confirms, and a consumer with a
// delayed-retry path and a dead-letter queue.
//
// Events travel in binary content mode, as the CloudEvents AMQP binding
// lays them out: each attribute in an application property (here an AMQP
// header) named cloudEvents_<attribute>, datacontenttype as the message's
// content type, and the data as the body. Structured messages
// (application/cloudevents+json) are read as well.
package broker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/binding/spec"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
	amqp "github.com/rabbitmq/amqp091-go"
)

// HeaderPrefix prefixes the CloudEvents attribute headers.
const HeaderPrefix = "cloudEvents_"

var specs = spec.WithPrefix(HeaderPrefix)

// message reads a CloudEvent from an AMQP message.
type message struct {
	headers     amqp.Table
	contentType string
	body        []byte
	version     spec.Version
	format      format.Format
}

var _ binding.Message = (*message)(nil)

func newMessage(headers amqp.Table, contentType string, body []byte) *message {
	m := &message{headers: headers, contentType: contentType, body: body}
	if sv, ok := headers[HeaderPrefix+"specversion"].(string); ok {
		m.version = specs.Version(sv)
	}
	if m.version == nil {
		m.format = format.Lookup(contentType)
	}
	return m
}

func (m *message) ReadEncoding() binding.Encoding {
	switch {
	case m.version != nil:
		return binding.EncodingBinary
	case m.format != nil && m.format != format.JSONBatch:
		return binding.EncodingStructured
	}
	return binding.EncodingUnknown
}

func (m *message) ReadStructured(ctx context.Context, w binding.StructuredWriter) error {
	if m.format == nil {
		return binding.ErrNotStructured
	}
	return w.SetStructuredEvent(ctx, m.format, bytes.NewReader(m.body))
}

func (m *message) ReadBinary(_ context.Context, w binding.BinaryWriter) error {
	if m.version == nil {
		return binding.ErrNotBinary
	}
	for k, v := range m.headers {
		if attr := m.version.Attribute(k); attr != nil {
			if err := w.SetAttribute(attr, v); err != nil {
				return err
			}
			continue
		}
		if len(k) > len(HeaderPrefix) && strings.EqualFold(k[:len(HeaderPrefix)], HeaderPrefix) {
			if err := w.SetExtension(k[len(HeaderPrefix):], v); err != nil {
				return err
			}
		}
	}
	if m.contentType != "" {
		if err := w.SetAttribute(m.version.AttributeFromKind(spec.DataContentType), m.contentType); err != nil {
			return err
		}
	}
	if len(m.body) > 0 {
		return w.SetData(bytes.NewReader(m.body))
	}
	return nil
}

func (m *message) Finish(error) error { return nil }

var _ binding.MessageMetadataReader = (*message)(nil)

func (m *message) GetAttribute(k spec.Kind) (spec.Attribute, any) {
	attr := m.version.AttributeFromKind(k)
	if attr == nil {
		return nil, nil
	}
	if k == spec.DataContentType {
		if m.contentType == "" {
			return attr, nil
		}
		return attr, m.contentType
	}
	return attr, m.header(attr.Name())
}

func (m *message) GetExtension(name string) any { return m.header(name) }

// header returns the attribute header of name, whatever the case of its key.
func (m *message) header(name string) any {
	for k, v := range m.headers {
		if strings.EqualFold(k, HeaderPrefix+name) {
			return v
		}
	}
	return nil
}

// ToEvent decodes the CloudEvent an AMQP message carries and checks it is
// a valid one.
func ToEvent(ctx context.Context, headers amqp.Table, contentType string, body []byte) (*cloudevents.Event, error) {
	e, err := binding.ToEvent(ctx, newMessage(headers, contentType, body))
	if err == nil {
		err = e.Validate()
	}
	if err != nil {
		return nil, fmt.Errorf("decode cloudevent: %w", err)
	}
	return e, nil
}

// publishing writes a CloudEvent into an AMQP message in binary mode.
type publishing struct{ p *amqp.Publishing }

var _ binding.BinaryWriter = publishing{}

func (w publishing) Start(context.Context) error { return nil }
func (w publishing) End(context.Context) error   { return nil }

func (w publishing) SetAttribute(attr spec.Attribute, value any) error {
	s, err := types.Format(value)
	if err != nil {
		return err
	}
	if attr.Kind() == spec.DataContentType {
		w.p.ContentType = s
		return nil
	}
	w.p.Headers[HeaderPrefix+attr.Name()] = s
	return nil
}

func (w publishing) SetExtension(name string, value any) error {
	s, err := types.Format(value)
	if err != nil {
		return err
	}
	w.p.Headers[HeaderPrefix+name] = s
	return nil
}

func (w publishing) SetData(r io.Reader) error {
	b, err := io.ReadAll(r)
	w.p.Body = b
	return err
}

// ToPublishing encodes e as a persistent AMQP message in binary content
// mode; the event id is also the AMQP message id.
func ToPublishing(ctx context.Context, e *cloudevents.Event) (amqp.Publishing, error) {
	p := amqp.Publishing{Headers: amqp.Table{}, DeliveryMode: amqp.Persistent, MessageId: e.ID()}
	if _, err := binding.Write(ctx, binding.ToMessage(e), nil, publishing{&p}); err != nil {
		return amqp.Publishing{}, fmt.Errorf("encode cloudevent %s: %w", e.ID(), err)
	}
	return p, nil
}
