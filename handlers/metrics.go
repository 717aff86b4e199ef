package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"parley/models"
	"parley/models/store"
)

// metrics is one server's Prometheus instruments, on a registry of its own
// so that tests can build many servers in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	comments *prometheus.CounterVec
	cache    *prometheus.CounterVec
	handler  http.Handler
}

// scrapeTimeout bounds the database queries one scrape makes.
const scrapeTimeout = 2 * time.Second

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parley_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template, method and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		comments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_comments_created_total",
			Help: "Comments created, by the status the moderation verdict gave them.",
		}, []string{"status"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_render_cache_lookups_total",
			Help: "Lookups of rendered threads in the in-memory cache, by result (hit or miss).",
		}, []string{"result"}),
	}
	for _, s := range []models.Status{models.StatusApproved, models.StatusPending, models.StatusSpam} {
		m.comments.WithLabelValues(string(s)) // present at zero before the first comment
	}
	m.reg.MustRegister(m.requests, m.comments, m.cache, newStoreCollector(st),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m
}

// cacheLookup returns a counter increment for one result of a render
// cache lookup.
func (m *metrics) cacheLookup(result string) func() {
	return m.cache.WithLabelValues(result).Inc
}

// commentCreated counts a new comment under the status it was stored with.
func (m *metrics) commentCreated(status models.Status) {
	m.comments.WithLabelValues(string(status)).Inc()
}

// observeRequests records each request's latency under its route template
// (never the raw path, which would make a series per comment and slug).
func (s *Server) observeRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.metrics.requests.WithLabelValues(route, c.Request.Method, statusLabel(c.Writer.Status())).
		Observe(time.Since(start).Seconds())
}

// metricsPage serves /metrics. With a metrics token configured it wants
// "Authorization: Bearer <token>"; without one it answers only clients on
// the loopback interface that did not come through a proxy.
func (s *Server) metricsPage(c *gin.Context) {
	if s.cfg.MetricsToken != "" {
		if !bearerMatches(c.GetHeader("Authorization"), s.cfg.MetricsToken) {
			c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
			c.Data(http.StatusUnauthorized, "text/plain; charset=utf-8", []byte("A metrics token is required.\n"))
			return
		}
	} else if !directLoopback(c.Request) {
		c.Data(http.StatusForbidden, "text/plain; charset=utf-8",
			[]byte("Metrics are served to loopback clients only; set PARLEY_METRICS_TOKEN to scrape from elsewhere.\n"))
		return
	}
	c.Header("Cache-Control", "no-store")
	s.metrics.handler.ServeHTTP(c.Writer, c.Request)
}

// bearerMatches compares the presented bearer token with want in constant
// time (over hashes, so the length does not leak either).
func bearerMatches(header, want string) bool {
	const prefix = "bearer "
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(header[len(prefix):])))
	exp := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(got[:], exp[:]) == 1
}

// directLoopback reports whether the socket peer is 127.0.0.0/8 or ::1 and
// the request carries no forwarding headers: a reverse proxy on the same
// host would otherwise hand every outside client a loopback address.
func directLoopback(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// storeCollector reads the queue, the outbox and the connection pools at
// scrape time.
type storeCollector struct {
	st                                               *store.Store
	queue, outbox, outboxError                       *prometheus.Desc
	poolOpen, poolInUse, poolIdle, poolMax, poolWait *prometheus.Desc
	poolWaitSeconds                                  *prometheus.Desc
}

func newStoreCollector(st *store.Store) *storeCollector {
	pool := []string{"pool"}
	return &storeCollector{
		st: st,
		queue: prometheus.NewDesc("parley_queue_comments",
			"Comments currently in each moderation status.", []string{"status"}, nil),
		outbox: prometheus.NewDesc("parley_outbox_messages",
			"Outbox messages by state: waiting (still being tried), given_up, sent (kept until pruned).", []string{"state"}, nil),
		outboxError: prometheus.NewDesc("parley_outbox_last_error_timestamp_seconds",
			"When the newest unsent message with a delivery error was queued; 0 when there is none.", nil, nil),
		poolOpen:  prometheus.NewDesc("parley_db_open_connections", "Open database connections, in use and idle.", pool, nil),
		poolInUse: prometheus.NewDesc("parley_db_in_use_connections", "Database connections in use.", pool, nil),
		poolIdle:  prometheus.NewDesc("parley_db_idle_connections", "Idle database connections.", pool, nil),
		poolMax:   prometheus.NewDesc("parley_db_max_open_connections", "The pool's limit on open connections.", pool, nil),
		poolWait:  prometheus.NewDesc("parley_db_wait_count_total", "Times a query waited for a free connection.", pool, nil),
		poolWaitSeconds: prometheus.NewDesc("parley_db_wait_duration_seconds_total",
			"Total time queries waited for a free connection.", pool, nil),
	}
}

// Describe implements prometheus.Collector.
func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sc.queue, sc.outbox, sc.outboxError, sc.poolOpen,
		sc.poolInUse, sc.poolIdle, sc.poolMax, sc.poolWait, sc.poolWaitSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. A failed query becomes a scrape
// error for its metrics only; the rest are still served.
func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if counts, err := sc.st.QueueCounts(ctx, ""); err != nil {
		ch <- prometheus.NewInvalidMetric(sc.queue, err)
	} else {
		for _, status := range models.Statuses {
			ch <- prometheus.MustNewConstMetric(sc.queue, prometheus.GaugeValue, float64(counts[status]), string(status))
		}
	}
	if ob, err := sc.st.OutboxStats(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(sc.outbox, err)
	} else {
		ch <- prometheus.MustNewConstMetric(sc.outbox, prometheus.GaugeValue, float64(ob.Waiting), "waiting")
		ch <- prometheus.MustNewConstMetric(sc.outbox, prometheus.GaugeValue, float64(ob.GivenUp), "given_up")
		ch <- prometheus.MustNewConstMetric(sc.outbox, prometheus.GaugeValue, float64(ob.Sent), "sent")
		var last float64
		if ob.LastErrorAt != nil {
			last = float64(ob.LastErrorAt.Unix())
		}
		ch <- prometheus.MustNewConstMetric(sc.outboxError, prometheus.GaugeValue, last)
	}
	pools, err := sc.st.Stats()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(sc.poolOpen, err)
		return
	}
	for name, p := range pools {
		ch <- prometheus.MustNewConstMetric(sc.poolOpen, prometheus.GaugeValue, float64(p.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(sc.poolInUse, prometheus.GaugeValue, float64(p.InUse), name)
		ch <- prometheus.MustNewConstMetric(sc.poolIdle, prometheus.GaugeValue, float64(p.Idle), name)
		ch <- prometheus.MustNewConstMetric(sc.poolMax, prometheus.GaugeValue, float64(p.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(sc.poolWait, prometheus.CounterValue, float64(p.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(sc.poolWaitSeconds, prometheus.CounterValue, p.WaitDuration.Seconds(), name)
	}
}
