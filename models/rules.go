package models

import "strings"

// RuleSettings are a site's automatic moderation rules. The engine that
// applies them lives in package models/moderation.
//
// Zero values that mean "off":
//   - MaxLinks 0: no link limit.
//   - OldPostDays 0: comments on old posts are not held.
//   - empty HoldWords / BlockWords: no word rule.
//
// Zero values that are not meaningful and that Normalized replaces with the
// default: TrustAfter 0 and FlagThreshold 0.
//
// A document stored before the site had rule settings decodes to the zero
// RuleSettings, which is "links unlimited"; use IsZero to detect it and
// start from DefaultRuleSettings instead.
type RuleSettings struct {
	// MaxLinks holds a comment with more than this many distinct links.
	MaxLinks int `json:"max_links"`
	// HoldWords are word patterns that hold a comment for review.
	HoldWords []string `json:"hold_words"`
	// BlockWords are word patterns that send a comment to spam.
	BlockWords []string `json:"block_words"`
	// OldPostDays holds comments on posts published more than this many
	// days ago.
	OldPostDays int `json:"old_post_days"`
	// TrustAfter is the number of approved comments under a commenter key
	// after which smart moderation publishes the commenter's comments.
	TrustAfter int `json:"trust_after"`
	// FlagThreshold is the number of reader flags that hide a comment
	// pending review.
	FlagThreshold int `json:"flag_threshold"`
}

// Default rule values.
const (
	DefaultMaxLinks      = 2
	DefaultTrustAfter    = 1
	DefaultFlagThreshold = 3
)

// DefaultRuleSettings are the rules a new site starts with.
func DefaultRuleSettings() RuleSettings {
	return RuleSettings{
		MaxLinks:      DefaultMaxLinks,
		HoldWords:     []string{},
		BlockWords:    []string{},
		TrustAfter:    DefaultTrustAfter,
		FlagThreshold: DefaultFlagThreshold,
	}
}

// IsZero reports whether r is the zero value, as decoded from a settings
// document that has no rules. Normalized never returns a zero value.
func (r RuleSettings) IsZero() bool {
	return r.MaxLinks == 0 && len(r.HoldWords) == 0 && len(r.BlockWords) == 0 &&
		r.OldPostDays == 0 && r.TrustAfter == 0 && r.FlagThreshold == 0
}

// Normalized returns r with negative limits turned off, TrustAfter and
// FlagThreshold defaulted when not positive, and word patterns trimmed,
// with empty and repeated patterns dropped and nil lists made empty. It
// does not modify r's slices.
func (r RuleSettings) Normalized() RuleSettings {
	d := DefaultRuleSettings()
	if r.MaxLinks < 0 {
		r.MaxLinks = 0
	}
	if r.OldPostDays < 0 {
		r.OldPostDays = 0
	}
	if r.TrustAfter <= 0 {
		r.TrustAfter = d.TrustAfter
	}
	if r.FlagThreshold <= 0 {
		r.FlagThreshold = d.FlagThreshold
	}
	r.HoldWords = cleanPatterns(r.HoldWords)
	r.BlockWords = cleanPatterns(r.BlockWords)
	return r
}

// cleanPatterns trims every pattern and drops empty and repeated ones,
// keeping the first occurrence's order. It never returns nil, so that the
// lists encode as [] rather than null.
func cleanPatterns(in []string) []string {
	out := []string{}
	seen := make(map[string]bool, len(in))
	for _, p := range in {
		p = strings.Join(strings.Fields(p), " ")
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}

// Preset IDs.
const (
	PresetOff      = "off"
	PresetBalanced = "balanced"
	PresetStrict   = "strict"
)

// Preset is a named combination of moderation mode and rules that a site
// owner can apply in one step.
type Preset struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Moderation  string       `json:"moderation"`
	Rules       RuleSettings `json:"rules"`
}

// Presets returns the presets in the order the settings page shows them:
// Off, Balanced, Strict. Every call returns fresh values.
func Presets() []Preset {
	off := DefaultRuleSettings()
	off.MaxLinks = 0

	strict := DefaultRuleSettings()
	strict.MaxLinks = 1
	strict.OldPostDays = 14
	strict.FlagThreshold = 2
	strict.HoldWords = []string{"casino*", "viagra", "cialis", "payday loan*", "seo service*", "backlink*"}

	return []Preset{
		{
			ID:          PresetOff,
			Name:        "Off",
			Description: "Publish every comment at once. No link limit and no word or old-post rules; bans, duplicates and the spam traps still apply.",
			Moderation:  ModerationPost,
			Rules:       off,
		},
		{
			ID:          PresetBalanced,
			Name:        "Balanced",
			Description: "Hold first-time commenters and comments with more than 2 links; publish returning commenters at once.",
			Moderation:  ModerationSmart,
			Rules:       DefaultRuleSettings(),
		},
		{
			ID:          PresetStrict,
			Name:        "Strict",
			Description: "Hold every comment for review, and note comments with more than 1 link, common spam words, or on posts older than 14 days.",
			Moderation:  ModerationPre,
			Rules:       strict,
		},
	}
}

// PresetByID returns the preset with the given ID.
func PresetByID(id string) (Preset, bool) {
	for _, p := range Presets() {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}
