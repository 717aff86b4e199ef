package handlers

import (
	"sort"
	"strings"

	"parley/handlers/i18n"
	"parley/models"
)

// importLines words an import's result for the admin, one fact a line, in
// the admin's language (models.ImportResult.Lines is the CLI's English).
// The reasons of skipped records come from the importers and stay as they
// were written.
func importLines(tr *i18n.Translator, r models.ImportResult) []string {
	var out []string
	add := func(key string, n int) {
		if n > 0 {
			out = append(out, tr.N(key, n))
		}
	}
	add("import.line.sites", r.Sites)
	add("import.line.moderators", r.Moderators)
	add("import.line.posts", r.Posts)
	add("import.line.redirects", r.Redirects)
	add("import.line.threads", r.Threads)
	comments := tr.N("import.line.comments", r.Comments)
	var parts []string
	for _, st := range models.Statuses {
		if n := r.Statuses[st]; n > 0 {
			parts = append(parts, tr.T("import.line.status", "n", n, "status", tr.T("value."+string(st))))
		}
	}
	if len(parts) > 0 {
		comments += " (" + strings.Join(parts, ", ") + ")"
	}
	out = append(out, comments)
	add("import.line.votes", r.Votes)
	add("import.line.flags", r.Flags)
	add("import.line.bans", r.Bans)
	add("import.line.subscribers", r.Subscribers)
	add("import.line.audit", r.Audit)
	add("import.line.keys", r.Keys)
	add("import.line.existing", r.Existing)
	add("import.line.orphans", r.Orphans)
	add("import.line.ignored", r.Ignored)
	if r.Skipped > 0 {
		out = append(out, tr.N("import.line.skipped", r.Skipped))
		skips := append([]models.ImportSkip(nil), r.Skips...)
		sort.SliceStable(skips, func(i, j int) bool { return skips[i].Line < skips[j].Line })
		for _, s := range skips {
			if s.Line > 0 {
				out = append(out, "  "+tr.T("import.line.skip_at", "line", s.Line, "ref", s.Ref, "reason", s.Reason))
			} else {
				out = append(out, "  "+tr.T("import.line.skip", "ref", s.Ref, "reason", s.Reason))
			}
		}
		if more := r.Skipped - len(r.Skips); more > 0 {
			out = append(out, "  "+tr.N("import.line.more", more))
		}
	}
	return out
}
