package handlers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/handlers/i18n"
	"parley/models"
	"parley/models/store"
)

// dashboardDays is how many days the comments chart covers.
const dashboardDays = 14

// Chart geometry, in SVG user units: one bar per day.
const (
	chartBarWidth = 20
	chartBarGap   = 4
	chartHeight   = 100
)

type dashboardView struct {
	Queue        []dashboardCount
	Days         []dashboardDay
	ChartWidth   int
	ChartHeight  int
	ChartMax     int
	ChartSummary string
	FirstDay     string // the chart's axis labels
	LastDay      string
	Total        int
	Outbox       store.OutboxStats
	MailOn       bool
	DBKind       string
	DBSize       string
	BackupDir    string
	Backup       *backupFile
	BackupError  string
}

type dashboardCount struct {
	Status models.Status
	N      int
	Link   string
}

type dashboardDay struct {
	Day     time.Time
	N       int
	X, Y, H int // the bar's rectangle; H is 0 for an empty day
}

type backupFile struct {
	Name    string
	ModTime time.Time
	Size    string
}

// dashboardPage shows admins how the installation is doing: the queue,
// recent comment volume, the outbox, the database and the last backup.
func (s *Server) dashboardPage(c *gin.Context) {
	ctx := c.Request.Context()
	view := dashboardView{ChartHeight: chartHeight, MailOn: s.mail != nil, DBKind: s.store.Kind(), BackupDir: s.cfg.BackupDir}
	counts, err := s.store.QueueCounts(ctx, "")
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, st := range models.Statuses {
		view.Queue = append(view.Queue, dashboardCount{Status: st, N: counts[st], Link: "/admin/queue?status=" + string(st)})
	}
	days, err := s.store.CommentsPerDay(ctx, s.now(), dashboardDays)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view.setChart(s.tr(c), days)
	if view.Outbox, err = s.store.OutboxStats(ctx); err != nil {
		s.serverError(c, err)
		return
	}
	size, err := s.store.DatabaseSize(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view.DBSize = humanBytes(size)
	if s.cfg.BackupDir != "" {
		view.Backup, err = newestBackup(ctx, s.cfg.BackupDir)
		if err != nil {
			s.log.Warn("dashboard: reading the backup folder failed", "dir", s.cfg.BackupDir, "err", err, "request_id", requestID(c))
			view.BackupError = s.tr(c).T("dash.backup_unreadable")
		}
	}
	s.render(c, http.StatusOK, "admin_dashboard", pageData{Title: s.tr(c).T("dash.title"), Data: view})
}

// setChart lays out one bar per day, scaled to the busiest day, and words
// the same numbers for readers who cannot see the chart.
func (v *dashboardView) setChart(tr *i18n.Translator, days []store.DayCount) {
	for _, d := range days {
		v.ChartMax = max(v.ChartMax, d.N)
		v.Total += d.N
	}
	v.ChartWidth = len(days)*(chartBarWidth+chartBarGap) - chartBarGap
	for i, d := range days {
		h := 0
		if v.ChartMax > 0 && d.N > 0 {
			h = max(2, d.N*chartHeight/v.ChartMax) // a day with comments never vanishes
		}
		v.Days = append(v.Days, dashboardDay{Day: d.Day, N: d.N, X: i * (chartBarWidth + chartBarGap), Y: chartHeight - h, H: h})
	}
	if len(days) > 0 {
		first, last := days[0].Day, days[len(days)-1].Day
		v.FirstDay, v.LastDay = tr.DayMonth(first), tr.DayMonth(last)
		v.ChartSummary = tr.T("dash.chart_summary", "from", tr.DayMonth(first), "to", tr.ShortDate(last), "total", tr.Number(v.Total), "max", tr.Number(v.ChartMax))
	}
}

// newestBackup returns the most recently written file in dir, skipping
// hidden files (backups in progress), or nil when there is none.
func newestBackup(ctx context.Context, dir string) (*backupFile, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read backup folder: %w", err)
	}
	var best *backupFile
	for _, e := range entries {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed by retention meanwhile
		}
		if best == nil || info.ModTime().After(best.ModTime) {
			best = &backupFile{Name: filepath.Base(e.Name()), ModTime: info.ModTime(), Size: humanBytes(info.Size())}
		}
	}
	return best, nil
}

// humanBytes words a size in binary units, e.g. "1.4 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
