package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for parley-load when the process
// ceiling starts it as "serve-bytes".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve-bytes" {
		if err := runServeBytes(context.Background(), os.Args[2:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestProcessCeilingServesTheCapturedAnswer starts a serve-bytes process,
// checks it answers exactly what was captured, and that it stops when
// asked.
func TestProcessCeilingServesTheCapturedAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp := captured{status: http.StatusCreated, header: http.Header{"Content-Type": {"application/json"}, "Vary": {"Origin"}},
		body: []byte(`{"counts":{"/a":3}}`)}
	p, err := startProcessCeiling(ctx, t.TempDir(), resp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := http.Get(p.base + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusCreated || string(body) != string(resp.body) ||
		got.Header.Get("Content-Type") != "application/json" || got.Header.Get("Vary") != "Origin" {
		t.Errorf("answer: %d %v %q", got.StatusCode, got.Header, body)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(p.base + "/"); err == nil {
		t.Error("the process ceiling still answers after stop")
	}
}
