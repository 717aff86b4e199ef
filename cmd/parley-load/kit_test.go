package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * 10 * time.Microsecond) // 10 µs … 10 ms
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * time.Millisecond}, {0.9, 9 * time.Millisecond}, {0.99, 9900 * time.Microsecond}} {
		got := h.quantile(tc.q)
		if diff := got - tc.want; diff < -tc.want/50 || diff > tc.want/50 {
			t.Errorf("q%.2f = %s, want %s ± 2%%", tc.q, got, tc.want)
		}
	}
	if h.max != 10*time.Millisecond || h.quantile(1) != h.max {
		t.Errorf("max = %s, q1 = %s", h.max, h.quantile(1))
	}
	var other histogram
	other.record(time.Hour)
	h.merge(&other)
	if h.n != 1001 || h.max != time.Hour || h.quantile(0.5) > 6*time.Millisecond {
		t.Errorf("after merge: n %d, max %s, p50 %s", h.n, h.max, h.quantile(0.5))
	}
	if (&histogram{}).quantile(0.99) != 0 {
		t.Error("an empty histogram has a quantile")
	}
}

func TestCheckLoopback(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:8080":   true,
		"http://[::1]:8080/":      true,
		"http://localhost:8080":   false,
		"http://10.0.0.1:8080":    false,
		"https://127.0.0.1:8443":  false,
		"http://example.com:8080": false,
	} {
		if _, err := checkLoopback(raw); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", raw, err, ok)
		}
	}
}

func TestCommandLine(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"bogus"}, 1, "unknown command"},
		{[]string{"seed"}, 1, "-db FILE is required"},
		{[]string{"run", "-db", filepath.Join(t.TempDir(), "none.db"), "-url", "http://127.0.0.1:1"}, 1, "seed manifest"},
		{[]string{"run", "-db", "x.db", "-duration", "2h"}, 1, "duration"},
		{[]string{"help"}, 0, "Scenarios:"},
		{[]string{"run", "-db", "x.db", "-server-env", "HOME=/"}, 1, "want PARLEY_NAME=value or a Go runtime setting"},
		{[]string{"run", "-db", filepath.Join(t.TempDir(), "none.db"), "-url", "http://127.0.0.1:1",
			"-server-env", "GOGC=50", "-server-env", "PARLEY_CACHE_MB=0"}, 1, "seed manifest"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, getenv, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.want) {
			t.Errorf("%v: code %d, output %q; want %d and %q", tc.args, code, stdout.String()+stderr.String(), tc.code, tc.want)
		}
	}
}

func TestDefaultScenarios(t *testing.T) {
	if got := strings.Join(defaultScenarios("", false), ","); strings.Contains(got, scMillion) || !strings.Contains(got, scQueue) {
		t.Errorf("default without a million database = %s", got)
	}
	if got := defaultScenarios("", true); got[len(got)-1] != scMillion {
		t.Errorf("default with a million database = %v", got)
	}
	if got := defaultScenarios(" counts , queue,", false); strings.Join(got, ",") != "counts,queue" {
		t.Errorf("parsed list = %v", got)
	}
}

// TestResidentSplitsRSS reads this test's own memory: the anonymous and
// file parts are there and add up to no more than the whole.
func TestResidentSplitsRSS(t *testing.T) {
	m, err := residentKB(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.total <= 0 || m.anon <= 0 || m.file <= 0 || m.anon+m.file > m.total {
		t.Fatalf("resident memory %+v", m)
	}
	s := startupStats{IdleRSSKB: 35_000, IdleAnonKB: 11_000, IdleFileKB: 24_000}
	if got, want := s.idleMemory(), "34.2 MB (anonymous 10.7 MB, mapped files 23.4 MB)"; got != want {
		t.Fatalf("idleMemory() = %q, want %q", got, want)
	}
}
