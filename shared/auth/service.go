package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/store"
	"guichet.dev/shared/user"
)

// Rules of API.md.
const (
	LockoutFailures = 5                   // failed logins of one account ...
	LockoutWindow   = 15 * time.Minute    // ... within this window lock it
	RefreshTTL      = 30 * 24 * time.Hour // a login lasts this long without use
	refreshBytes    = 32                  // 256 random bits
)

// Service is accounts and sessions: registration, login with lockout,
// refresh-token rotation, logout, profile changes and deletion.
type Service struct {
	store   *store.Store
	tokens  *Tokens
	limiter *Limiter
	params  Params
	now     func() time.Time
	dummy   func() (string, error)
}

// NewService returns the accounts service over st, signing with tokens and
// allowing ratePerMinute register/login requests per client address.
func NewService(st *store.Store, tokens *Tokens, ratePerMinute int) *Service {
	s := &Service{store: st, tokens: tokens, limiter: NewLimiter(ratePerMinute), params: DefaultParams, now: time.Now}
	s.dummy = sync.OnceValues(func() (string, error) { return HashPassword("not a password of anyone", s.params) })
	return s
}

// Session is the answer of login and refresh.
type Session struct {
	AccessToken  string     `json:"accessToken"`
	RefreshToken string     `json:"refreshToken"`
	TokenType    string     `json:"tokenType"`
	ExpiresIn    int        `json:"expiresIn"`
	User         *user.User `json:"user"`
}

// RefreshRequest is the body of refresh and logout.
type RefreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// Validate checks that a token is given.
func (r *RefreshRequest) Validate() error {
	f := fault.Fields{}
	if r.RefreshToken == "" {
		f.Add("refreshToken", "field.required")
	}
	return f.Err()
}

// LimitAddress spends one register/login request of client address addr:
// 429 with Retry-After when its per-minute allowance is spent. An IPv6
// client counts by its /64, the block one subscriber usually holds.
func (s *Service) LimitAddress(addr string) error {
	if ip, err := netip.ParseAddr(addr); err == nil && ip.Is6() && !ip.Is4In6() {
		addr = netip.PrefixFrom(ip, 64).Masked().String()
	}
	if ok, wait := s.limiter.Allow(addr); !ok {
		return &fault.Error{Code: fault.RateLimited, Detail: fault.M("auth.rate_limited"), RetryAfter: wait}
	}
	return nil
}

// Register creates a customer or organizer account; lang is the language
// of the request, used when the body names none.
func (s *Service) Register(ctx context.Context, r *user.Registration, lang i18n.Lang) (*user.User, error) {
	if err := r.Validate(lang); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password, s.params)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	u := &user.User{ID: store.NewID(), Username: r.Username, Email: r.Email, Role: user.Role(r.Role),
		Language: i18n.Lang(r.Language), Phone: r.Phone, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.store.InsertUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Login checks credentials and starts a new login (refresh-token family).
// An unknown account and a wrong password fail alike: the same 401, one
// argon2id check each (against a dummy hash when there is no account) and
// the same failure record, so an unknown account locks like a known one.
func (s *Service) Login(ctx context.Context, c *user.Credentials) (*Session, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	u, key, err := s.account(ctx, c)
	if err != nil {
		return nil, err
	}
	ok, err := s.confirmPassword(ctx, u, key, c.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fault.With(fault.Unauthorized, "auth.invalid_credentials")
	}
	family, err := randomToken()
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u, family)
}

// account finds the account credentials name and the key its failures are
// counted under; u is nil for an unknown account.
func (s *Service) account(ctx context.Context, c *user.Credentials) (*user.User, string, error) {
	var u *user.User
	var err error
	key := "email:" + c.Email
	if c.Email != "" {
		u, err = s.store.UserByEmail(ctx, c.Email)
	} else {
		key = "username:" + strings.ToLower(c.Username)
		u, err = s.store.UserByUsername(ctx, c.Username)
	}
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		return nil, key, nil
	}
	if err != nil {
		return nil, "", err
	}
	return u, LockoutKey(u.ID), nil
}

// LockoutKey is the key the failed logins of account id are counted under.
func LockoutKey(id string) string { return "user:" + id }

