package event

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"guichet.dev/shared/fault"
)

// List limits of API.md.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	QueryMax     = 200
)

// Filter is a validated GET /api/events query. Events come sorted by
// (Date, ID); After, when set, starts the page just past that key.
type Filter struct {
	Q           string     // case-insensitive text in the title, matched literally
	From, To    *time.Time // date bounds, inclusive
	Status      Status     // only events with this status (default scheduled)
	Past        bool       // include events whose date has passed
	OrganizerID string     // only this organizer's events
	Limit       int        // page size, 1..MaxLimit
	After       *Cursor    // keyset position
	Now         time.Time  // what "past" is measured against
}

// Page is one page of a list.
type Page struct {
	Items      []*Event `json:"items"`
	NextCursor *string  `json:"nextCursor"`
}

// Cursor is the sort key of the last event of a page.
type Cursor struct {
	Date time.Time
	ID   string
}

// cursorLen is a cursor's size before encoding: the date in Unix
// milliseconds (8 bytes, big-endian), the 12-byte ObjectId and a CRC-32 of
// both, so that text this list did not give is refused rather than read as
// some position.
const cursorLen = 8 + 12 + 4

// String encodes c as opaque base64url text.
func (c Cursor) String() string {
	b := make([]byte, 8, cursorLen)
	binary.BigEndian.PutUint64(b, uint64(c.Date.UnixMilli()))
	id, _ := hex.DecodeString(c.ID)
	b = append(b, id...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a cursor String made; anything else is an error.
func ParseCursor(s string) (Cursor, bool) {
	if len(s) != base64.RawURLEncoding.EncodedLen(cursorLen) {
		return Cursor{}, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != cursorLen || binary.BigEndian.Uint32(b[20:]) != crc32.ChecksumIEEE(b[:20]) {
		return Cursor{}, false
	}
	ms := int64(binary.BigEndian.Uint64(b))
	t := time.UnixMilli(ms).UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return Cursor{}, false
	}
	return Cursor{Date: t, ID: hex.EncodeToString(b[8:20])}, true
}

// ParseFilter validates the query of GET /api/events, reporting every bad
// parameter at once. Cancelled and past events are left out unless asked
// for (status=cancelled, past=true).
func ParseFilter(v url.Values, now time.Time) (Filter, error) {
	f := Filter{Status: Scheduled, Limit: DefaultLimit, Now: now.UTC().Truncate(time.Millisecond)}
	c := checker{fault.Fields{}}
	if q := v.Get("q"); q != "" {
		switch {
		case !utf8.ValidString(q) || strings.ContainsRune(q, 0):
			c.f.Add("q", "field.text")
		case utf8.RuneCountInString(q) > QueryMax:
			c.f.Add("q", "field.length", "Min", 1, "Max", QueryMax)
		}
		f.Q = q
	}
	f.From = c.optionalTime("from", v.Get("from"))
	f.To = c.optionalTime("to", v.Get("to"))
	if s := v.Get("status"); s != "" {
		f.Status = c.status(s)
	}
	switch v.Get("past") {
	case "", "false":
	case "true":
		f.Past = true
	default:
		c.f.Add("past", "field.boolean")
	}
	if o := v.Get("organizerId"); o != "" {
		if !ValidID(o) {
			c.f.Add("organizerId", "field.id")
		}
		f.OrganizerID = o
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > MaxLimit {
			c.f.Add("limit", "field.limit")
		}
		f.Limit = n
	}
	if s := v.Get("cursor"); s != "" {
		cur, ok := ParseCursor(s)
		if !ok {
			c.f.Add("cursor", "field.cursor")
		}
		f.After = &cur
	}
	if err := c.f.Err(); err != nil {
		return Filter{}, err
	}
	return f, nil
}

// ValidID reports whether id is an ObjectId in lower-case hex, the form
// every id is written in.
func ValidID(id string) bool {
	if len(id) != 24 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Matcher returns f's test of one event: the same selection as the
// store's query (title regular expression case-insensitive and quoted,
// dates inclusive, keyset strictly after the cursor), for lists served
// from memory.
func (f Filter) Matcher() func(*Event) bool {
	var title *regexp.Regexp
	if f.Q != "" {
		title = regexp.MustCompile("(?i)" + regexp.QuoteMeta(f.Q))
	}
	return func(e *Event) bool {
		switch {
		case e.Status != f.Status,
			f.OrganizerID != "" && e.OrganizerID != f.OrganizerID,
			!f.Past && e.Date.Before(f.Now),
			f.From != nil && e.Date.Before(*f.From),
			f.To != nil && e.Date.After(*f.To),
			f.After != nil && !f.After.Before(e),
			title != nil && !title.MatchString(e.Title):
			return false
		}
		return true
	}
}

// Before reports whether c sorts before e in (date, id) order.
func (c Cursor) Before(e *Event) bool {
	return c.Date.Before(e.Date) || c.Date.Equal(e.Date) && c.ID < e.ID
}
