package models

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Redirect sends a reader from a page's old address to its new one with a
// 301, e.g. a Blogger post's /2010/05/title.html to /posts/title.
type Redirect struct {
	ID        uint   `gorm:"primaryKey"`
	SiteID    string `gorm:"size:64;not null;uniqueIndex:idx_redirects_site_from,priority:1"`
	FromPath  string `gorm:"size:500;not null;uniqueIndex:idx_redirects_site_from,priority:2"`
	ToPath    string `gorm:"size:500;not null"`
	CreatedAt time.Time
}

// Import job states.
const (
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportJob is an import an admin started by uploading an export. The
// instance that received the file runs it and writes its progress here,
// so any instance can show it.
type ImportJob struct {
	ID         string `gorm:"primaryKey;size:32"`
	SiteID     string `gorm:"size:64;not null"`
	Format     string `gorm:"size:16;not null"`
	FileName   string `gorm:"size:200;not null"`
	Status     string `gorm:"size:16;not null"`
	BytesRead  int64  `gorm:"not null"`
	BytesTotal int64  `gorm:"not null"`
	Comments   int    `gorm:"not null"`
	// Result is the summary once the import ended (also after a failure:
	// what was stored before it).
	Result     *ImportResult `gorm:"serializer:json"`
	Error      string        `gorm:"size:1000"`
	StartedBy  string        `gorm:"size:254;not null"`
	StartedAt  time.Time     `gorm:"index"`
	UpdatedAt  time.Time
	FinishedAt *time.Time
}

// Stale reports whether a running job has not reported progress for so
// long that the process running it must have stopped.
func (j ImportJob) Stale(now time.Time) bool {
	return j.Status == ImportRunning && now.Sub(j.UpdatedAt) > 2*time.Minute
}

// ImportSkip is a record an import left out, and why.
type ImportSkip struct {
	Ref    string `json:"ref"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

// MaxImportSkips is how many skips an ImportResult lists one by one; the
// rest are only counted.
const MaxImportSkips = 100

// ImportResult sums up what an import stored. "New" counts are records
// written by this run; Existing counts records that were already stored by
// an earlier run (or twice in the file) and so were left alone.
type ImportResult struct {
	Format     string `json:"format"`
	SiteID     string `json:"site"`
	Sites      int    `json:"sites"`
	Moderators int    `json:"moderators"`
	Threads    int    `json:"threads"`
	Posts      int    `json:"posts"`
	Comments   int    `json:"comments"`
	Redirects  int    `json:"redirects"`
	Votes      int    `json:"votes,omitempty"`
	Flags      int    `json:"flags,omitempty"`
	Bans       int    `json:"bans,omitempty"`
	// Subscribers are addresses whose reply-email standing came along.
	Subscribers int            `json:"subscribers,omitempty"`
	Audit       int            `json:"audit,omitempty"`    // audit log entries
	Keys        int            `json:"keys,omitempty"`     // signing keys restored
	Statuses    map[Status]int `json:"statuses,omitempty"` // of the new comments
	Existing    int            `json:"existing"`
	Orphans     int            `json:"orphans"` // replies whose parent was missing, kept as top-level
	Ignored     int            `json:"ignored"` // records of no interest (settings, attachments, posts of a comments-only import)
	Skipped     int            `json:"skipped"`
	Skips       []ImportSkip   `json:"skips,omitempty"` // the first MaxImportSkips
}

// Skip records a skipped record, listing it while there is room.
func (r *ImportResult) Skip(ref string, line int, reason string) {
	r.Skipped++
	if len(r.Skips) < MaxImportSkips {
		r.Skips = append(r.Skips, ImportSkip{Ref: ref, Line: line, Reason: reason})
	}
}

// Lines words the result for a person, one fact per line.
func (r ImportResult) Lines() []string {
	var out []string
	add := func(n int, what string) {
		if n > 0 {
			out = append(out, fmt.Sprintf("%s: %d", what, n))
		}
	}
	add(r.Sites, "sites created")
	add(r.Moderators, "moderators")
	add(r.Posts, "posts")
	add(r.Redirects, "redirects from old addresses")
	add(r.Threads, "threads")
	line := fmt.Sprintf("comments: %d", r.Comments)
	if len(r.Statuses) > 0 {
		var parts []string
		for _, st := range Statuses {
			if n := r.Statuses[st]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, st))
			}
		}
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	out = append(out, line)
	add(r.Votes, "votes")
	add(r.Flags, "flags from readers")
	add(r.Bans, "bans")
	add(r.Subscribers, "addresses subscribed to replies")
	add(r.Audit, "audit log entries")
	add(r.Keys, "signing keys")
	add(r.Existing, "already there, left alone")
	add(r.Orphans, "replies whose parent is missing, kept as top-level comments")
	add(r.Ignored, "records of no interest, ignored")
	if r.Skipped > 0 {
		out = append(out, fmt.Sprintf("skipped: %d", r.Skipped))
		skips := append([]ImportSkip(nil), r.Skips...)
		sort.SliceStable(skips, func(i, j int) bool { return skips[i].Line < skips[j].Line })
		for _, s := range skips {
			where := ""
			if s.Line > 0 {
				where = fmt.Sprintf("line %d: ", s.Line)
			}
			out = append(out, fmt.Sprintf("  %s%s: %s", where, s.Ref, s.Reason))
		}
		if r.Skipped > len(r.Skips) {
			out = append(out, fmt.Sprintf("  … and %d more", r.Skipped-len(r.Skips)))
		}
	}
	return out
}
