package moderation

import (
	"encoding/json"
	"reflect"
	"testing"

	"parley/models"
)

// The rule settings and presets live in package models, which this
// package's tests may cover without adding files there.

func TestRuleSettingsDefaultsAndNormalized(t *testing.T) {
	d := models.DefaultRuleSettings()
	if d.MaxLinks != 2 || d.TrustAfter != 1 || d.FlagThreshold != 3 || d.OldPostDays != 0 ||
		len(d.HoldWords) != 0 || len(d.BlockWords) != 0 {
		t.Fatalf("defaults = %+v", d)
	}
	if !reflect.DeepEqual(d.Normalized(), d) {
		t.Errorf("defaults change when normalized: %+v", d.Normalized())
	}

	none := []string{}
	tests := []struct {
		name string
		in   models.RuleSettings
		want models.RuleSettings
	}{
		{"zero keeps off switches and fills the rest",
			models.RuleSettings{},
			models.RuleSettings{HoldWords: none, BlockWords: none, TrustAfter: 1, FlagThreshold: 3}},
		{"negatives",
			models.RuleSettings{MaxLinks: -1, OldPostDays: -3, TrustAfter: -2, FlagThreshold: -1},
			models.RuleSettings{HoldWords: none, BlockWords: none, TrustAfter: 1, FlagThreshold: 3}},
		{"explicit values kept",
			models.RuleSettings{MaxLinks: 5, OldPostDays: 30, TrustAfter: 4, FlagThreshold: 10},
			models.RuleSettings{MaxLinks: 5, HoldWords: none, BlockWords: none, OldPostDays: 30, TrustAfter: 4, FlagThreshold: 10}},
		{"patterns trimmed, emptied and deduplicated",
			models.RuleSettings{HoldWords: []string{" casino* ", "", "payday   loan", "casino*"}, BlockWords: []string{"  "}},
			models.RuleSettings{HoldWords: []string{"casino*", "payday loan"}, BlockWords: none, TrustAfter: 1, FlagThreshold: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Normalized(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Normalized() = %+v, want %+v", got, tt.want)
			}
		})
	}

	orig := []string{" a "}
	_ = models.RuleSettings{HoldWords: orig}.Normalized()
	if orig[0] != " a " {
		t.Error("Normalized modified the caller's slice")
	}
}

func TestRuleSettingsIsZero(t *testing.T) {
	var decoded struct {
		Rules models.RuleSettings `json:"rules"`
	}
	if err := json.Unmarshal([]byte(`{"moderation":"pre"}`), &decoded); err != nil {
		t.Fatal(err)
	}
	if !decoded.Rules.IsZero() {
		t.Error("rules missing from the document are not zero")
	}
	if models.DefaultRuleSettings().IsZero() || (models.RuleSettings{}).Normalized().IsZero() {
		t.Error("defaults or normalized rules report zero")
	}
	for _, p := range models.Presets() {
		if p.Rules.IsZero() {
			t.Errorf("preset %s rules are zero", p.ID)
		}
	}
}

func TestRuleSettingsJSON(t *testing.T) {
	b, err := json.Marshal(models.DefaultRuleSettings())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"max_links":2,"hold_words":[],"block_words":[],"old_post_days":0,"trust_after":1,"flag_threshold":3}`
	if string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}

func TestPresets(t *testing.T) {
	ps := models.Presets()
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
		if p.Name == "" || p.Description == "" {
			t.Errorf("preset %q lacks a name or description", p.ID)
		}
		if !reflect.DeepEqual(p.Rules.Normalized(), p.Rules) {
			t.Errorf("preset %q rules are not normalized: %+v", p.ID, p.Rules)
		}
		switch p.Moderation {
		case models.ModerationPre, models.ModerationPost, models.ModerationSmart:
		default:
			t.Errorf("preset %q has mode %q", p.ID, p.Moderation)
		}
		if got, ok := models.PresetByID(p.ID); !ok || !reflect.DeepEqual(got, p) {
			t.Errorf("PresetByID(%q) = %+v, %v", p.ID, got, ok)
		}
	}
	if want := []string{models.PresetOff, models.PresetBalanced, models.PresetStrict}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("preset IDs = %v, want %v", ids, want)
	}
	if _, ok := models.PresetByID("nope"); ok {
		t.Error("PresetByID found an unknown preset")
	}

	off, balanced, strict := ps[0], ps[1], ps[2]
	if off.Moderation != models.ModerationPost || off.Rules.MaxLinks != 0 || off.Rules.OldPostDays != 0 ||
		len(off.Rules.HoldWords)+len(off.Rules.BlockWords) != 0 {
		t.Errorf("off = %+v", off)
	}
	wantBalanced := models.DefaultRuleSettings()
	if balanced.Moderation != models.ModerationSmart || !reflect.DeepEqual(balanced.Rules, wantBalanced) {
		t.Errorf("balanced = %+v", balanced)
	}
	if strict.Moderation != models.ModerationPre || strict.Rules.MaxLinks != 1 || strict.Rules.OldPostDays != 14 ||
		len(strict.Rules.HoldWords) == 0 {
		t.Errorf("strict = %+v", strict)
	}

	// Presets are fresh values: changing one does not change the next call.
	ps[2].Rules.HoldWords[0] = "changed"
	if models.Presets()[2].Rules.HoldWords[0] == "changed" {
		t.Error("Presets shares slices between calls")
	}
}

// TestPresetsBehavior runs the default chain under each preset.
func TestPresetsBehavior(t *testing.T) {
	linky := "https://a.example https://b.example https://c.example"
	tests := []struct {
		preset  string
		body    string
		trusted bool
		old     bool
		want    models.Status
		codes   []string
	}{
		{models.PresetOff, linky, false, true, models.StatusApproved, nil},
		{models.PresetOff, "best casinos", false, false, models.StatusApproved, nil},
		{models.PresetBalanced, "hello", false, false, models.StatusPending, []string{CodeFirstTime}},
		{models.PresetBalanced, "hello", true, true, models.StatusApproved, nil},
		{models.PresetBalanced, linky, true, false, models.StatusPending, []string{CodeLinks}},
		{models.PresetStrict, "hello", true, false, models.StatusPending, []string{CodePreModeration}},
		{models.PresetStrict, "best casinos https://a.example https://b.example", true, true, models.StatusPending,
			[]string{CodeLinks, CodeHoldWord, CodeOldPost, CodePreModeration}},
	}
	for _, tt := range tests {
		p, ok := models.PresetByID(tt.preset)
		if !ok {
			t.Fatalf("no preset %q", tt.preset)
		}
		in := Input{Body: tt.body, Mode: p.Moderation, Rules: p.Rules, Now: testNow, Trusted: tt.trusted}
		if tt.old {
			in.PostPublishedAt = daysAgo(365)
		}
		v := Check(in)
		if v.Status != tt.want || !reflect.DeepEqual(codes(v), tt.codes) {
			t.Errorf("%s %q trusted=%v old=%v: %q %v, want %q %v",
				tt.preset, tt.body, tt.trusted, tt.old, v.Status, codes(v), tt.want, tt.codes)
		}
	}
}
