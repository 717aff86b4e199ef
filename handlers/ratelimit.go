package handlers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models/store"
)

// limiter decides whether one more event for key is allowed at now; when it
// is not, it says how long until the next one is.
type limiter interface {
	allow(key string, now time.Time) (bool, time.Duration)
}

// newLimiter picks the limiter for the deployment: counters in Redis when
// redisURL is set; else in the database when it is PostgreSQL, where several
// instances may share it; else in this process's memory, right for the
// single instance a SQLite file serves.
func newLimiter(n int, window time.Duration, st *store.Store, redisURL string, log *slog.Logger) (limiter, error) {
	switch {
	case redisURL != "":
		rc, err := newRedisClient(redisURL)
		if err != nil {
			return nil, err
		}
		return &redisLimiter{n: n, window: window, redis: rc, log: log}, nil
	case st.RunsOnPostgres():
		return newDBLimiter(n, window, st, log), nil
	default:
		return newRateLimiter(n, window), nil
	}
}

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

// dbLimiter allows n events per key in each fixed window, counting in the
// database so that every instance on it shares the counts. Windows are
// aligned to multiples of window since the Unix epoch, so all instances
// agree on where one starts.
type dbLimiter struct {
	n      int
	window time.Duration
	store  *store.Store
	log    *slog.Logger
	mu     sync.Mutex
	swept  time.Time
}

// dbLimitTimeout bounds one counter update; a limiter must not hold up a
// comment for long when the database is slow.
const dbLimitTimeout = 2 * time.Second

func newDBLimiter(n int, window time.Duration, st *store.Store, log *slog.Logger) *dbLimiter {
	return &dbLimiter{n: n, window: window, store: st, log: log}
}

// allow counts one event for key. When the database cannot be reached the
// event is allowed and the error logged: a broken counter should not stop
// every comment, and writing the comment would fail on its own anyway.
func (l *dbLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.n <= 0 {
		return true, 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbLimitTimeout)
	defer cancel()
	l.sweep(ctx, now)
	start := now.Truncate(l.window)
	hits, err := l.store.CountHit(ctx, key, start)
	if err != nil {
		l.log.Error("rate limit: counting failed, allowing the event", "err", err)
		return true, 0
	}
	if hits > l.n {
		return false, start.Add(l.window).Sub(now)
	}
	return true, 0
}

// sweep deletes finished windows at most once per window per instance.
func (l *dbLimiter) sweep(ctx context.Context, now time.Time) {
	l.mu.Lock()
	due := now.Sub(l.swept) > l.window
	if due {
		l.swept = now
	}
	l.mu.Unlock()
	if !due {
		return
	}
	if _, err := l.store.SweepHits(ctx, now.Truncate(l.window)); err != nil {
		l.log.Warn("rate limit: sweeping old windows failed", "err", err)
	}
}

// redisLimiter allows n events per key in each fixed window, counting in
// Redis so that every instance using it shares the counts. Windows are
// aligned to the clock like dbLimiter's.
type redisLimiter struct {
	n      int
	window time.Duration
	redis  *redisClient
	log    *slog.Logger
}

// allow counts one event for key; when Redis cannot be reached the event is
// allowed and the error logged, as dbLimiter does.
func (l *redisLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.n <= 0 {
		return true, 0
	}
	start := now.Truncate(l.window)
	end := start.Add(l.window)
	k := "parley:ratelimit:" + strconv.FormatInt(start.UnixMilli(), 10) + ":" + key
	// The counter outlives its window by one more window, then Redis drops it.
	hits, err := l.redis.incrExpire(k, end.Sub(now)+l.window)
	if err != nil {
		l.log.Error("rate limit: counting in Redis failed, allowing the event", "err", err)
		return true, 0
	}
	if hits > int64(l.n) {
		return false, end.Sub(now)
	}
	return true, 0
}

// redisClient speaks just enough RESP for the limiter (AUTH, SELECT, INCR,
// PEXPIRE) over a small pool of connections.
type redisClient struct {
	addr     string
	user     string
	password string
	db       int
	timeout  time.Duration
	idle     chan *redisConn
}

