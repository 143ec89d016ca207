// Package httpx holds the HTTP edge shared by every function: the one
// problem+json writer, JSON decoding and encoding, and middleware.
package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
)

// ProblemType is the prefix of every problem's type URI.
const ProblemType = "https://guichet.dev/problems/"

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Code   fault.Code        `json:"code"`
	Errors map[string]string `json:"errors,omitempty"`
}

// Status maps a fault code to its HTTP status: the one place that does.
func Status(c fault.Code) int {
	switch c {
	case fault.Invalid, fault.BadRequest:
		return http.StatusBadRequest
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.NotFound:
		return http.StatusNotFound
	case fault.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case fault.Conflict, fault.SoldOut, fault.SalesClosed, fault.AlreadyCheckedIn:
		return http.StatusConflict
	case fault.InvalidTicket, fault.KeyReused:
		return http.StatusUnprocessableEntity
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.Unsupported:
		return http.StatusUnsupportedMediaType
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// WriteError writes err as a localized problem document. Errors that are not
// *fault.Error are logged with the request id and answered as a bare 500.
func WriteError(w http.ResponseWriter, r *http.Request, lang i18n.Lang, err error) {
	fe, ok := fault.As(err)
	if !ok {
		slog.ErrorContext(r.Context(), "request failed", "err", err, "requestId", RequestID(r.Context()))
		fe = fault.New(fault.Internal)
	}
	p := Problem{
		Type:   ProblemType + string(fe.Code),
		Title:  i18n.T(lang, "problem."+string(fe.Code)+".title", nil),
		Status: Status(fe.Code),
		Code:   fe.Code,
	}
	if fe.Detail.ID != "" {
		p.Detail = i18n.T(lang, fe.Detail.ID, fe.Detail.Data)
	} else {
		p.Detail = i18n.T(lang, "problem."+string(fe.Code)+".detail", nil)
	}
	if len(fe.Fields) > 0 {
		p.Errors = make(map[string]string, len(fe.Fields))
		for f, m := range fe.Fields {
			p.Errors[f] = i18n.T(lang, m.ID, m.Data)
		}
	}
	if fe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((fe.RetryAfter+time.Second-1)/time.Second)))
	}
	w.Header().Set("Content-Language", string(lang))
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	body := map[string]any{"type": p.Type, "title": p.Title, "status": p.Status, "detail": p.Detail, "code": p.Code}
	if p.Errors != nil {
		body["errors"] = p.Errors
	}
	for k, v := range fe.Extra {
		body[k] = v
	}
	_ = json.NewEncoder(w).Encode(body)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}
