// Package storetest gives tests fresh databases: a SQLite file per test, and
// a fresh PostgreSQL schema per test when PARLEY_TEST_POSTGRES names a server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema set-up

	"parley/models/store"
)

// Backend is one database a test runs against.
type Backend struct {
	Name string
	DSN  string
}

// Backends returns a fresh SQLite file and, when PARLEY_TEST_POSTGRES is set,
// a fresh PostgreSQL schema, both removed when the test ends. Under
// PARLEY_CI_STRICT=1 a missing PostgreSQL fails the test instead of skipping it.
func Backends(t testing.TB) []Backend {
	t.Helper()
	out := []Backend{{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "parley.db")}}
	if dsn, ok := PostgresDSN(t); ok {
		out = append(out, Backend{Name: "postgres", DSN: dsn})
	}
	return out
}

// PostgresDSN returns a DSN for a fresh schema on the server named by
// PARLEY_TEST_POSTGRES, or false when none is configured.
func PostgresDSN(t testing.TB) (string, bool) {
	t.Helper()
	base := os.Getenv("PARLEY_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("PARLEY_CI_STRICT") == "1" {
			t.Fatal("PARLEY_TEST_POSTGRES is not set, and PARLEY_CI_STRICT=1 forbids skipping the PostgreSQL run")
		}
		t.Log("PostgreSQL run skipped: set PARLEY_TEST_POSTGRES=postgres://user@127.0.0.1:5432/db to include it")
		return "", false
	}
	buf := make([]byte, 6)
	if _, err := rand.Read(buf); err != nil {
		t.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(buf)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PARLEY_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), true
}

// Open opens a migrated store on dsn and closes it when the test ends.
func Open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Each runs fn once per backend as a subtest with a fresh, migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, Open(t, b.DSN))
		})
	}
}
