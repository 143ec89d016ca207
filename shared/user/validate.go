package user

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
)

// Field limits of API.md.
const (
	UsernameMin = 3
	UsernameMax = 32
	PasswordMin = 8
	PasswordMax = 128
	EmailMax    = 254
)

// Registration is the body of POST /api/auth/register.
type Registration struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Language string `json:"language"`
	Phone    string `json:"phone"`
	Role     string `json:"role"`
}

// Validate checks every field at once and normalizes the valid ones: the
// email is lower-cased, an absent language becomes lang and an absent role
// customer. Registration never creates an admin.
func (r *Registration) Validate(lang i18n.Lang) error {
	f := fault.Fields{}
	checkUsername(f, r.Username)
	checkEmail(f, r.Email)
	checkPassword(f, "password", r.Password)
	if r.Language == "" {
		r.Language = string(lang)
	}
	checkLanguage(f, r.Language)
	checkPhone(f, r.Phone)
	if r.Role == "" {
		r.Role = string(Customer)
	}
	if r.Role != string(Customer) && r.Role != string(Organizer) {
		f.Add("role", "field.one_of", "Values", "customer, organizer")
	}
	r.Email = strings.ToLower(r.Email)
	return f.Err()
}

// Credentials is the body of POST /api/auth/login: an email or a username,
// and a password.
type Credentials struct {
	Email    string `json:"email"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// Validate checks that exactly one of email and username is given, with a
// password. Only presence is checked: a wrong shape is a wrong credential.
func (c *Credentials) Validate() error {
	f := fault.Fields{}
	switch {
	case c.Email == "" && c.Username == "":
		f.Add("email", "field.required")
	case c.Email != "" && c.Username != "":
		f.Add("username", "field.email_or_username")
	}
	if c.Password == "" {
		f.Add("password", "field.required")
	}
	c.Email = strings.ToLower(c.Email)
	return f.Err()
}

// Patch is the body of PATCH /api/users/{id}; a nil field is left as it is.
// An empty phone removes the phone number.
type Patch struct {
	Username        *string `json:"username"`
	Email           *string `json:"email"`
	Phone           *string `json:"phone"`
	Language        *string `json:"language"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"currentPassword"`
	Role            *string `json:"role"`
}

// Validate checks every given field at once and lower-cases the email.
// Whether the caller may make the change is Authorize's business.
func (p *Patch) Validate() error {
	f := fault.Fields{}
	if p.Username != nil {
		checkUsername(f, *p.Username)
	}
	if p.Email != nil {
		checkEmail(f, *p.Email)
		*p.Email = strings.ToLower(*p.Email)
	}
	if p.Phone != nil {
		checkPhone(f, *p.Phone)
	}
	if p.Language != nil {
		checkLanguage(f, *p.Language)
	}
	if p.Password != nil {
		checkPassword(f, "password", *p.Password)
	}
	if p.Role != nil {
		switch Role(*p.Role) {
		case Customer, Organizer, Admin:
		default:
			f.Add("role", "field.one_of", "Values", "customer, organizer, admin")
		}
	}
	return f.Err()
}

// Sensitive reports whether p changes target's email or password, which a
// user changing their own account must confirm with their current password.
func (p *Patch) Sensitive(target *User) bool {
	return p.Password != nil || (p.Email != nil && *p.Email != target.Email)
}

// Authorize decides whether caller may apply p to target: only an admin sets
// a role (403), and changing one's own email or password needs the current
// password, which passwordOK checks (403 when absent or wrong).
func (p *Patch) Authorize(caller, target *User, passwordOK func(string) (bool, error)) error {
	if p.Role != nil && caller.Role != Admin {
		return fault.With(fault.Forbidden, "user.role_admin_only")
	}
	if caller.ID != target.ID || !p.Sensitive(target) {
		return nil
	}
	if p.CurrentPassword == nil || *p.CurrentPassword == "" {
		return fault.With(fault.Forbidden, "user.current_password")
	}
	ok, err := passwordOK(*p.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		return fault.With(fault.Forbidden, "user.current_password")
	}
	return nil
}

// Apply copies p's profile fields onto u (not the password, which is
// hashed by the caller).
func (p *Patch) Apply(u *User) {
	if p.Username != nil {
		u.Username = *p.Username
	}
	if p.Email != nil {
		u.Email = *p.Email
	}
	if p.Phone != nil {
		u.Phone = *p.Phone
	}
	if p.Language != nil {
		u.Language = i18n.Lang(*p.Language)
	}
	if p.Role != nil {
		u.Role = Role(*p.Role)
	}
}

func checkUsername(f fault.Fields, s string) {
	if s == "" {
		f.Add("username", "field.required")
		return
	}
	if !ValidUsername(s) {
		f.Add("username", "field.username")
	}
}

func checkEmail(f fault.Fields, s string) {
	if s == "" {
		f.Add("email", "field.required")
		return
	}
	if !ValidEmail(s) {
		f.Add("email", "field.email")
	}
}

func checkPassword(f fault.Fields, field, s string) {
	if s == "" {
		f.Add(field, "field.required")
		return
	}
	if n := utf8.RuneCountInString(s); n < PasswordMin || n > PasswordMax {
		f.Add(field, "field.length", "Min", PasswordMin, "Max", PasswordMax)
	}
}

func checkLanguage(f fault.Fields, s string) {
	if _, ok := i18n.Parse(s); !ok {
		f.Add("language", "field.one_of", "Values", "en, fr")
	}
}

func checkPhone(f fault.Fields, s string) {
	if s != "" && !ValidPhone(s) {
		f.Add("phone", "field.phone")
	}
}

// ValidUsername reports whether s is 3 to 32 of [A-Za-z0-9_.-].
func ValidUsername(s string) bool {
	if len(s) < UsernameMin || len(s) > UsernameMax {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// ValidEmail reports whether s is a plain address (local@domain, no display
// name, no comments) of at most 254 bytes whose domain has a dot.
func ValidEmail(s string) bool {
	if len(s) > EmailMax || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") &&
		!strings.HasSuffix(domain, ".") && !strings.Contains(domain, "..")
}

// ValidPhone reports whether s is an E.164 number: + then 2 to 15 digits,
// the first not 0.
func ValidPhone(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// UsernameFrom derives a valid username from an email's local part (for the
// bootstrap admin): its allowed characters, at most 32, else "admin".
func UsernameFrom(email string) string {
	local, _, _ := strings.Cut(email, "@")
	b := make([]byte, 0, UsernameMax)
	for _, c := range []byte(local) {
		if len(b) < UsernameMax && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b = append(b, c)
		}
	}
	if len(b) < UsernameMin {
		return "admin"
	}
	return string(b)
}