// confirmPassword checks password against u (nil: no account) under the
// lockout of account key: 429 while 5 attempts of the last 15 minutes failed
// (or are being checked), even for the right password. The attempt is
// recorded before the check, so a burst of concurrent guesses cannot slip
// more than 5 checks in (see store.BeginLoginAttempt); a wrong password
// keeps it as a failure, the right one clears the account's failures.
func (s *Service) confirmPassword(ctx context.Context, u *user.User, key, password string) (bool, error) {
	now := s.now()
	id, err := s.store.BeginLoginAttempt(ctx, key, now)
	if err != nil {
		return false, err
	}
	attempts, err := s.store.RecentLoginAttempts(ctx, key, now.Add(-LockoutWindow), 4*LockoutFailures)
	if err != nil {
		return false, err
	}
	if len(attempts) > LockoutFailures {
		if err := s.store.DropLoginAttempt(ctx, id); err != nil {
			return false, err
		}
		return false, &fault.Error{Code: fault.RateLimited, Detail: fault.M("auth.locked"), RetryAfter: lockedFor(attempts, now)}
	}
	ok, err := s.checkPassword(u, password)
	if err != nil {
		return false, errors.Join(err, s.store.DropLoginAttempt(ctx, id))
	}
	if !ok {
		return false, s.store.FailLoginAttempt(ctx, id, s.now())
	}
	if len(attempts) == 1 { // only this one: nothing else to forget
		return true, s.store.DropLoginAttempt(ctx, id)
	}
	return true, s.store.ClearLoginFailures(ctx, key, id, now.Add(-LockoutWindow))
}

// lockedFor is how long until fewer than 5 failures remain in the window:
// until the fifth-latest failure leaves it. Attempts still being checked
// end within a second.
func lockedFor(attempts []store.LoginAttempt, now time.Time) time.Duration {
	var failed []time.Time
	for _, a := range attempts {
		if !a.Pending {
			failed = append(failed, a.At)
		}
	}
	if len(failed) < LockoutFailures {
		return time.Second
	}
	return max(failed[LockoutFailures-1].Add(LockoutWindow).Sub(now), time.Second)
}

// checkPassword runs one argon2id check whether or not u exists.
func (s *Service) checkPassword(u *user.User, password string) (bool, error) {
	if u == nil || u.PasswordHash == "" {
		dummy, err := s.dummy()
		if err != nil {
			return false, err
		}
		_, _ = CheckPassword(dummy, password)
		return false, nil
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if errors.Is(err, ErrBadHash) {
		return false, fmt.Errorf("user %s: %w", u.ID, err)
	}
	return ok, err
}

// Refresh spends a refresh token and rotates it. Each token is single use:
// presenting one that was already spent, even by a racing request, revokes
// its whole login, so of two concurrent refreshes one wins and its new
// token dies with the family (a thief and the owner cannot both go on).
func (s *Service) Refresh(ctx context.Context, r *RefreshRequest) (*Session, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	t, err := s.lookupRefresh(ctx, r.RefreshToken)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// A login revoked before this refresh (logout, earlier reuse) is over.
	// It is read before the token is used: the losers of a race revoke the
	// family as they lose, and that must not take the winner's answer away.
	revoked, err := s.store.FamilyRevoked(ctx, t.Family)
	if err != nil {
		return nil, err
	}
	if revoked || now.After(t.ExpiresAt) {
		return nil, invalidRefresh()
	}
	// Single use: the unique insert of the used marker picks one winner.
	first, err := s.store.UseRefreshToken(ctx, t.Hash, now)
	if err != nil {
		return nil, err
	}
	if !first {
		if err := s.store.RevokeFamily(ctx, t.Family, now); err != nil {
			return nil, err
		}
		return nil, invalidRefresh()
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		return nil, invalidRefresh()
	}
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u, t.Family)
}

// Logout revokes the login of a refresh token. An unknown token is already
// logged out.
func (s *Service) Logout(ctx context.Context, r *RefreshRequest) error {
	if err := r.Validate(); err != nil {
		return err
	}
	t, err := s.lookupRefresh(ctx, r.RefreshToken)
	if fe, ok := fault.As(err); ok && fe.Code == fault.Unauthorized {
		return nil
	}
	if err != nil {
		return err
	}
	return s.store.RevokeFamily(ctx, t.Family, s.now())
}

func (s *Service) lookupRefresh(ctx context.Context, token string) (*store.RefreshToken, error) {
	t, err := s.store.RefreshTokenByHash(ctx, hashToken(token))
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		return nil, invalidRefresh()
	}
	return t, err
}

