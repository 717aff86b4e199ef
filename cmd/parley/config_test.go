package main

import (
	"io"
	"testing"
)

func TestConfigFlagsBeatEnvironment(t *testing.T) {
	env := map[string]string{"PARLEY_ADDR": "127.0.0.1:9000", "PARLEY_COMMENT_RATE": "9", "PARLEY_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.0.0/16"}
	fs, cfg, finish := newFlagSet("serve", func(k string) string { return env[k] }, io.Discard)
	if err := fs.Parse([]string{"--comment-rate", "0"}); err != nil {
		t.Fatal(err)
	}
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9000" || cfg.CommentRate != 0 || len(cfg.TrustedProxies) != 2 || cfg.BaseURL != "http://127.0.0.1:9000" {
		t.Fatalf("config = %+v", cfg)
	}
}

func TestSecureCookies(t *testing.T) {
	tests := []struct {
		base string
		dev  bool
		want bool
	}{
		{"http://127.0.0.1:8080", false, false},
		{"http://localhost:8080", false, false},
		{"https://comments.example.com", false, true},
		{"http://comments.example.com", false, true},
		{"http://comments.example.com", true, false},
	}
	for _, tt := range tests {
		c := config{BaseURL: tt.base, Dev: tt.dev}
		if got := c.secureCookies(); got != tt.want {
			t.Errorf("secureCookies(%s, dev=%v) = %v, want %v", tt.base, tt.dev, got, tt.want)
		}
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	for _, env := range []map[string]string{
		{"PARLEY_COMMENT_RATE": "-1"},
		{"PARLEY_FORM_MIN_SECONDS": "soon"},
		{"PARLEY_BASE_URL": "ftp://x"},
		{"PARLEY_DEV": "maybe"},
		{"PARLEY_LOG_FORMAT": "xml"},
		{"PARLEY_CACHE_MB": "-1"},
		{"PARLEY_CACHE_MB": "lots"},
	} {
		fs, _, finish := newFlagSet("serve", func(k string) string { return env[k] }, io.Discard)
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		if err := finish(); err == nil {
			t.Errorf("%v was accepted", env)
		}
	}
}

func TestConfigCacheSize(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  int
	}{{"", 16 << 20}, {"64", 64 << 20}, {"0", -1}} {
		fs, cfg, finish := newFlagSet("serve", func(k string) string {
			if k == "PARLEY_CACHE_MB" {
				return tt.value
			}
			return ""
		}, io.Discard)
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		if err := finish(); err != nil {
			t.Fatal(err)
		}
		if got := cfg.renderCacheBytes(); got != tt.want {
			t.Errorf("PARLEY_CACHE_MB=%q: cache bytes %d, want %d", tt.value, got, tt.want)
		}
	}
}
