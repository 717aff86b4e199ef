package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argonKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime,
		argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// unusableHash reports whether a stored hash matches no password at all: a
// moderator restored from a dump has one ("!…", as locked accounts do in
// /etc/shadow) until "parley admin passwd" sets a password.
func unusableHash(hash string) bool { return strings.HasPrefix(hash, "!") }

// CheckPassword reports whether password matches a hash made by
// HashPassword; an unusable hash matches nothing.
func CheckPassword(hash, password string) (bool, error) {
	if unusableHash(hash) {
		return false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("check password: unknown hash format")
	}
	var version int
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("check password: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false, fmt.Errorf("check password: parameters: %w", err)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("check password: salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("check password: key: %w", err)
	}
	got := argonKey([]byte(password), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// argonKey derives an argon2id key, then hands the memory argon2 worked in
// (19 MiB) back to the operating system in the background. Hashes are rare
// (sign-ins, password changes); without this the memory of the last one
// stays resident for minutes, as much again as the rest of an idle server.
func argonKey(password, salt []byte, iter, mem uint32, threads uint8, keyLen uint32) []byte {
	key := argon2.IDKey(password, salt, iter, mem, threads, keyLen)
	go debug.FreeOSMemory()
	return key
}

// passwordChecker compares passwords; for an unknown email it still spends
// the time of one hash, so timing does not tell which emails exist. The
// dummy hash is made on first use, not at start-up (argon2 costs 19 MiB).
type passwordChecker struct {
	dummy func() string
}

func newPasswordChecker() passwordChecker {
	return passwordChecker{dummy: sync.OnceValue(func() string {
		h, _ := HashPassword("not a real password")
		return h
	})}
}

func (p passwordChecker) waste(password string) {
	_, _ = CheckPassword(p.dummy(), password)
}