func invalidRefresh() error { return fault.With(fault.Unauthorized, "auth.refresh_invalid") }

// startSession issues an access token and a new refresh token of family.
func (s *Service) startSession(ctx context.Context, u *user.User, family string) (*Session, error) {
	refresh, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	t := store.RefreshToken{Hash: hashToken(refresh), Family: family, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(RefreshTTL)}
	if err := s.store.InsertRefreshToken(ctx, t); err != nil {
		return nil, err
	}
	access, err := s.tokens.Issue(u)
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.tokens.TTL() / time.Second), User: u}, nil
}

// Update applies a PATCH by caller to account id (API.md "Users"). A new
// password ends every login of the account.
func (s *Service) Update(ctx context.Context, caller *user.User, id string, p *user.Patch) (*user.User, error) {
	if err := user.CanManage(caller, id); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	target, err := s.store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	confirm := func(password string) (bool, error) {
		return s.confirmPassword(ctx, target, LockoutKey(target.ID), password)
	}
	if err := p.Authorize(caller, target, confirm); err != nil {
		return nil, err
	}
	p.Apply(target)
	if p.Password != nil {
		if target.PasswordHash, err = HashPassword(*p.Password, s.params); err != nil {
			return nil, err
		}
	}
	target.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	if err := s.store.UpdateUser(ctx, target); err != nil {
		return nil, err
	}
	if p.Password != nil {
		return target, s.store.DeleteRefreshTokens(ctx, target.ID)
	}
	return target, nil
}

// Delete removes account id (caller themselves or an admin) and every
// refresh token of it; its access tokens fail at once because each request
// loads its user.
func (s *Service) Delete(ctx context.Context, caller *user.User, id string) error {
	if err := user.CanManage(caller, id); err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, id); err != nil {
		return err
	}
	return s.store.DeleteRefreshTokens(ctx, id)
}

// EnsureAdmin makes the account of email an admin with password: created
// when missing, else promoted and its password reset (unless it already
// matches). An empty email does nothing.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) error {
	if email == "" {
		return nil
	}
	if !user.ValidEmail(email) {
		return errors.New("config: ADMIN_EMAIL: not a valid email address")
	}
	if n := len([]rune(password)); n < user.PasswordMin || n > user.PasswordMax {
		return fmt.Errorf("config: ADMIN_PASSWORD: want %d to %d characters", user.PasswordMin, user.PasswordMax)
	}
	for attempt := range 3 {
		u, err := s.store.UserByEmail(ctx, email)
		if err == nil {
			return s.resetAdmin(ctx, u, password)
		}
		if fe, ok := fault.As(err); !ok || fe.Code != fault.NotFound {
			return err
		}
		err = s.createAdmin(ctx, email, password, attempt)
		if fe, ok := fault.As(err); ok && fe.Code == fault.Conflict {
			continue // the email appeared meanwhile, or the username is taken
		}
		return err
	}
	return errors.New("create admin: username or email kept conflicting")
}

func (s *Service) resetAdmin(ctx context.Context, u *user.User, password string) error {
	if ok, _ := CheckPassword(u.PasswordHash, password); ok && u.Role == user.Admin {
		return nil
	}
	hash, err := HashPassword(password, s.params)
	if err != nil {
		return err
	}
	u.Role, u.PasswordHash, u.UpdatedAt = user.Admin, hash, s.now().UTC().Truncate(time.Millisecond)
	return s.store.UpdateUser(ctx, u)
}

func (s *Service) createAdmin(ctx context.Context, email, password string, attempt int) error {
	hash, err := HashPassword(password, s.params)
	if err != nil {
		return err
	}
	name := user.UsernameFrom(email)
	if attempt > 0 {
		suffix, err := randomToken()
		if err != nil {
			return err
		}
		name = name[:min(len(name), 24)] + "-" + suffix[:6]
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	return s.store.InsertUser(ctx, &user.User{ID: store.NewID(), Username: name, Email: email, Role: user.Admin,
		Language: i18n.EN, PasswordHash: hash, CreatedAt: now, UpdatedAt: now})
}

// randomToken returns 256 random bits, base64url-encoded.
func randomToken() (string, error) {
	b := make([]byte, refreshBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is what is stored of a refresh token: its SHA-256, in hex.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
