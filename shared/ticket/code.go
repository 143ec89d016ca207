package ticket

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"

	"github.com/google/uuid"
)

// A code is what a ticket's QR holds: 32 bytes naming the ticket (uuid 16,
// event ObjectId 12, number 4, big-endian) and their Ed25519 signature (64),
// base64url without padding: 128 characters. A door scanner verifies it
// offline with the public key alone; changing any character breaks it.
const (
	payloadLen = 16 + 12 + 4
	codeLen    = payloadLen + ed25519.SignatureSize
)

// ErrInvalidCode is a code that is malformed or whose signature fails.
var ErrInvalidCode = errors.New("invalid ticket code")

// Signer signs and verifies ticket codes.
type Signer struct {
	key ed25519.PrivateKey
}

// NewSigner returns a signer for key.
func NewSigner(key ed25519.PrivateKey) *Signer { return &Signer{key: key} }

// PublicKey is the key a scanner needs.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Named is what a code names.
type Named struct {
	UUID   string
	Event  string
	Number int
}

// Sign returns the code of the ticket (uuid, event, number).
func (s *Signer) Sign(n Named) (string, error) {
	u, err := uuid.Parse(n.UUID)
	if err != nil {
		return "", err
	}
	ev, err := hex.DecodeString(n.Event)
	if err != nil || len(ev) != 12 {
		return "", errors.New("event id is not an ObjectId")
	}
	if n.Number < 1 || n.Number > 1<<31-1 {
		return "", errors.New("ticket number out of range")
	}
	b := make([]byte, payloadLen, codeLen)
	copy(b, u[:])
	copy(b[16:], ev)
	binary.BigEndian.PutUint32(b[28:], uint32(n.Number))
	b = append(b, ed25519.Sign(s.key, b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Verify checks code's signature and returns what it names.
func (s *Signer) Verify(code string) (Named, error) {
	return VerifyWith(s.PublicKey(), code)
}

// VerifyWith checks code against a public key, as an offline scanner does.
func VerifyWith(pub ed25519.PublicKey, code string) (Named, error) {
	if len(code) != base64.RawURLEncoding.EncodedLen(codeLen) {
		return Named{}, ErrInvalidCode
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(code)
	if err != nil || len(b) != codeLen {
		return Named{}, ErrInvalidCode
	}
	if !ed25519.Verify(pub, b[:payloadLen], b[payloadLen:]) {
		return Named{}, ErrInvalidCode
	}
	u, _ := uuid.FromBytes(b[:16])
	return Named{UUID: u.String(), Event: hex.EncodeToString(b[16:28]), Number: int(binary.BigEndian.Uint32(b[28:32]))}, nil
}

// JWK is a public key as a JSON Web Key (RFC 8037, OKP Ed25519).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWK returns the ticket-signing public key for a JWKS. Its kid is
// "ticket-" and the first 16 characters of the base64url SHA-256 of the
// key, so scanners tell it from the access-token keys and follow rotations.
func (s *Signer) JWK() JWK {
	pub := s.PublicKey()
	sum := sha256.Sum256(pub)
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
		Kid: "ticket-" + base64.RawURLEncoding.EncodeToString(sum[:])[:16], Use: "sig", Alg: "EdDSA"}
}
