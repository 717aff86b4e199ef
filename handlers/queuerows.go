package handlers

import (
	"html/template"
	"time"

	"parley/handlers/i18n"
	"parley/models"
	"parley/models/store"
)

// queueRow is one comment of the queue page with what its row shows worked
// out once in Go. html/template calls every helper through reflection, and
// the row's fields used to be found by name through the embedded
// models.Comment; with a dozen helper calls a row, rendering was most of a
// queue page's cost (BENCHMARKS.md). The texts keep the types the template
// helpers returned, so the page's bytes are the same.
type queueRow struct {
	ID                      uint
	Status                  models.Status
	Pinned                  bool
	Author, Email, Website  string
	IP                      string
	AuthorURL, EmailURL     string
	SelectLabel             template.HTML // "Select the comment by …"
	OnlyBy, OnlyFrom        template.HTML // the author and email filter links' titles
	ISO, Long, Ago          string        // when it was written
	Page, Where, SiteID     string        // the page, its title (or address), the site
	PageURL                 string        // the queue filtered to that page
	Reasons                 []queueReason // why it is held
	HTML                    template.HTML
	Approved, Removed, Spam bool
}

// queueReason is one hold reason as the row shows it.
type queueReason struct{ Text, Detail string }

// queueRows turns the store's items into rows in tr's language.
func queueRows(v queueView, items []store.QueueItem, tr *i18n.Translator, now time.Time) []queueRow {
	rows := make([]queueRow, len(items))
	for i, it := range items {
		r := queueRow{ID: it.ID, Status: it.Status, Pinned: it.Pinned, Author: it.Author, Email: it.Email,
			Website: it.Website, IP: it.IP, AuthorURL: v.AuthorURL(it.Author),
			SelectLabel: template.HTML(tr.Safe("queue.select_label", "id", it.ID, "name", it.Author)),
			OnlyBy:      template.HTML(tr.Safe("queue.only_by", "name", it.Author)),
			ISO:         it.CreatedAt.UTC().Format(time.RFC3339), Long: tr.LongTime(it.CreatedAt),
			Ago:  tr.Ago(now.Sub(it.CreatedAt)),
			Page: it.Page, Where: it.ThreadTitle, SiteID: it.SiteID, PageURL: v.PageURL(it.SiteID, it.Page),
			HTML:     template.HTML(it.HTML),
			Approved: it.Status == models.StatusApproved, Removed: it.Status == models.StatusRemoved,
			Spam: it.Status == models.StatusSpam}
		if r.Where == "" {
			r.Where = it.Page
		}
		if it.Email != "" {
			r.EmailURL = v.AuthorURL(it.Email)
			r.OnlyFrom = template.HTML(tr.Safe("queue.only_from", "email", it.Email))
		}
		for _, reason := range it.Reasons {
			r.Reasons = append(r.Reasons, queueReason{Text: reasonText(tr, reason), Detail: reasonDetail(tr, reason)})
		}
		rows[i] = r
	}
	return rows
}
