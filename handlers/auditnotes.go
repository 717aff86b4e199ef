package handlers

import (
	"regexp"
	"strings"

	"parley/handlers/i18n"
	"parley/models"
)

// Audit entries keep their notes as written. The notes Parley writes itself
// ("deleted by author", "undo of entry #12", …) are shown in the page's
// language; a note a moderator typed (with a status change or a ban) is
// shown as typed.

// fixedAuditNotes are Parley's notes without values, by action.
var fixedAuditNotes = map[string]map[string]string{
	"delete":   {"deleted by author": "audit.note.deleted_by_author"},
	"erase":    {"erased at its author's request": "audit.note.erased"},
	"settings": {"own email notifications": "audit.note.own_email"},
	"approved": {"via email link": "audit.note.email_link"},
	"removed":  {"via email link": "audit.note.email_link"},
	"spam":     {"via email link": "audit.note.email_link"},
}

var (
	undoNote     = regexp.MustCompile(`^undo of entry #(\d+)$`)
	settingsNote = regexp.MustCompile(`^site (\S+)(?:, preset (\S+))?$`)
	siteNote     = regexp.MustCompile(`^(?s)site (\S+), origins: (.*)$`)
	accountNote  = regexp.MustCompile(`^account (\S+)$`)
	banNote      = regexp.MustCompile(`^(?s)(ip|email|domain|key) (\S+)( \(shadow\))?(?: until (\d{4}-\d\d-\d\d \d\d:\d\d UTC))?(?:: (.*))?$`)
)

// systemNote is an audit entry's note in tr's language when Parley wrote
// it, and the note as stored otherwise.
func systemNote(tr *i18n.Translator, e models.AuditEntry) string {
	n := e.Note
	if key, ok := fixedAuditNotes[e.Action][n]; ok {
		return tr.T(key)
	}
	switch e.Action {
	case "undo":
		if m := undoNote.FindStringSubmatch(n); m != nil {
			return tr.T("audit.note.undo_of", "entry", m[1])
		}
	case "settings":
		if m := settingsNote.FindStringSubmatch(n); m != nil {
			if m[2] != "" {
				return tr.T("audit.note.site_preset", "site", m[1], "preset", m[2])
			}
			return tr.T("audit.note.site", "site", m[1])
		}
	case "add_site", "save_site":
		if m := siteNote.FindStringSubmatch(n); m != nil {
			return tr.T("audit.note.site_origins", "site", m[1], "origins", m[2])
		}
	case "add moderator", "enable moderator", "disable moderator", "change role", "reset password":
		if m := accountNote.FindStringSubmatch(n); m != nil {
			return tr.T("audit.note.account", "email", m[1])
		}
	case "ban", "unban":
		if m := banNote.FindStringSubmatch(n); m != nil && (e.Action == "ban" || m[3]+m[4]+m[5] == "") {
			parts := []string{tr.T("audit.note.ban", "kind", tr.T("bans.kind."+m[1]), "value", m[2])}
			if m[3] != "" {
				parts = append(parts, tr.T("audit.note.shadow"))
			}
			if m[4] != "" {
				parts = append(parts, tr.T("audit.note.until", "time", m[4]))
			}
			out := strings.Join(parts, " ")
			if m[5] != "" {
				out += ": " + m[5]
			}
			return out
		}
	}
	return n
}
