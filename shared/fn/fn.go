package fn

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/route"
	"guichet.dev/shared/user"
)

// Request is one invocation as a handler sees it.
type Request struct {
	W    http.ResponseWriter
	R    *http.Request
	Env  *Env
	Lang i18n.Lang

	subject string // the verified access token's user id
	user    *user.User
	authErr error
}

// HandlerFunc handles one request. A returned error is written as a problem
// document by the one writer (httpx.WriteError); nil means the handler
// answered.
type HandlerFunc func(*Request) error

// Context returns the request's context.
func (q *Request) Context() context.Context { return q.R.Context() }

// PathValue returns the path wildcard name.
func (q *Request) PathValue(name string) string { return q.R.PathValue(name) }

// ClientAddr returns the address of the client (the peer's IP). Forwarding
// headers are not trusted: anyone can send them.
func (q *Request) ClientAddr() string {
	host, _, err := net.SplitHostPort(q.R.RemoteAddr)
	if err != nil {
		return q.R.RemoteAddr
	}
	return host
}

// Subject returns the user id of a valid access token, read from the token
// alone (no database read), or fault.Unauthorized (401). What admission
// control keys on, so that a request it turns away costs no read.
func (q *Request) Subject() (string, error) {
	if q.authErr != nil {
		return "", q.authErr
	}
	if q.subject == "" {
		return "", fault.New(fault.Unauthorized)
	}
	return q.subject, nil
}

// User returns the signed-in caller, or fault.Unauthorized (401). It reads
// the user on first use in every request, reusing a read at most
// store.SignedInTTL old, so a deleted user's tokens stop working within
// that time (at once in the process that deleted it).
func (q *Request) User() (*user.User, error) {
	if q.user != nil {
		return q.user, nil
	}
	id, err := q.Subject()
	if err != nil {
		return nil, err
	}
	u, err := q.Env.Store.SignedInUser(q.Context(), id)
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		q.authErr = fault.New(fault.Unauthorized)
		return nil, q.authErr
	}
	if err != nil {
		return nil, err
	}
	q.user = u
	return u, nil
}

// Require returns the caller if it has one of roles: 401 when not signed
// in, 403 when signed in without the role.
func (q *Request) Require(roles ...user.Role) (*user.User, error) {
	u, err := q.User()
	if err != nil {
		return nil, err
	}
	if !u.Is(roles...) {
		return nil, fault.New(fault.Forbidden)
	}
	return u, nil
}

// Decode reads the JSON body into v (see httpx.Decode).
func (q *Request) Decode(v any) error { return httpx.Decode(q.W, q.R, v, false) }

// DecodeOptional is Decode for a body that may be absent.
func (q *Request) DecodeOptional(v any) error { return httpx.Decode(q.W, q.R, v, true) }

// JSON answers v with status.
func (q *Request) JSON(status int, v any) error { return httpx.WriteJSON(q.W, status, v) }

// NoContent answers 204.
func (q *Request) NoContent() error {
	q.W.WriteHeader(http.StatusNoContent)
	return nil
}

// New returns the http.Handler of function name: it answers the routes of
// route.Table that name that function (so r.PathValue works whether the
// request came through the local gateway or straight to the function's
// container), with h behind the shared edge.
func New(name string, h HandlerFunc) http.Handler {
	mux := http.NewServeMux()
	routes := route.Of(name)
	if len(routes) == 0 {
		mux.Handle("/", serve(name, h))
	}
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Pattern, serve(rt.Method+" "+rt.Pattern, h))
	}
	return mux
}

// serve wraps h for one route.
func serve(routeName string, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env, err := envOf(r.Context())
		if err != nil {
			slog.Error("function start-up failed", "err", err)
			lang, _ := i18n.Negotiate(r.Header.Get("Accept-Language"))
			httpx.WriteError(w, r, lang, &fault.Error{Code: fault.Unavailable, Err: err})
			return
		}
		httpx.Observe(env.Log, env.Metrics, routeName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := &Request{W: w, R: r, Env: env}
			q.authenticate()
			lang, ok := i18n.Negotiate(r.Header.Get("Accept-Language"))
			if !ok && q.subject != "" {
				if u, err := q.User(); err == nil {
					if l, known := i18n.Parse(string(u.Language)); known {
						lang = l
					}
				}
			}
			q.Lang = lang
			httpx.SecurityHeaders(w.Header())
			w.Header().Set("Content-Language", string(lang))
			if err := h(q); err != nil {
				httpx.WriteError(w, r, lang, err)
			}
		})).ServeHTTP(w, r)
	})
}

// authenticate verifies a Bearer token; User loads the user it names.
func (q *Request) authenticate() {
	h := q.R.Header.Get("Authorization")
	if h == "" {
		return
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		q.authErr = fault.New(fault.Unauthorized)
		return
	}
	claims, err := q.Env.Tokens.Verify(tok)
	if err != nil {
		q.authErr = fault.New(fault.Unauthorized)
		return
	}
	q.subject = claims.Subject
}

// EditableEvent returns the event of the path's {id} if the caller may
// change it (its organizer or an admin; else 401, 403 or 404), read fresh,
// and the store to change it through.
func (q *Request) EditableEvent() (*event.Event, event.Store, error) {
	caller, err := q.User()
	if err != nil {
		return nil, nil, err
	}
	st := q.Env.Events.Fresh()
	e, err := event.Editable(q.Context(), st, caller, q.PathValue("id"))
	return e, st, err
}
