package main

// Parley behind a real nginx: the client address the rules see comes from
// the proxy's X-Forwarded-For only when PARLEY_TRUSTED_PROXIES names the
// proxy, and a client cannot spoof it.

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nginxPath finds nginx: PARLEY_TEST_NGINX, then PATH, then /usr/sbin/nginx.
// It skips the test when there is none, or fails it under PARLEY_CI_STRICT=1.
func nginxPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PARLEY_TEST_NGINX"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("PARLEY_TEST_NGINX=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("PARLEY_CI_STRICT") == "1" {
		t.Fatal("nginx not found (PARLEY_TEST_NGINX, PATH, /usr/sbin/nginx), and PARLEY_CI_STRICT=1 forbids skipping the reverse-proxy test")
	}
	t.Skip("nginx not found: install the Debian package nginx or set PARLEY_TEST_NGINX to run the reverse-proxy test")
	return ""
}

// nginxConf proxies two loopback ports to upstream: on fixedAddr nginx
// claims every client is 203.0.113.7 (standing in for a remote visitor), on
// realAddr it passes the address it really sees, as a deployment would.
const nginxConf = `%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 64; }
http {
	access_log %[2]s/access.log;
	client_body_temp_path %[2]s/client_body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	server {
		listen %[3]s;
		location / {
			proxy_pass http://%[5]s;
			proxy_set_header Host $host;
			proxy_set_header X-Forwarded-For 203.0.113.7;
		}
	}
	server {
		listen %[4]s;
		location / {
			proxy_pass http://%[5]s;
			proxy_set_header Host $host;
			proxy_set_header X-Forwarded-For $remote_addr;
		}
	}
}
`

// startNginx runs nginx in the foreground with a generated configuration
// in a temporary directory and waits until it proxies /healthz.
func startNginx(t *testing.T, bin, upstream string) (fixed, real string) {
	t.Helper()
	dir := t.TempDir()
	fixed, real = freeAddr(t), freeAddr(t)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers need the temporary directory; tests only
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(nginxConf, user, dir, fixed, real, upstream)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf, "-g", "daemon off;")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(stopTimeout):
			cmd.Process.Kill()
			<-done
		}
	})
	client := newClient(nil)
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited (%v): %s\n%s", err, out.String(), errLog)
		default:
		}
		ready := 0
		for _, addr := range []string{fixed, real} {
			resp, err := client.Get("http://" + addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ready++
				}
			}
		}
		if ready == 2 {
			return fixed, real
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nginx did not proxy /healthz within %s: %s", startTimeout, out.String())
	return "", ""
}

// via is s reached through another address (a proxy in front of it).
func (s *server) via(addr string) *server {
	v := *s
	v.Base = "http://" + addr
	return &v
}

// postComment posts body to the welcome post with an optional forged
// X-Forwarded-For and returns the status.
func (s *server) postComment(t *testing.T, body, forged string) int {
	t.Helper()
	var header []string
	if forged != "" {
		header = []string{"X-Forwarded-For", forged}
	}
	r := s.postJSON(t, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "Proxied", "body": body}, header...)
	return r.StatusCode
}

// storedIP reads the address stored with the comment whose body is body.
func storedIP(t *testing.T, db, body string) string {
	t.Helper()
	var ip string
	if err := openDB(t, db).QueryRow(`SELECT ip FROM comments WHERE body = ?`, body).Scan(&ip); err != nil {
		t.Fatalf("stored comment %q: %v", body, err)
	}
	return ip
}

func TestClientIPBehindNginx(t *testing.T) {
	bin := nginxPath(t)
	db := filepath.Join(t.TempDir(), "parley.db")
	s := startServer(t, db, "PARLEY_TRUSTED_PROXIES=127.0.0.1/32", "PARLEY_COMMENT_RATE=0")
	fixed, real := startNginx(t, bin, strings.TrimPrefix(s.Base, "http://"))

	if got := s.via(fixed).postComment(t, "through nginx", "198.51.100.66"); got != http.StatusCreated {
		t.Fatalf("comment through nginx: status %d", got)
	}
	if got := s.via(real).postComment(t, "forged through nginx", "198.51.100.66"); got != http.StatusCreated {
		t.Fatalf("forged comment through nginx: status %d", got)
	}
	if ip := storedIP(t, db, "through nginx"); ip != "203.0.113.7" {
		t.Fatalf("comment through nginx stored IP %q, want the proxy's 203.0.113.7", ip)
	}
	if ip := storedIP(t, db, "forged through nginx"); ip != "127.0.0.1" {
		t.Fatalf("a client's own X-Forwarded-For reached the rules through nginx: stored %q, want 127.0.0.1", ip)
	}

	// The rules see the forwarded address: an IP ban on it refuses comments
	// through the proxy and leaves other clients alone.
	a := s.login(t)
	r := s.postForm(t, a.Client, "/admin/bans", url.Values{"kind": {"ip"}, "value": {"203.0.113.7"}, "hours": {"0"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("ban 203.0.113.7: status %d: %.300s", r.StatusCode, r.Body)
	}
	if got := s.via(fixed).postComment(t, "banned through nginx", ""); got != http.StatusForbidden {
		t.Fatalf("comment from the banned forwarded address: status %d, want 403", got)
	}
	if got := s.via(real).postComment(t, "another client through nginx", ""); got != http.StatusCreated {
		t.Fatalf("comment from an unbanned client: status %d, want 201", got)
	}
}

func TestForwardedForIgnoredWithoutTrustedProxies(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	s := startServer(t, db, "PARLEY_COMMENT_RATE=0") // PARLEY_TRUSTED_PROXIES unset
	if got := s.postComment(t, "spoofed directly", "203.0.113.7"); got != http.StatusCreated {
		t.Fatalf("direct comment: status %d", got)
	}
	if ip := storedIP(t, db, "spoofed directly"); ip != "127.0.0.1" {
		t.Fatalf("forged X-Forwarded-For believed without a trusted proxy: stored %q, want 127.0.0.1", ip)
	}
}
