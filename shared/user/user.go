// Package user holds Guichet's accounts: the User type, its roles and the
// rules its fields follow.
package user

import (
	"time"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
)

// Role is what a user may do.
type Role string

// The roles of API.md.
const (
	Customer  Role = "customer"
	Organizer Role = "organizer"
	Admin     Role = "admin"
)

// User is an account as the API shows it; PasswordHash never leaves the server.
type User struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"`
	Email        string    `json:"email"`
	Role         Role      `json:"role"`
	Language     i18n.Lang `json:"language"`
	Phone        string    `json:"phone,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	PasswordHash string    `json:"-"`
}

// Is reports whether u has one of roles.
func (u *User) Is(roles ...Role) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// CanManage allows a caller to read or change account id: themselves, or
// anyone for an admin. A malformed id is not found (404) before it is
// forbidden (403), so ids are never probed through the answer.
func CanManage(caller *User, id string) error {
	if !validID(id) {
		return fault.New(fault.NotFound)
	}
	if caller.ID != id && caller.Role != Admin {
		return fault.New(fault.Forbidden)
	}
	return nil
}

// validID reports whether id has the form of an ObjectId (24 hex digits).
func validID(id string) bool {
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
