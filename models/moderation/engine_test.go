package moderation

import (
	"reflect"
	"testing"
	"time"

	"parley/models"
)

// fixed is a checker that always answers r.
func fixed(action Action, code string) Checker {
	return CheckerFunc(func(*Input) Result {
		return Result{Action: action, Reason: models.Reason{Code: code, Text: code}, Message: "msg " + code}
	})
}

func codes(v Verdict) []string {
	var out []string
	for _, r := range v.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func TestCombine(t *testing.T) {
	tests := []struct {
		name        string
		chain       []Checker
		wantStatus  models.Status
		wantCodes   []string
		wantRefusal string // refusal code, "" for none
	}{
		{name: "empty chain approves", wantStatus: models.StatusApproved},
		{name: "passes approve", chain: []Checker{fixed(Pass, "a"), fixed(Pass, "b")},
			wantStatus: models.StatusApproved},
		{name: "hold beats approve", chain: []Checker{fixed(Pass, "a"), fixed(Hold, "h")},
			wantStatus: models.StatusPending, wantCodes: []string{"h"}},
		{name: "spam beats hold whatever the order", chain: []Checker{fixed(Hold, "h"), fixed(Spam, "s"), fixed(Hold, "h2")},
			wantStatus: models.StatusSpam, wantCodes: []string{"h", "s", "h2"}},
		{name: "refusal beats spam", chain: []Checker{fixed(Spam, "s"), fixed(Refuse, "r"), fixed(Hold, "h")},
			wantStatus: models.StatusSpam, wantCodes: []string{"s", "r", "h"}, wantRefusal: "r"},
		{name: "first refusal wins", chain: []Checker{fixed(Refuse, "r1"), fixed(Refuse, "r2")},
			wantStatus: models.StatusSpam, wantCodes: []string{"r1", "r2"}, wantRefusal: "r1"},
		{name: "unknown action holds", chain: []Checker{fixed(Action(42), "x")},
			wantStatus: models.StatusPending, wantCodes: []string{"x"}},
		{name: "nil checkers are skipped", chain: []Checker{nil, fixed(Hold, "h"), nil},
			wantStatus: models.StatusPending, wantCodes: []string{"h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New(tt.chain...).Check(Input{Mode: models.ModerationPost})
			if v.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q", v.Status, tt.wantStatus)
			}
			if !reflect.DeepEqual(codes(v), tt.wantCodes) {
				t.Errorf("reasons = %v, want %v", codes(v), tt.wantCodes)
			}
			switch {
			case tt.wantRefusal == "" && v.Refusal != nil:
				t.Errorf("unexpected refusal %+v", v.Refusal)
			case tt.wantRefusal != "" && (v.Refusal == nil || v.Refusal.Code != tt.wantRefusal):
				t.Errorf("refusal = %+v, want code %q", v.Refusal, tt.wantRefusal)
			case tt.wantRefusal != "" && v.Refusal.Message != "msg "+tt.wantRefusal:
				t.Errorf("refusal message = %q", v.Refusal.Message)
			}
			if v.Refused() != (tt.wantRefusal != "") {
				t.Errorf("Refused() = %v", v.Refused())
			}
		})
	}
}

func TestCombineDefaultRefusalMessage(t *testing.T) {
	v := New(CheckerFunc(func(*Input) Result {
		return Result{Action: Refuse, Reason: models.Reason{Code: "custom"}}
	})).Check(Input{})
	if v.Refusal == nil || v.Refusal.Message != defaultRefusal {
		t.Fatalf("refusal = %+v, want default message", v.Refusal)
	}
}

func TestEngineNormalizesInput(t *testing.T) {
	var seen Input
	spy := CheckerFunc(func(in *Input) Result { seen = *in; return Result{} })
	before := time.Now()
	New(spy).Check(Input{Rules: models.RuleSettings{MaxLinks: -5, HoldWords: []string{" a ", "", "a"}}})
	if seen.Now.Before(before) {
		t.Errorf("Now = %v, want the current time", seen.Now)
	}
	if seen.Rules.MaxLinks != 0 || seen.Rules.TrustAfter != 1 || !reflect.DeepEqual(seen.Rules.HoldWords, []string{"a"}) {
		t.Errorf("rules not normalized: %+v", seen.Rules)
	}
}

