package handlers

import (
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/models/store"
	"parley/models/store/storetest"
)

// exerciseLimiter checks the contract every limiter keeps: n events per key
// per window, a retry-after inside the window, keys counted apart, and a
// fresh allowance in the next window.
func exerciseLimiter(t *testing.T, l limiter, n int, window time.Duration) {
	t.Helper()
	exerciseLimiterKeys(t, l, n, window, "")
}

// exerciseLimiterKeys is exerciseLimiter with prefix added to every key.
func exerciseLimiterKeys(t *testing.T, l limiter, n int, window time.Duration, prefix string) {
	t.Helper()
	start := time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC) // aligned to the window
	for i := range n {
		if ok, _ := l.allow(prefix+"ip:192.0.2.1", start.Add(time.Duration(i)*time.Second)); !ok {
			t.Fatalf("event %d of %d refused", i+1, n)
		}
	}
	at := start.Add(10 * time.Second)
	ok, wait := l.allow(prefix+"ip:192.0.2.1", at)
	if ok {
		t.Fatalf("event %d allowed over a limit of %d", n+1, n)
	}
	if wait <= 0 || wait > window {
		t.Fatalf("retry after %s, want within (0, %s]", wait, window)
	}
	if ok, _ := l.allow(prefix+"email:a@example.com", at); !ok {
		t.Fatal("another key was refused by the first key's count")
	}
	if ok, _ := l.allow(prefix+"ip:192.0.2.1", start.Add(window+time.Second)); !ok {
		t.Fatal("the next window still refuses the key")
	}
}

func TestMemoryLimiter(t *testing.T) {
	exerciseLimiter(t, newRateLimiter(3, time.Minute), 3, time.Minute)
}

func TestDBLimiterOnEveryBackend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		exerciseLimiter(t, newDBLimiter(3, time.Minute, st, log), 3, time.Minute)
	})
}

func TestDBLimiterIsSharedBetweenInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, b := newDBLimiter(4, time.Minute, st, log), newDBLimiter(4, time.Minute, st, log)
		now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		for i := range 4 {
			l := a
			if i%2 == 1 {
				l = b
			}
			if ok, _ := l.allow("ip:198.51.100.9", now); !ok {
				t.Fatalf("event %d refused", i+1)
			}
		}
		if ok, _ := a.allow("ip:198.51.100.9", now); ok {
			t.Fatal("instance a allowed a fifth event though b counted two of the four")
		}
		if ok, _ := b.allow("ip:198.51.100.9", now); ok {
			t.Fatal("instance b allowed a sixth event")
		}
	})
}

func TestDBLimiterOffWhenRateIsZero(t *testing.T) {
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	l := newDBLimiter(0, time.Minute, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Now()
	for i := range 50 {
		if ok, _ := l.allow("k", now); !ok {
			t.Fatalf("event %d refused with the limit off", i+1)
		}
	}
}

func TestNewLimiterPicksByDatabase(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := storetest.Open(t, b.DSN)
			l, err := newLimiter(5, time.Minute, st, "", log)
			if err != nil {
				t.Fatal(err)
			}
			_, isDB := l.(*dbLimiter)
			if want := b.Name == "postgres"; isDB != want {
				t.Fatalf("database limiter = %v, want %v on %s", isDB, want, b.Name)
			}
		})
	}
}

func TestNewLimiterPrefersRedis(t *testing.T) {
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	l, err := newLimiter(5, time.Minute, st, "redis://127.0.0.1:6379/0", log)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.(*redisLimiter); !ok {
		t.Fatalf("limiter %T with PARLEY_REDIS_URL set, want *redisLimiter", l)
	}
	if _, err := newLimiter(5, time.Minute, st, "http://127.0.0.1:6379", log); err == nil {
		t.Fatal("an http:// URL was accepted as PARLEY_REDIS_URL")
	}
}

func TestRedisURL(t *testing.T) {
	cases := []struct {
		raw, addr, user, password string
		db                        int
	}{
		{"redis://127.0.0.1", "127.0.0.1:6379", "", "", 0},
		{"redis://:s3cret@cache.internal:6380/2", "cache.internal:6380", "", "s3cret", 2},
		{"redis://parley:pw@[::1]:7000", "[::1]:7000", "parley", "pw", 0},
	}
	for _, c := range cases {
		rc, err := newRedisClient(c.raw)
		if err != nil {
			t.Fatalf("%s: %v", c.raw, err)
		}
		if rc.addr != c.addr || rc.user != c.user || rc.password != c.password || rc.db != c.db {
			t.Errorf("%s: got %s %q %q db %d", c.raw, rc.addr, rc.user, rc.password, rc.db)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:6379", "rediss://x", "redis://", "redis://h/x", "redis://h/-1"} {
		if _, err := newRedisClient(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestRedisLimiterFailsOpen: with Redis unreachable, comments still go
// through (and the failure is logged), like the database limiter.
func TestRedisLimiterFailsOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rc, err := newRedisClient("redis://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	l := &redisLimiter{n: 1, window: time.Minute, redis: rc, log: slog.New(slog.NewTextHandler(&logs, nil))}
	for i := range 3 {
		if ok, _ := l.allow("ip:192.0.2.1", time.Now()); !ok {
			t.Fatalf("event %d refused with Redis down", i+1)
		}
	}
	if !strings.Contains(logs.String(), "counting in Redis failed") {
		t.Fatalf("failure not logged: %q", logs.String())
	}
}

// redisForTest returns the Redis URL from PARLEY_TEST_REDIS or skips.
func redisForTest(t *testing.T) string {
	t.Helper()
	u := os.Getenv("PARLEY_TEST_REDIS")
	if u == "" {
		if os.Getenv("PARLEY_CI_STRICT") == "1" {
			t.Fatal("PARLEY_TEST_REDIS is not set, and PARLEY_CI_STRICT=1 forbids skipping the Redis run")
		}
		t.Skip("Redis run skipped: set PARLEY_TEST_REDIS=redis://127.0.0.1:6379/0 to include it")
	}
	return u
}

func TestRedisLimiter(t *testing.T) {
	raw := redisForTest(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var clients []*redisClient
	newOne := func() *redisLimiter {
		rc, err := newRedisClient(raw)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, rc)
		return &redisLimiter{n: 3, window: time.Minute, redis: rc, log: log}
	}
	defer func() {
		for _, rc := range clients {
			rc.close()
		}
	}()
	// Keys unique to this run, so earlier runs' counters cannot interfere.
	t.Run("contract", func(t *testing.T) {
		exerciseLimiterKeys(t, newOne(), 3, time.Minute, t.Name()+time.Now().Format(time.RFC3339Nano))
	})
	t.Run("shared between instances", func(t *testing.T) {
		a, b := newOne(), newOne()
		key := "ip:" + time.Now().Format(time.RFC3339Nano)
		now := time.Now()
		for i := range 3 {
			l := a
			if i%2 == 1 {
				l = b
			}
			if ok, _ := l.allow(key, now); !ok {
				t.Fatalf("event %d refused", i+1)
			}
		}
		if ok, wait := b.allow(key, now); ok || wait <= 0 {
			t.Fatalf("fourth event: allowed %v, wait %s; want refused with a wait", ok, wait)
		}
	})
}
