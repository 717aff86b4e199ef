package handlers

import (
	"regexp"
	"strconv"
	"strings"

	"parley/handlers/i18n"
	"parley/models"
)

// A comment's reasons are stored as the moderation rules wrote them: a code
// with an English text and detail. The desk and the moderators' emails show
// them in the reader's language from the code and the numbers or words the
// detail holds; a reason or detail Parley does not know shows as stored.

// reasonKeys are the catalog keys of reason codes whose key is not
// "reason." + the code.
var reasonKeys = map[string]string{
	"pre_moderation": "reason.pre",
	"shadow_ban":     "reason.shadow",
}

// reasonText is the name of a reason in tr's language.
func reasonText(tr *i18n.Translator, r models.Reason) string {
	key, ok := reasonKeys[r.Code]
	if !ok {
		key = "reason." + r.Code
	}
	if r.Code != "" && tr.Has(key) {
		return tr.T(key)
	}
	return r.Text
}

// Details that name no numbers or words: the English text → key.
var fixedDetails = map[string]string{
	"same text from the same commenter within a day": "reason.detail.duplicate",
	"the hidden form field was filled in":            "reason.detail.honeypot",
	"sent sooner than a person could write it":       "reason.detail.too_fast",
	"blatant spam (discard hint)":                    "reason.detail.akismet_discard",
	"the site holds every new comment":               "reason.detail.pre",
	"ban":                                            "reason.detail.ban_any",
}

var (
	linksDetail     = regexp.MustCompile(`^(\d+) links, limit (\d+)$`)
	oldPostDetail   = regexp.MustCompile(`^post published (\d+) days ago, limit (\d+)$`)
	firstTimeDetail = regexp.MustCompile(`^trusted after (\d+) approved comments?$`)
	unknownMode     = regexp.MustCompile(`^unknown moderation mode (".*") treated as pre-moderation$`)
	banDetail       = regexp.MustCompile(`^(?s)(ip|email|domain|key) ban(?:: (.*))?$`)
	wordDetail      = regexp.MustCompile(`^(".*") in (body|author|email|website|IP|user agent)$`)
	flagsDetail     = regexp.MustCompile(`^(?s)(\d+) flags: (.*?)(?: — (.*))?$`)
	flagCount       = regexp.MustCompile(`^([a-z-]+)(?: ×(\d+))?$`)
	importedDetail  = regexp.MustCompile(`^([a-z]+) in the ([A-Za-z]+) export$`)
)

// reasonDetail is the detail of a reason in tr's language.
func reasonDetail(tr *i18n.Translator, r models.Reason) string {
	d := r.Detail
	if d == "" {
		return ""
	}
	if key, ok := fixedDetails[d]; ok {
		return tr.T(key)
	}
	switch r.Code {
	case "links":
		if m := linksDetail.FindStringSubmatch(d); m != nil {
			return tr.N("reason.detail.links", atoi(m[1]), "limit", m[2])
		}
	case "old_post":
		if m := oldPostDetail.FindStringSubmatch(d); m != nil {
			return tr.N("reason.detail.old_post", atoi(m[1]), "limit", m[2])
		}
	case "first_time":
		if m := firstTimeDetail.FindStringSubmatch(d); m != nil {
			return tr.N("reason.detail.first_time", atoi(m[1]))
		}
	case "pre_moderation":
		if m := unknownMode.FindStringSubmatch(d); m != nil {
			return tr.T("reason.detail.pre_unknown", "mode", m[1])
		}
	case "banned", "shadow_ban":
		if m := banDetail.FindStringSubmatch(d); m != nil {
			kind := tr.T("bans.kind." + m[1])
			if m[2] == "" {
				return tr.T("reason.detail.ban", "kind", kind)
			}
			return tr.T("reason.detail.ban_note", "kind", kind, "note", m[2])
		}
	case "hold_word", "block_word":
		return wordsDetail(tr, d)
	case "flags":
		return flagsText(tr, d)
	case "imported":
		if m := importedDetail.FindStringSubmatch(d); m != nil {
			return tr.T("reason.detail.imported", "status", tr.T("value."+m[1]), "source", m[2])
		}
	}
	return d
}

// wordsDetail translates `"casino*" in body; "x" in website`.
func wordsDetail(tr *i18n.Translator, d string) string {
	parts := strings.Split(d, "; ")
	for i, p := range parts {
		m := wordDetail.FindStringSubmatch(p)
		if m == nil {
			return d
		}
		field := strings.ReplaceAll(strings.ToLower(m[2]), " ", "_")
		parts[i] = tr.T("reason.detail.word_in", "word", m[1], "field", tr.T("reason.field."+field))
	}
	return strings.Join(parts, "; ")
}

// flagsText translates `3 flags: spam ×2, off-topic — "note"`; the
// readers' own notes stay as they wrote them.
func flagsText(tr *i18n.Translator, d string) string {
	m := flagsDetail.FindStringSubmatch(d)
	if m == nil {
		return d
	}
	counts := strings.Split(m[2], ", ")
	for i, c := range counts {
		f := flagCount.FindStringSubmatch(c)
		if f == nil || !tr.Has("reason.flag."+strings.ReplaceAll(f[1], "-", "_")) {
			return d
		}
		key := "reason.flag." + strings.ReplaceAll(f[1], "-", "_")
		counts[i] = tr.T(key)
		if f[2] != "" {
			counts[i] += " ×" + f[2]
		}
	}
	out := tr.N("reason.detail.flags", atoi(m[1]), "list", strings.Join(counts, ", "))
	if m[3] != "" {
		out += " — " + m[3]
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
