package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. They are stored in every hash (PHC
// string format), so changing them later only affects new hashes.
type Params struct {
	Memory  uint32 // KiB
	Passes  uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams is argon2id with 7 MiB, 3 passes and one lane: about 15–20 ms
// of one core. Login must stay under 300 ms p99 with 16 concurrent clients on
// 2 cores, so a whole login may cost at most about 30 ms of CPU; OWASP's
// 7 MiB × 5 passes (or 19 MiB × 2) measured 35–48 ms per hash here, which
// alone would put the p99 over budget. The parameters are stored in each
// hash, so raising them on faster hardware only affects new hashes.
var DefaultParams = Params{Memory: 7 * 1024, Passes: 3, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrBadHash is a stored hash that is not an argon2id PHC string.
var ErrBadHash = errors.New("not an argon2id hash")

var b64 = base64.RawStdEncoding

// HashPassword returns password's argon2id hash with a fresh random salt, as
// $argon2id$v=19$m=7168,t=3,p=1$<salt>$<key>.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Passes, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Passes, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash, comparing in
// constant time with the parameters stored in the hash.
func CheckPassword(hash, password string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Passes, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// maxMemory bounds the memory a stored hash may ask for (1 GiB), so a
// corrupted hash cannot exhaust the process.
const maxMemory = 1 << 20

func parseHash(hash string) (Params, []byte, []byte, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, ErrBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Passes, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > maxMemory || p.Passes == 0 || p.Passes > 100 || p.Threads == 0 {
		return Params{}, nil, nil, ErrBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return Params{}, nil, nil, ErrBadHash
	}
	return p, salt, key, nil
}