// TestCheck runs the default chain end to end.
func TestCheck(t *testing.T) {
	threeLinks := "https://a.example https://b.example https://c.example"
	tests := []struct {
		name        string
		edit        func(in *Input)
		wantStatus  models.Status
		wantCodes   []string
		wantRefusal string
		wantShadow  bool
	}{
		// Modes.
		{name: "post: clean comment approved", wantStatus: models.StatusApproved},
		{name: "post: rule hit held",
			edit:       func(in *Input) { in.Body = threeLinks },
			wantStatus: models.StatusPending, wantCodes: []string{CodeLinks}},
		{name: "post: untrusted is not held",
			edit:       func(in *Input) { in.Trusted = false },
			wantStatus: models.StatusApproved},
		{name: "smart: untrusted held",
			edit:       func(in *Input) { in.Mode = models.ModerationSmart },
			wantStatus: models.StatusPending, wantCodes: []string{CodeFirstTime}},
		{name: "smart: trusted approved",
			edit:       func(in *Input) { in.Mode = models.ModerationSmart; in.Trusted = true },
			wantStatus: models.StatusApproved},
		{name: "smart: trusted with rule hit held",
			edit: func(in *Input) {
				in.Mode = models.ModerationSmart
				in.Trusted = true
				in.Body = threeLinks
			},
			wantStatus: models.StatusPending, wantCodes: []string{CodeLinks}},
		{name: "smart: untrusted with rule hit keeps both reasons",
			edit:       func(in *Input) { in.Mode = models.ModerationSmart; in.Body = threeLinks },
			wantStatus: models.StatusPending, wantCodes: []string{CodeLinks, CodeFirstTime}},
		{name: "pre: trusted still held",
			edit:       func(in *Input) { in.Mode = models.ModerationPre; in.Trusted = true },
			wantStatus: models.StatusPending, wantCodes: []string{CodePreModeration}},
		{name: "pre: spam stays spam",
			edit:       func(in *Input) { in.Mode = models.ModerationPre; in.HoneypotFilled = true },
			wantStatus: models.StatusSpam, wantCodes: []string{CodeHoneypot, CodePreModeration}},
		{name: "unknown mode is pre",
			edit:       func(in *Input) { in.Mode = "sometimes"; in.Trusted = true },
			wantStatus: models.StatusPending, wantCodes: []string{CodePreModeration}},

		// Precedence and order.
		{name: "closed thread refused before everything",
			edit: func(in *Input) {
				in.ThreadClosed = true
				in.Duplicate = true
				in.HoneypotFilled = true
				in.Mode = models.ModerationPre
			},
			wantStatus: models.StatusSpam, wantRefusal: CodeThreadClosed,
			wantCodes: []string{CodeThreadClosed, CodeDuplicate, CodeHoneypot, CodePreModeration}},
		{name: "ban refused",
			edit:       func(in *Input) { in.Ban = &BanMatch{Kind: "ip"}; in.Mode = models.ModerationSmart; in.Trusted = true },
			wantStatus: models.StatusSpam, wantRefusal: CodeBanned, wantCodes: []string{CodeBanned}},
		{name: "duplicate refused",
			edit:       func(in *Input) { in.Duplicate = true },
			wantStatus: models.StatusSpam, wantRefusal: CodeDuplicate, wantCodes: []string{CodeDuplicate}},
		{name: "shadow ban is spam shown to its author",
			edit:       func(in *Input) { in.Ban = &BanMatch{Kind: "key", Shadow: true} },
			wantStatus: models.StatusSpam, wantShadow: true, wantCodes: []string{CodeShadowBan}},
		{name: "shadow ban on a closed thread is a plain refusal",
			edit:       func(in *Input) { in.Ban = &BanMatch{Kind: "key", Shadow: true}; in.ThreadClosed = true },
			wantStatus: models.StatusSpam, wantRefusal: CodeThreadClosed, wantCodes: []string{CodeThreadClosed, CodeShadowBan}},
		{name: "block word beats hold word, all reasons kept in chain order",
			edit: func(in *Input) {
				in.Rules.BlockWords = []string{"casino*"}
				in.Rules.HoldWords = []string{"bonus"}
				in.Rules.OldPostDays = 7
				in.PostPublishedAt = daysAgo(30)
				in.Body = "bonus casinos " + threeLinks
				in.FormTooFast = true
				in.AkismetSpam = true
			},
			wantStatus: models.StatusSpam,
			wantCodes:  []string{CodeBlockWord, CodeAkismet, CodeTooFast, CodeLinks, CodeHoldWord, CodeOldPost}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{
				Body: "Thanks for the write-up.", HTML: "<p>Thanks for the write-up.</p>",
				Author: "Ada", Email: "ada@example.org", IP: "192.0.2.1", UserAgent: "Mozilla/5.0",
				Mode: models.ModerationPost, Rules: models.DefaultRuleSettings(), Now: testNow,
			}
			if tt.edit != nil {
				tt.edit(&in)
			}
			v := Check(in)
			if v.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q (reasons %v)", v.Status, tt.wantStatus, codes(v))
			}
			if !reflect.DeepEqual(codes(v), tt.wantCodes) {
				t.Errorf("reasons = %v, want %v", codes(v), tt.wantCodes)
			}
			gotRefusal := ""
			if v.Refusal != nil {
				gotRefusal = v.Refusal.Code
			}
			if gotRefusal != tt.wantRefusal {
				t.Errorf("refusal = %q, want %q", gotRefusal, tt.wantRefusal)
			}
			if v.Shadow != tt.wantShadow {
				t.Errorf("shadow = %v, want %v", v.Shadow, tt.wantShadow)
			}
			for _, c := range tt.wantCodes {
				if !v.HasReason(c) {
					t.Errorf("HasReason(%q) = false", c)
				}
			}
		})
	}
}

func TestClosedThreadMessage(t *testing.T) {
	v := Check(Input{ThreadClosed: true, Mode: models.ModerationPost})
	if v.Refusal == nil || v.Refusal.Message != "Comments are closed on this page." {
		t.Fatalf("refusal = %+v", v.Refusal)
	}
}