type redisConn struct {
	net.Conn
	rd *bufio.Reader
}

// errRedisReply is a reply the client did not expect.
var errRedisReply = errors.New("redis: unexpected reply")

// newRedisClient parses redis://[user:password@]host[:port][/db].
func newRedisClient(raw string) (*redisClient, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis" || u.Hostname() == "" {
		return nil, fmt.Errorf("handlers: PARLEY_REDIS_URL: want redis://[:password@]host[:port][/db], got %q", raw)
	}
	rc := &redisClient{addr: u.Host, timeout: 2 * time.Second, idle: make(chan *redisConn, 8)}
	if u.Port() == "" {
		rc.addr = net.JoinHostPort(u.Hostname(), "6379")
	}
	if u.User != nil {
		rc.user = u.User.Username()
		rc.password, _ = u.User.Password()
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		if rc.db, err = strconv.Atoi(db); err != nil || rc.db < 0 {
			return nil, fmt.Errorf("handlers: PARLEY_REDIS_URL: database %q is not a number", db)
		}
	}
	return rc, nil
}

// incrExpire increments key, sets its time to live, and returns its value.
func (r *redisClient) incrExpire(key string, ttl time.Duration) (int64, error) {
	c, err := r.get()
	if err != nil {
		return 0, err
	}
	ms := strconv.FormatInt(max(ttl.Milliseconds(), 1), 10)
	n, err := c.do([]string{"INCR", key}, []string{"PEXPIRE", key, ms})
	if err != nil {
		c.Close()
		return 0, fmt.Errorf("redis: INCR %s: %w", key, err)
	}
	r.put(c)
	return n[0], nil
}

// get takes an idle connection or dials, authenticates and selects the
// database on a new one.
func (r *redisClient) get() (*redisConn, error) {
	select {
	case c := <-r.idle:
		return c, nil
	default:
	}
	nc, err := net.DialTimeout("tcp", r.addr, r.timeout)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	c := &redisConn{Conn: nc, rd: bufio.NewReader(nc)}
	var setup [][]string
	switch {
	case r.password != "" && r.user != "":
		setup = append(setup, []string{"AUTH", r.user, r.password})
	case r.password != "":
		setup = append(setup, []string{"AUTH", r.password})
	}
	if r.db != 0 {
		setup = append(setup, []string{"SELECT", strconv.Itoa(r.db)})
	}
	if len(setup) > 0 {
		if _, err := c.do(setup...); err != nil {
			nc.Close()
			return nil, fmt.Errorf("redis: connect: %w", err)
		}
	}
	return c, nil
}

// put returns a healthy connection to the pool, or closes it when full.
func (r *redisClient) put(c *redisConn) {
	select {
	case r.idle <- c:
	default:
		c.Close()
	}
}

// close closes the idle connections.
func (r *redisClient) close() {
	for {
		select {
		case c := <-r.idle:
			c.Close()
		default:
			return
		}
	}
}

// do sends the commands in one write and reads one reply each: integers
// are returned, "+OK"-style replies count as 0, error replies fail.
func (c *redisConn) do(cmds ...[]string) ([]int64, error) {
	if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(cmd))
		for _, arg := range cmd {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(arg), arg)
		}
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(cmds))
	var firstErr error
	for range cmds {
		line, err := c.rd.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimSuffix(line, "\r\n")
		if line == "" {
			return nil, errRedisReply
		}
		switch line[0] {
		case ':':
			n, err := strconv.ParseInt(line[1:], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: %q", errRedisReply, line)
			}
			out = append(out, n)
		case '+':
			out = append(out, 0)
		case '-':
			if firstErr == nil { // read the other replies so the stream stays in step
				firstErr = errors.New("redis: " + line[1:])
			}
			out = append(out, 0)
		default:
			return nil, fmt.Errorf("%w: %q", errRedisReply, line)
		}
	}
	return out, firstErr
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
