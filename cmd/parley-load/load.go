package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// result is what one scenario (or ceiling) run measured.
type result struct {
	Scenario    string         `json:"scenario"`
	Clients     int            `json:"clients"`
	Seconds     float64        `json:"seconds"`
	Requests    uint64         `json:"requests"`
	Errors      uint64         `json:"errors"`
	ErrorSample string         `json:"error_sample,omitempty"`
	Statuses    map[int]uint64 `json:"statuses,omitempty"`
	Bytes       uint64         `json:"bytes"`
	ReqPerSec   float64        `json:"req_per_sec"`
	P50         time.Duration  `json:"p50_ns"`
	P90         time.Duration  `json:"p90_ns"`
	P99         time.Duration  `json:"p99_ns"`
	Max         time.Duration  `json:"max_ns"`
	IdleRSSKB   int64          `json:"idle_rss_kb,omitempty"`
	PeakRSSKB   int64          `json:"peak_rss_kb,omitempty"`
	// ServerCPU is the CPU time (user and system) the server used per
	// request during the run; unlike req/s it barely moves with the load
	// other processes put on the machine.
	ServerCPU time.Duration `json:"server_cpu_per_req_ns,omitempty"`
	// Ceiling names the ceiling this scenario is compared with, and Ratio
	// is its req/s divided by the ceiling's.
	Ceiling     string  `json:"ceiling,omitempty"`
	CeilingRate float64 `json:"ceiling_req_per_sec,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
	// ProcessRatio is req/s divided by the process ceiling's, when one ran.
	ProcessRatio float64 `json:"process_ratio,omitempty"`
	// Unavailable says why the scenario could not run (a missing route).
	Unavailable string `json:"unavailable,omitempty"`
	// Note is extra information, such as the body size of a response.
	Note string `json:"note,omitempty"`
}

// limits bound a run in time and in count.
type limits struct {
	Clients     int
	Duration    time.Duration
	MaxRequests uint64
}

// requestFunc builds the i-th request of a worker.
type requestFunc func(worker, i int) (*http.Request, error)

// okFunc reports whether a status counts as success.
type okFunc func(status int) bool

// okStatus accepts exactly one status.
func okStatus(want int) okFunc { return func(status int) bool { return status == want } }

// newHTTPClient returns a keep-alive client for n concurrent workers that
// never follows redirects and leaves compression to the request headers.
func newHTTPClient(n int) *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        n * 2,
			MaxIdleConnsPerHost: n * 2,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// workerStats is one worker's tally, merged after the run.
type workerStats struct {
	hist     histogram
	errors   uint64
	bytes    uint64
	statuses map[int]uint64
	sample   string
}

// drive sends requests from lim.Clients workers until the duration ends or
// lim.MaxRequests were sent, and samples the RSS of pid (when > 0).
func drive(ctx context.Context, name string, lim limits, pid int, build requestFunc, ok okFunc) result {
	client := newHTTPClient(lim.Clients)
	defer client.CloseIdleConnections()
	res := result{Scenario: name, Clients: lim.Clients, Statuses: map[int]uint64{}}
	if pid > 0 {
		res.IdleRSSKB, _ = rssKB(pid)
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Duration)
	defer cancel()
	stopRSS := sampleRSS(pid, &res.PeakRSSKB)
	cpu0, cpuErr := cpuTime(pid)
	var sent atomic.Uint64
	stats := make([]workerStats, lim.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range stats {
		st := &stats[w]
		st.statuses = map[int]uint64{}
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				if lim.MaxRequests > 0 && sent.Add(1) > lim.MaxRequests {
					return
				}
				one(ctx, client, st, w, i, build, ok)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopRSS()
	cpu1, cpuErr1 := cpuTime(pid)
	var h histogram
	for i := range stats {
		st := &stats[i]
		h.merge(&st.hist)
		res.Errors += st.errors
		res.Bytes += st.bytes
		for code, n := range st.statuses {
			res.Statuses[code] += n
		}
		if res.ErrorSample == "" {
			res.ErrorSample = st.sample
		}
	}
	res.Requests = h.n
	res.Seconds = elapsed.Seconds()
	res.ReqPerSec = float64(h.n) / elapsed.Seconds()
	res.P50, res.P90, res.P99, res.Max = h.quantile(0.50), h.quantile(0.90), h.quantile(0.99), h.max
	if pid > 0 && cpuErr == nil && cpuErr1 == nil && h.n > 0 {
		res.ServerCPU = (cpu1 - cpu0) / time.Duration(h.n)
	}
	return res
}

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ), 100
// per second on Linux.
const clockTick = 10 * time.Millisecond

// cpuTime reads the user and system CPU time a process has used.
func cpuTime(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no process id")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from its ")".
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad CPU times", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// one sends one request and records it. A request cut short by the end of
// the run is not counted.
func one(ctx context.Context, client *http.Client, st *workerStats, w, i int, build requestFunc, ok okFunc) {
	req, err := build(w, i)
	if err != nil {
		st.fail(fmt.Sprintf("build request: %v", err))
		return
	}
	req = req.WithContext(ctx)
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		st.hist.record(time.Since(t0))
		st.fail(err.Error())
		return
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil && ctx.Err() != nil {
		return
	}
	st.hist.record(time.Since(t0))
	st.bytes += uint64(n)
	st.statuses[resp.StatusCode]++
	if err != nil {
		st.fail(fmt.Sprintf("read body: %v", err))
	} else if !ok(resp.StatusCode) {
		st.fail(fmt.Sprintf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode))
	}
}

func (st *workerStats) fail(msg string) {
	st.errors++
	if st.sample == "" {
		st.sample = msg
	}
}

// rssKB reads the resident set size of a process from /proc.
func rssKB(pid int) (int64, error) {
	m, err := residentKB(pid)
	return m.total, err
}

// resident is a process's resident memory in KB: in all, and split into
// anonymous memory and pages of mapped files (mostly the binary's own
// code and tables, whose share depends on how the kernel holds the file
// in its page cache; BENCHMARKS.md explains).
type resident struct{ total, anon, file int64 }

// residentKB reads a process's resident memory from /proc/PID/status.
func residentKB(pid int) (resident, error) {
	var m resident
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	fields := map[string]*int64{"VmRSS:": &m.total, "RssAnon:": &m.anon, "RssFile:": &m.file}
	found := 0
	for _, line := range strings.Split(string(b), "\n") {
		for name, dst := range fields {
			if rest, ok := strings.CutPrefix(line, name); ok {
				if *dst, err = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64); err != nil {
					return m, fmt.Errorf("%s in /proc/%d/status: %w", name, pid, err)
				}
				found++
			}
		}
	}
	if found != len(fields) {
		return m, fmt.Errorf("no VmRSS, RssAnon and RssFile in /proc/%d/status", pid)
	}
	return m, nil
}

// sampleRSS records the highest RSS of pid every 50 ms into peak until the
// returned function is called. Without a pid it does nothing.
func sampleRSS(pid int, peak *int64) (stop func()) {
	if pid <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if kb, err := rssKB(pid); err == nil && kb > *peak {
				*peak = kb
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// checkLoopback refuses targets other than 127.0.0.1 (or ::1): the kit
// never drives load across a network.
func checkLoopback(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("target URL: %w", err)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Scheme != "http" || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("target URL %q: only http://127.0.0.1:PORT (loopback) is allowed", raw)
	}
	return u, nil
}

// statusSummary lists the status codes of a run, most frequent first.
func statusSummary(m map[int]uint64) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return m[codes[i]] > m[codes[j]] })
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, m[c])
	}
	return strings.Join(parts, " ")
}
