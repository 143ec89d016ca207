package user_test

import (
	"errors"
	"strings"
	"testing"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/user"
)

// valid is a registration that passes; each case changes one field.
func valid() user.Registration {
	return user.Registration{Username: "alice", Email: "alice@example.com", Password: "password1"}
}

// fieldMessages renders a validation error's messages in lang.
func fieldMessages(t *testing.T, err error, lang i18n.Lang) map[string]string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Code != fault.Invalid {
		t.Fatalf("error %v, want validation_failed", err)
	}
	out := map[string]string{}
	for f, m := range fe.Fields {
		if !i18n.Has(lang, m.ID) {
			t.Errorf("message %s missing in %s", m.ID, lang)
		}
		out[f] = i18n.T(lang, m.ID, m.Data)
	}
	return out
}

func TestRegistrationFollowsEveryFieldRule(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *user.Registration)
		field  string // "" when valid
		en, fr string
	}{
		{"a plain registration is valid", func(r *user.Registration) {}, "", "", ""},
		{"a username of 3 characters is valid", func(r *user.Registration) { r.Username = "a.b" }, "", "", ""},
		{"a username of 32 characters is valid", func(r *user.Registration) { r.Username = strings.Repeat("a", 32) }, "", "", ""},
		{"a username with _ . - and digits is valid", func(r *user.Registration) { r.Username = "A_b.c-9" }, "", "", ""},
		{"a missing username", func(r *user.Registration) { r.Username = "" }, "username", "This field is required.", "Ce champ est obligatoire."},
		{"a username of 2 characters", func(r *user.Registration) { r.Username = "ab" }, "username",
			"3 to 32 letters, digits, or the characters _ . -", "3 à 32 lettres, chiffres ou caractères _ . -"},
		{"a username of 33 characters", func(r *user.Registration) { r.Username = strings.Repeat("a", 33) }, "username",
			"3 to 32 letters, digits, or the characters _ . -", "3 à 32 lettres, chiffres ou caractères _ . -"},
		{"a username with a space", func(r *user.Registration) { r.Username = "al ice" }, "username",
			"3 to 32 letters, digits, or the characters _ . -", "3 à 32 lettres, chiffres ou caractères _ . -"},
		{"a username with an accent", func(r *user.Registration) { r.Username = "élise" }, "username",
			"3 to 32 letters, digits, or the characters _ . -", "3 à 32 lettres, chiffres ou caractères _ . -"},
		{"a missing email", func(r *user.Registration) { r.Email = "" }, "email", "This field is required.", "Ce champ est obligatoire."},
		{"an email without @", func(r *user.Registration) { r.Email = "alice.example.com" }, "email",
			"Must be a valid email address.", "Doit être une adresse e-mail valide."},
		{"an email without a dot in the domain", func(r *user.Registration) { r.Email = "alice@localhost" }, "email",
			"Must be a valid email address.", "Doit être une adresse e-mail valide."},
		{"an email with a display name", func(r *user.Registration) { r.Email = "Alice <alice@example.com>" }, "email",
			"Must be a valid email address.", "Doit être une adresse e-mail valide."},
		{"an email longer than 254", func(r *user.Registration) { r.Email = strings.Repeat("a", 250) + "@example.com" }, "email",
			"Must be a valid email address.", "Doit être une adresse e-mail valide."},
		{"a missing password", func(r *user.Registration) { r.Password = "" }, "password", "This field is required.", "Ce champ est obligatoire."},
		{"a password of 7 characters", func(r *user.Registration) { r.Password = "1234567" }, "password",
			"Must be between 8 and 128 characters.", "Doit compter entre 8 et 128 caractères."},
		{"a password of 8 characters is valid", func(r *user.Registration) { r.Password = "12345678" }, "", "", ""},
		{"a password of 8 accented characters is valid", func(r *user.Registration) { r.Password = "éééééééé" }, "", "", ""},
		{"a password of 128 characters is valid", func(r *user.Registration) { r.Password = strings.Repeat("x", 128) }, "", "", ""},
		{"a password of 129 characters", func(r *user.Registration) { r.Password = strings.Repeat("x", 129) }, "password",
			"Must be between 8 and 128 characters.", "Doit compter entre 8 et 128 caractères."},
		{"language fr is valid", func(r *user.Registration) { r.Language = "fr" }, "", "", ""},
		{"language de", func(r *user.Registration) { r.Language = "de" }, "language",
			"Must be one of: en, fr.", "Doit être l’une de ces valeurs : en, fr."},
		{"an E.164 phone is valid", func(r *user.Registration) { r.Phone = "+33612345678" }, "", "", ""},
		{"a phone without +", func(r *user.Registration) { r.Phone = "0612345678" }, "phone",
			"Must be a phone number in E.164 form, such as +33612345678.", "Doit être un numéro au format E.164, par exemple +33612345678."},
		{"a phone of 16 digits", func(r *user.Registration) { r.Phone = "+1234567890123456" }, "phone",
			"Must be a phone number in E.164 form, such as +33612345678.", "Doit être un numéro au format E.164, par exemple +33612345678."},
		{"a phone with spaces", func(r *user.Registration) { r.Phone = "+33 6 12 34 56 78" }, "phone",
			"Must be a phone number in E.164 form, such as +33612345678.", "Doit être un numéro au format E.164, par exemple +33612345678."},
		{"role organizer is valid", func(r *user.Registration) { r.Role = "organizer" }, "", "", ""},
		{"role admin is refused", func(r *user.Registration) { r.Role = "admin" }, "role",
			"Must be one of: customer, organizer.", "Doit être l’une de ces valeurs : customer, organizer."},
		{"an unknown role", func(r *user.Registration) { r.Role = "root" }, "role",
			"Must be one of: customer, organizer.", "Doit être l’une de ces valeurs : customer, organizer."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.change(&r)
			err := r.Validate(i18n.EN)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			for lang, want := range map[i18n.Lang]string{i18n.EN: tt.en, i18n.FR: tt.fr} {
				got := fieldMessages(t, err, lang)
				if len(got) != 1 || got[tt.field] != want {
					t.Errorf("%s: errors %v, want %s: %q", lang, got, tt.field, want)
				}
			}
		})
	}
}

