package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// config is every setting, read from flags first and PARLEY_* environment
// variables second.
type config struct {
	Addr           string
	DB             string
	BaseURL        string
	Dev            bool
	CommentRate    int
	FormMinSeconds float64
	TrustedProxies []string
	MetricsToken   string
	AkismetKey     string
	SMTPURL        string
	MailFrom       string
	AdminEmail     string
	AdminPassword  string
	LogFormat      string
	RedisURL       string       // shared rate-limit counters; empty: the database or memory
	CacheMB        int          // the rendered-thread cache in MB; 0 turns it off
	Backups        backupConfig // scheduled backups, see backups.go
}

// newFlagSet declares the flags every subcommand shares, with defaults from
// the environment, and returns a function that finishes the config after
// parsing.
func newFlagSet(name string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, *config, func() error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	cfg := &config{}
	var rate, minSeconds, proxies, dev, cacheMB string
	fs.StringVar(&cfg.Addr, "addr", env("PARLEY_ADDR", "127.0.0.1:8080"), "address to listen on (PARLEY_ADDR)")
	fs.StringVar(&cfg.DB, "db", env("PARLEY_DB", "./parley-data/parley.db"), "SQLite file or postgres:// URL (PARLEY_DB)")
	fs.StringVar(&cfg.BaseURL, "base-url", env("PARLEY_BASE_URL", ""), "public URL of this Parley (PARLEY_BASE_URL)")
	fs.StringVar(&dev, "dev", env("PARLEY_DEV", ""), "development mode: cookies without Secure over http (PARLEY_DEV=1)")
	fs.StringVar(&rate, "comment-rate", env("PARLEY_COMMENT_RATE", "5"), "new comments per client per minute, 0 for no limit (PARLEY_COMMENT_RATE)")
	fs.StringVar(&minSeconds, "form-min-seconds", env("PARLEY_FORM_MIN_SECONDS", "3"), "a form sent back sooner is treated as a bot, 0 turns it off (PARLEY_FORM_MIN_SECONDS)")
	fs.StringVar(&proxies, "trusted-proxies", env("PARLEY_TRUSTED_PROXIES", ""), "comma-separated CIDRs whose X-Forwarded-For is believed (PARLEY_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.MetricsToken, "metrics-token", env("PARLEY_METRICS_TOKEN", ""), "bearer token /metrics wants (PARLEY_METRICS_TOKEN)")
	fs.StringVar(&cfg.AkismetKey, "akismet-key", env("PARLEY_AKISMET_KEY", ""), "Akismet API key; without it Akismet is never contacted (PARLEY_AKISMET_KEY)")
	fs.StringVar(&cfg.SMTPURL, "smtp-url", env("PARLEY_SMTP_URL", ""), "smtp://user:pass@host:port for outgoing mail (PARLEY_SMTP_URL)")
	fs.StringVar(&cfg.MailFrom, "mail-from", env("PARLEY_MAIL_FROM", ""), "sender address of outgoing mail (PARLEY_MAIL_FROM)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("PARLEY_LOG_FORMAT", "text"), "log format: text or json (PARLEY_LOG_FORMAT)")
	fs.StringVar(&cfg.RedisURL, "redis-url", env("PARLEY_REDIS_URL", ""), "redis://[:password@]host[:port][/db] to share rate limits between instances (PARLEY_REDIS_URL)")
	fs.StringVar(&cacheMB, "cache-mb", env("PARLEY_CACHE_MB", "16"), "memory for rendered threads in MB, 0 turns the cache off (PARLEY_CACHE_MB)")
	finishBackups := cfg.Backups.declare(fs, env)
	cfg.AdminEmail = getenv("PARLEY_ADMIN_EMAIL")
	cfg.AdminPassword = getenv("PARLEY_ADMIN_PASSWORD")

	finish := func() error {
		var err error
		if cfg.Dev, err = parseBool(dev); err != nil {
			return fmt.Errorf("--dev / PARLEY_DEV: %w", err)
		}
		if cfg.CommentRate, err = strconv.Atoi(rate); err != nil || cfg.CommentRate < 0 {
			return fmt.Errorf("--comment-rate / PARLEY_COMMENT_RATE: want a whole number ≥ 0, got %q", rate)
		}
		if cfg.CacheMB, err = strconv.Atoi(cacheMB); err != nil || cfg.CacheMB < 0 || cfg.CacheMB > 4096 {
			return fmt.Errorf("--cache-mb / PARLEY_CACHE_MB: want a whole number from 0 to 4096, got %q", cacheMB)
		}
		if cfg.FormMinSeconds, err = strconv.ParseFloat(minSeconds, 64); err != nil || cfg.FormMinSeconds < 0 {
			return fmt.Errorf("--form-min-seconds / PARLEY_FORM_MIN_SECONDS: want a number ≥ 0, got %q", minSeconds)
		}
		for _, p := range strings.Split(proxies, ",") {
			if p = strings.TrimSpace(p); p != "" {
				cfg.TrustedProxies = append(cfg.TrustedProxies, p)
			}
		}
		if cfg.BaseURL == "" {
			cfg.BaseURL = "http://" + cfg.Addr
		}
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url / PARLEY_BASE_URL: want an absolute http(s) URL, got %q", cfg.BaseURL)
		}
		cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
			return fmt.Errorf("--log-format / PARLEY_LOG_FORMAT: want text or json, got %q", cfg.LogFormat)
		}
		if err := finishBackups(); err != nil {
			return err
		}
		return nil
	}
	return fs, cfg, finish
}

func parseBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, errors.New("want 1/0 or true/false")
	}
	return b, nil
}

// secureCookies is on unless dev mode, or the base URL is plain-http localhost.
func (c *config) secureCookies() bool {
	if c.Dev {
		return false
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return true
	}
	host := u.Hostname()
	return !(u.Scheme == "http" && (host == "localhost" || host == "127.0.0.1" || host == "::1"))
}

// renderCacheBytes is the handlers' cache bound: -1 turns the cache off.
func (c *config) renderCacheBytes() int {
	if c.CacheMB == 0 {
		return -1
	}
	return c.CacheMB << 20
}

func (c *config) formMinTime() time.Duration {
	return time.Duration(c.FormMinSeconds * float64(time.Second))
}
