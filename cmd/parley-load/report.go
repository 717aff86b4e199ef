package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// startupStats are the start-up times measured on one database.
type startupStats struct {
	Database string `json:"database"`
	// First is the first start on the copy, which also creates the admin
	// (a password hash); Runs are the starts after it.
	First time.Duration   `json:"first_ns"`
	Runs  []time.Duration `json:"runs_ns"`
	// IdleRSSKB is the server's RSS one second after its last start,
	// before any load; IdleAnonKB and IdleFileKB split it into anonymous
	// memory and mapped files (the binary).
	IdleRSSKB  int64 `json:"idle_rss_kb"`
	IdleAnonKB int64 `json:"idle_anon_kb"`
	IdleFileKB int64 `json:"idle_file_kb"`
}

// idleMemory describes the idle RSS and its two parts.
func (s startupStats) idleMemory() string {
	return fmt.Sprintf("%s MB (anonymous %s MB, mapped files %s MB)", mb(s.IdleRSSKB), mb(s.IdleAnonKB), mb(s.IdleFileKB))
}

func (s startupStats) median() time.Duration {
	if len(s.Runs) == 0 {
		return 0
	}
	r := slices.Clone(s.Runs)
	slices.Sort(r)
	return r[len(r)/2]
}

// report is everything one run measured.
type report struct {
	Started      time.Time      `json:"started"`
	Machine      string         `json:"machine"`
	ReadClients  int            `json:"read_clients"`
	WriteClients int            `json:"write_clients"`
	Duration     time.Duration  `json:"duration_ns"`
	Gzip         bool           `json:"gzip"`
	Databases    []string       `json:"databases"`
	Startup      []startupStats `json:"startup,omitempty"`
	Results      []result       `json:"results"`
	// LoadBefore and LoadAfter are /proc/loadavg at the start and the end:
	// other work on the machine skews every number.
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// machine describes the CPU the run measured on.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs %s, %s/%s, %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func mb(kb int64) string {
	if kb == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(kb)/1024)
}

// row is one result as table cells.
func (r result) row() []string {
	if r.Unavailable != "" {
		return []string{r.Scenario, fmt.Sprint(r.Clients), "unavailable: " + r.Unavailable, "", "", "", "", "", "", "", "", ""}
	}
	bytesPer := "-"
	if r.Requests > 0 && r.Bytes > 0 {
		bytesPer = fmt.Sprint(r.Bytes / r.Requests)
	}
	rss := "-"
	if r.PeakRSSKB > 0 {
		rss = mb(r.IdleRSSKB) + " → " + mb(r.PeakRSSKB)
	}
	ratio := "-"
	if r.Ratio > 0 {
		ratio = fmt.Sprintf("%.0f%% of %s", 100*r.Ratio, r.Ceiling)
	}
	if r.ProcessRatio > 0 {
		ratio += fmt.Sprintf(", %.0f%% of process ceiling", 100*r.ProcessRatio)
	}
	errs := fmt.Sprint(r.Errors)
	if r.Errors > 0 && r.ErrorSample != "" {
		sample := r.ErrorSample
		if len(sample) > 80 {
			sample = sample[:80] + "…"
		}
		errs += " (" + sample + ")"
	}
	cpu := "-"
	if r.ServerCPU > 0 {
		cpu = ms(r.ServerCPU)
	}
	return []string{r.Scenario, fmt.Sprint(r.Clients), fmt.Sprintf("%.0f", r.ReqPerSec),
		ms(r.P50), ms(r.P90), ms(r.P99), errs, bytesPer, rss, ratio, cpu, fmt.Sprint(r.Requests)}
}

var tableHeader = []string{"scenario", "clients", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors",
	"bytes/resp", "RSS MB before → peak", "vs ceiling", "server CPU ms/req", "requests"}

// print writes the report as an aligned text table, or as markdown.
func (rep report) print(w io.Writer, markdown bool) {
	fmt.Fprintf(w, "parley-load on %s\n", rep.Machine)
	fmt.Fprintf(w, "%d read clients, %d write clients, %s per scenario, gzip %v\n",
		rep.ReadClients, rep.WriteClients, rep.Duration, rep.Gzip)
	for _, d := range rep.Databases {
		fmt.Fprintf(w, "database: %s\n", d)
	}
	fmt.Fprintf(w, "load average (1, 5, 15 min) before: %s, after: %s\n", rep.LoadBefore, rep.LoadAfter)
	fmt.Fprintln(w)
	rows := [][]string{tableHeader}
	for _, r := range rep.Results {
		rows = append(rows, r.row())
	}
	if markdown {
		for i, cells := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
			if i == 0 {
				fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(cells)))
			}
		}
	} else {
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		for _, cells := range rows {
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
	}
	for _, s := range rep.Startup {
		runs := make([]string, len(s.Runs))
		for i, d := range s.Runs {
			runs[i] = ms(d)
		}
		fmt.Fprintf(w, "\nstart-up on %s: median %s ms to the first 200 from /healthz (runs: %s ms; first start, which creates the admin: %s ms); idle RSS %s\n",
			s.Database, ms(s.median()), strings.Join(runs, ", "), ms(s.First), s.idleMemory())
	}
	for _, r := range rep.Results {
		if len(r.Statuses) > 0 && r.Unavailable == "" {
			fmt.Fprintf(w, "%s statuses: %s\n", r.Scenario, statusSummary(r.Statuses))
		}
	}
}

// writeJSON saves the report for later comparison.
func (rep report) writeJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
