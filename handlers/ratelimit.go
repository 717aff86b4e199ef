package handlers

import (
	"net/netip"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// rateLimiter allows n events per key in each window (a fixed-window
// counter). It lives in one process's memory.
type rateLimiter struct {
	n      int
	window time.Duration
	mu     sync.Mutex
	hits   map[string]*windowCount
	swept  time.Time
}

type windowCount struct {
	start time.Time
	n     int
}

func newRateLimiter(n int, window time.Duration) *rateLimiter {
	return &rateLimiter{n: n, window: window, hits: map[string]*windowCount{}}
}

// allow records one event for key and reports whether it is within the
// limit; when not, it says how long until the next event is allowed.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.n <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, w := range l.hits {
			if now.Sub(w.start) >= l.window {
				delete(l.hits, k)
			}
		}
		l.swept = now
	}
	w, ok := l.hits[key]
	if !ok || now.Sub(w.start) >= l.window {
		w = &windowCount{start: now}
		l.hits[key] = w
	}
	if w.n >= l.n {
		return false, w.start.Add(l.window).Sub(now)
	}
	w.n++
	return true, 0
}

// clientKey identifies a client for limits: its IP (from the socket unless a
// trusted proxy vouches), with IPv6 addresses grouped by /64, since one
// household or host usually holds a whole /64.
func (s *Server) clientKey(c *gin.Context) string {
	return ipKey(c.ClientIP())
}

func ipKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
