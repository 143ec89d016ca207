// Package auth signs and checks access tokens and hashes passwords.
package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"guichet.dev/shared/user"
)

// Issuer is the iss claim of every access token.
const Issuer = "guichet"

// Claims are an access token's claims.
type Claims struct {
	Role user.Role `json:"role"`
	jwt.RegisteredClaims
}

// Tokens signs access tokens with an Ed25519 key and checks them, pinning the
// algorithm to EdDSA so that neither "none" nor an HMAC keyed with the public
// key is ever accepted.
type Tokens struct {
	key      ed25519.PrivateKey
	kid      string
	ttl      time.Duration
	now      func() time.Time
	verified verified
}

// NewTokens returns a signer for key; tokens live for ttl.
func NewTokens(key ed25519.PrivateKey, ttl time.Duration) *Tokens {
	return &Tokens{key: key, kid: KeyID(key.Public().(ed25519.PublicKey)), ttl: ttl, now: time.Now}
}

// verifiedMax bounds each generation of verified tokens: two generations
// of 4 096 tokens of ~400 bytes hold a few megabytes.
const verifiedMax = 4096

// verified remembers the claims of tokens whose signature checked, by the
// token's exact text, so that a client's every request does not check the
// same signature again (Ed25519 verification was 11 % of guichet serve's
// CPU in an on-sale, where each buyer sends one token with every
// purchase). A remembered token is still refused once it expires. When
// the current generation is full it becomes the previous one, and the
// previous one is forgotten.
type verified struct {
	mu        sync.Mutex
	cur, prev map[string]Claims
}

func (v *verified) get(tok string) (Claims, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.cur[tok]
	if !ok {
		c, ok = v.prev[tok]
	}
	return c, ok
}

func (v *verified) put(tok string, c Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cur) >= verifiedMax || v.cur == nil {
		v.prev, v.cur = v.cur, make(map[string]Claims, verifiedMax)
	}
	v.cur[tok] = c
}

// KeyID derives a stable key id from a public key (RFC 7638-style thumbprint).
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TTL is the access token lifetime.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for u.
func (t *Tokens) Issue(u *user.User) (string, error) {
	now := t.now()
	c := Claims{
		Role: u.Role,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        uuid.NewString(),
		},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = t.kid
	s, err := tok.SignedString(t.key)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return s, nil
}

// ErrInvalidToken is any token that does not verify.
var ErrInvalidToken = errors.New("invalid access token")

// Verify checks signature, algorithm, kid, issuer and expiry. A token
// that verified before is only checked for expiry (see verified).
func (t *Tokens) Verify(s string) (*Claims, error) {
	if c, ok := t.verified.get(s); ok {
		if !t.now().Before(c.ExpiresAt.Time) {
			return nil, ErrInvalidToken
		}
		return &c, nil
	}
	var c Claims
	_, err := jwt.ParseWithClaims(s, &c, func(tok *jwt.Token) (any, error) {
		if kid, _ := tok.Header["kid"].(string); kid != t.kid {
			return nil, errors.New("unknown kid")
		}
		return t.key.Public(), nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil || c.Subject == "" {
		return nil, ErrInvalidToken
	}
	t.verified.put(s, c)
	return &c, nil
}

// JWK is one public key in a JWKS.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// PublicJWK returns pub as a JWK with use "sig".
func PublicJWK(pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: KeyID(pub), Use: "sig", Alg: "EdDSA"}
}

// JWK returns the access-token verification key.
func (t *Tokens) JWK() JWK { return PublicJWK(t.key.Public().(ed25519.PublicKey)) }

// JWKS is a JSON Web Key Set (RFC 7517).
type JWKS struct {
	Keys []JWK `json:"keys"`
}