func TestRegistrationReportsEveryFailingFieldAndNormalizes(t *testing.T) {
	r := user.Registration{Username: "x", Email: "bad", Password: "short", Language: "es", Phone: "1", Role: "admin"}
	if got := fieldMessages(t, r.Validate(i18n.EN), i18n.EN); len(got) != 6 {
		t.Errorf("errors %v, want all six fields", got)
	}
	ok := user.Registration{Username: "Bob", Email: "Bob@Example.COM", Password: "password1"}
	if err := ok.Validate(i18n.FR); err != nil {
		t.Fatal(err)
	}
	if ok.Email != "bob@example.com" || ok.Language != "fr" || ok.Role != "customer" || ok.Username != "Bob" {
		t.Errorf("normalized to %+v", ok)
	}
}

func TestCredentialsNeedOneIdentityAndAPassword(t *testing.T) {
	tests := []struct {
		name   string
		c      user.Credentials
		fields []string
	}{
		{"email and password", user.Credentials{Email: "A@b.co", Password: "x"}, nil},
		{"username and password", user.Credentials{Username: "abc", Password: "x"}, nil},
		{"neither email nor username", user.Credentials{Password: "x"}, []string{"email"}},
		{"both email and username", user.Credentials{Email: "a@b.co", Username: "abc", Password: "x"}, []string{"username"}},
		{"no password", user.Credentials{Email: "a@b.co"}, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			got := fieldMessages(t, err, i18n.FR)
			for _, f := range tt.fields {
				if got[f] == "" {
					t.Errorf("errors %v, want %s", got, f)
				}
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestPatchValidatesOnlyGivenFields(t *testing.T) {
	tests := []struct {
		name   string
		p      user.Patch
		fields []string
	}{
		{"an empty patch", user.Patch{}, nil},
		{"an empty phone clears it", user.Patch{Phone: ptr("")}, nil},
		{"role admin is allowed in a patch", user.Patch{Role: ptr("admin")}, nil},
		{"every field wrong", user.Patch{Username: ptr("a"), Email: ptr("x"), Phone: ptr("12"), Language: ptr("it"),
			Password: ptr("1"), Role: ptr("boss")}, []string{"username", "email", "phone", "language", "password", "role"}},
		{"an empty username", user.Patch{Username: ptr("")}, []string{"username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			got := fieldMessages(t, err, i18n.EN)
			if len(got) != len(tt.fields) {
				t.Errorf("errors %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestPatchAuthorizeAsksOwnersForTheirPassword(t *testing.T) {
	me := &user.User{ID: "aaaaaaaaaaaaaaaaaaaaaaaa", Email: "me@example.com", Role: user.Customer}
	admin := &user.User{ID: "bbbbbbbbbbbbbbbbbbbbbbbb", Role: user.Admin}
	right := func(pw string) (bool, error) { return pw == "right-pw", nil }
	tests := []struct {
		name           string
		caller, target *user.User
		p              user.Patch
		code           fault.Code // "" when allowed
	}{
		{"a profile change needs no password", me, me, user.Patch{Language: ptr("fr")}, ""},
		{"the same email needs no password", me, me, user.Patch{Email: ptr("me@example.com")}, ""},
		{"a new email without the password", me, me, user.Patch{Email: ptr("new@example.com")}, fault.Forbidden},
		{"a new email with a wrong password", me, me, user.Patch{Email: ptr("new@example.com"), CurrentPassword: ptr("nope")}, fault.Forbidden},
		{"a new email with the password", me, me, user.Patch{Email: ptr("new@example.com"), CurrentPassword: ptr("right-pw")}, ""},
		{"a new password with the password", me, me, user.Patch{Password: ptr("x"), CurrentPassword: ptr("right-pw")}, ""},
		{"a customer setting a role", me, me, user.Patch{Role: ptr("customer")}, fault.Forbidden},
		{"an admin changing another's password", admin, me, user.Patch{Password: ptr("x")}, ""},
		{"an admin changing their own password without it", admin, admin, user.Patch{Password: ptr("x")}, fault.Forbidden},
		{"an admin setting a role", admin, me, user.Patch{Role: ptr("admin")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Authorize(tt.caller, tt.target, right)
			fe, _ := fault.As(err)
			switch {
			case tt.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.code != "" && (fe == nil || fe.Code != tt.code):
				t.Fatalf("error %v, want %s", err, tt.code)
			}
		})
	}
	boom := errors.New("boom")
	if err := (&user.Patch{Password: ptr("x"), CurrentPassword: ptr("y")}).Authorize(me, me, func(string) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("check failure %v, want it passed on", err)
	}
}

func TestUsernameFromAnEmail(t *testing.T) {
	tests := map[string]string{
		"root@example.com":                       "root",
		"first.last+tag@example.fr":              "first.lasttag",
		"a@example.com":                          "admin",
		strings.Repeat("x", 40) + "@example.com": strings.Repeat("x", 32),
	}
	for email, want := range tests {
		if got := user.UsernameFrom(email); got != want || !user.ValidUsername(got) {
			t.Errorf("UsernameFrom(%q) = %q, want %q", email, got, want)
		}
	}
}

// FuzzDecodeRegister feeds arbitrary bodies through the register decoder and
// validation: every outcome is nil or a 4xx problem, never a panic.
func FuzzDecodeRegister(f *testing.F) {
	for _, s := range []string{
		`{"username":"alice","email":"alice@example.com","password":"password1"}`,
		`{"username":"a","email":{"$gt":""},"password":1}`,
		`{"username":"alice","email":"a@b.co","password":"12345678","role":"admin","phone":"+1","language":"fr"}`,
		`{"username":"\u0000"}`, `[]`, `null`, `{"x":1}`, `{"email":"` + strings.Repeat("a", 300) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r user.Registration
		err := httpx.DecodeBytes(body, &r, false)
		if err == nil {
			err = r.Validate(i18n.EN)
		}
		if err == nil {
			if !user.ValidUsername(r.Username) || !user.ValidEmail(r.Email) || r.Role == "admin" || r.Email != strings.ToLower(r.Email) {
				t.Fatalf("accepted %+v", r)
			}
			return
		}
		fe, ok := fault.As(err)
		if !ok || httpx.Status(fe.Code) >= 500 || httpx.Status(fe.Code) < 400 {
			t.Fatalf("error %v for %q", err, body)
		}
	})
}
