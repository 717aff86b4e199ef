package moderation

import (
	"errors"
	"testing"
	"time"

	"parley/models"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) *time.Time {
	t := testNow.Add(-time.Duration(n) * 24 * time.Hour)
	return &t
}

// input returns a harmless post-mode input with normalized default rules,
// as Engine.Check would pass it, after applying edit.
func input(edit func(in *Input)) *Input {
	in := &Input{
		Body:      "Nice article, thanks!",
		HTML:      "<p>Nice article, thanks!</p>",
		Author:    "Ada",
		Email:     "ada@example.org",
		IP:        "192.0.2.10",
		UserAgent: "Mozilla/5.0",
		Mode:      models.ModerationPost,
		Rules:     models.DefaultRuleSettings(),
		Now:       testNow,
	}
	if edit != nil {
		edit(in)
	}
	in.Rules = in.Rules.Normalized()
	return in
}

func TestCheckers(t *testing.T) {
	tests := []struct {
		name       string
		checker    Checker
		edit       func(in *Input)
		wantAction Action
		wantCode   string
		wantDetail string
		wantMsg    string
		wantShadow bool
	}{
		{name: "closed: open thread passes", checker: ClosedThread{}},
		{name: "closed: closed thread refused", checker: ClosedThread{},
			edit:       func(in *Input) { in.ThreadClosed = true },
			wantAction: Refuse, wantCode: CodeThreadClosed, wantMsg: "Comments are closed on this page."},

		{name: "ban: none passes", checker: Ban{}},
		{name: "ban: refused", checker: Ban{},
			edit:       func(in *Input) { in.Ban = &BanMatch{Kind: "ip", Note: "troll"} },
			wantAction: Refuse, wantCode: CodeBanned, wantDetail: "ip ban: troll", wantMsg: MsgBanned},
		{name: "ban: without kind or note", checker: Ban{},
			edit:       func(in *Input) { in.Ban = &BanMatch{} },
			wantAction: Refuse, wantCode: CodeBanned, wantDetail: "ban", wantMsg: MsgBanned},
		{name: "ban: shadow is spam", checker: Ban{},
			edit:       func(in *Input) { in.Ban = &BanMatch{Kind: "email", Shadow: true} },
			wantAction: Spam, wantCode: CodeShadowBan, wantDetail: "email ban", wantShadow: true},

		{name: "duplicate: fresh passes", checker: Duplicate{}},
		{name: "duplicate: refused", checker: Duplicate{},
			edit:       func(in *Input) { in.Duplicate = true },
			wantAction: Refuse, wantCode: CodeDuplicate, wantDetail: "same text from the same commenter within a day", wantMsg: MsgDuplicate},

		{name: "honeypot: empty passes", checker: Honeypot{}},
		{name: "honeypot: filled is spam", checker: Honeypot{},
			edit:       func(in *Input) { in.HoneypotFilled = true },
			wantAction: Spam, wantCode: CodeHoneypot, wantDetail: "the hidden form field was filled in"},

		{name: "akismet: ham passes", checker: Akismet{}},
		{name: "akismet: discard alone is ignored", checker: Akismet{},
			edit: func(in *Input) { in.AkismetDiscard = true }},
		{name: "akismet: spam", checker: Akismet{},
			edit:       func(in *Input) { in.AkismetSpam = true },
			wantAction: Spam, wantCode: CodeAkismet},
		{name: "akismet: spam with discard hint", checker: Akismet{},
			edit:       func(in *Input) { in.AkismetSpam, in.AkismetDiscard = true, true },
			wantAction: Spam, wantCode: CodeAkismet, wantDetail: "blatant spam (discard hint)"},

		{name: "too fast: normal passes", checker: TooFast{}},
		{name: "too fast: spam", checker: TooFast{},
			edit:       func(in *Input) { in.FormTooFast = true },
			wantAction: Spam, wantCode: CodeTooFast, wantDetail: "sent sooner than a person could write it"},

		{name: "links: two of two pass", checker: Links{},
			edit: func(in *Input) { in.Body = "see https://a.example and https://b.example" }},
		{name: "links: three of two held", checker: Links{},
			edit:       func(in *Input) { in.Body = "https://a.example https://b.example https://c.example" },
			wantAction: Hold, wantCode: CodeLinks, wantDetail: "3 links, limit 2"},
		{name: "links: html and body counted once", checker: Links{},
			edit: func(in *Input) {
				in.Body = "[a](https://a.example) [b](https://b.example)"
				in.HTML = `<p><a href="https://a.example">a</a> <a href="https://b.example">b</a></p>`
			}},
		{name: "links: html-only links count", checker: Links{},
			edit: func(in *Input) {
				in.HTML = `<a href="https://a.example">a</a><a href="https://b.example">b</a><a href="https://c.example">c</a>`
			},
			wantAction: Hold, wantCode: CodeLinks, wantDetail: "3 links, limit 2"},
		{name: "links: limit 0 is off", checker: Links{},
			edit: func(in *Input) {
				in.Rules.MaxLinks = 0
				in.Body = "https://a.example https://b.example https://c.example"
			}},
		{name: "links: limit 1", checker: Links{},
			edit: func(in *Input) {
				in.Rules.MaxLinks = 1
				in.Body = "https://a.example https://b.example"
			},
			wantAction: Hold, wantCode: CodeLinks, wantDetail: "2 links, limit 1"},

		{name: "block words: none configured", checker: BlockWords{},
			edit: func(in *Input) { in.Body = "cheap casino" }},
		{name: "block words: body hit is spam", checker: BlockWords{},
			edit: func(in *Input) {
				in.Rules.BlockWords = []string{"casino*"}
				in.Body = "Best CASINOS here"
			},
			wantAction: Spam, wantCode: CodeBlockWord, wantDetail: `"casino*" in body`},
		{name: "block words: every matching field is named", checker: BlockWords{},
			edit: func(in *Input) {
				in.Rules.BlockWords = []string{"viagra", "casino*"}
				in.Body = "hello casino"
				in.Website = "https://viagra.example"
				in.UserAgent = "CasinoBot/1.0"
			},
			wantAction: Spam, wantCode: CodeBlockWord,
			wantDetail: `"casino*" in body; "viagra" in website; "casino*" in user agent`},
		{name: "block words: IP pattern", checker: BlockWords{},
			edit: func(in *Input) {
				in.Rules.BlockWords = []string{"203.0.113.*"}
				in.IP = "203.0.113.77"
			},
			wantAction: Spam, wantCode: CodeBlockWord, wantDetail: `"203.0.113.*" in IP`},
		{name: "block words: precompiled list overrides rules", checker: BlockWords{List: NewWordList([]string{"ada"})},
			edit: func(in *Input) {
				in.Rules.BlockWords = []string{"nothing-here"}
			},
			wantAction: Spam, wantCode: CodeBlockWord, wantDetail: `"ada" in author; "ada" in email`},

		{name: "hold words: no hit", checker: HoldWords{},
			edit: func(in *Input) { in.Rules.HoldWords = []string{"crypto"} }},
		{name: "hold words: email hit is held", checker: HoldWords{},
			edit: func(in *Input) {
				in.Rules.HoldWords = []string{"*@spam.example"}
				in.Email = "bob@spam.example"
			},
			wantAction: Hold, wantCode: CodeHoldWord, wantDetail: `"*@spam.example" in email`},

		{name: "old post: off by default", checker: OldPost{},
			edit: func(in *Input) { in.PostPublishedAt = daysAgo(400) }},
		{name: "old post: page without post", checker: OldPost{},
			edit: func(in *Input) { in.Rules.OldPostDays = 14 }},
		{name: "old post: exactly at the limit passes", checker: OldPost{},
			edit: func(in *Input) { in.Rules.OldPostDays = 14; in.PostPublishedAt = daysAgo(14) }},
		{name: "old post: older is held", checker: OldPost{},
			edit:       func(in *Input) { in.Rules.OldPostDays = 14; in.PostPublishedAt = daysAgo(40) },
			wantAction: Hold, wantCode: CodeOldPost, wantDetail: "post published 40 days ago, limit 14"},

		{name: "pre: post mode passes", checker: PreModeration{}},
		{name: "pre: smart mode passes", checker: PreModeration{},
			edit: func(in *Input) { in.Mode = models.ModerationSmart }},
		{name: "pre: pre mode holds", checker: PreModeration{},
			edit:       func(in *Input) { in.Mode = models.ModerationPre },
			wantAction: Hold, wantCode: CodePreModeration, wantDetail: "the site holds every new comment"},
		{name: "pre: unknown mode holds", checker: PreModeration{},
			edit:       func(in *Input) { in.Mode = "" },
			wantAction: Hold, wantCode: CodePreModeration, wantDetail: `unknown moderation mode "" treated as pre-moderation`},

		{name: "first time: post mode passes", checker: FirstTime{}},
		{name: "first time: pre mode passes", checker: FirstTime{},
			edit: func(in *Input) { in.Mode = models.ModerationPre }},
		{name: "first time: smart trusted passes", checker: FirstTime{},
			edit: func(in *Input) { in.Mode = models.ModerationSmart; in.Trusted = true }},
		{name: "first time: smart untrusted held", checker: FirstTime{},
			edit:       func(in *Input) { in.Mode = models.ModerationSmart },
			wantAction: Hold, wantCode: CodeFirstTime, wantDetail: "trusted after 1 approved comment"},
		{name: "first time: plural", checker: FirstTime{},
			edit:       func(in *Input) { in.Mode = models.ModerationSmart; in.Rules.TrustAfter = 3 },
			wantAction: Hold, wantCode: CodeFirstTime, wantDetail: "trusted after 3 approved comments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.edit)
			got := tt.checker.Check(in)
			if got.Action != tt.wantAction {
				t.Fatalf("action = %v, want %v (reason %+v)", got.Action, tt.wantAction, got.Reason)
			}
			if tt.wantAction == Pass {
				return
			}
			if got.Reason.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", got.Reason.Code, tt.wantCode)
			}
			if got.Reason.Text == "" {
				t.Error("reason text is empty")
			}
			if tt.wantDetail != "" && got.Reason.Detail != tt.wantDetail {
				t.Errorf("detail = %q, want %q", got.Reason.Detail, tt.wantDetail)
			}
			if got.Message != tt.wantMsg {
				t.Errorf("message = %q, want %q", got.Message, tt.wantMsg)
			}
			if got.Shadow != tt.wantShadow {
				t.Errorf("shadow = %v, want %v", got.Shadow, tt.wantShadow)
			}
		})
	}
}

func TestCheckersDoNotModifyInput(t *testing.T) {
	in := input(func(in *Input) {
		in.Rules.BlockWords = []string{"casino"}
		in.Rules.HoldWords = []string{"hello"}
		in.Body = "hello casino https://a.example https://b.example https://c.example"
	})
	before := *in
	for _, c := range DefaultCheckers() {
		c.Check(in)
	}
	if in.Body != before.Body || in.Rules.MaxLinks != before.Rules.MaxLinks ||
		len(in.Rules.BlockWords) != 1 || in.Rules.BlockWords[0] != "casino" {
		t.Fatalf("input modified: %+v", in)
	}
}

func TestRefusalError(t *testing.T) {
	closed := &Refusal{Code: CodeThreadClosed, Message: MsgThreadClosed}
	if !errors.Is(closed, models.ErrThreadClosed) {
		t.Error("closed-thread refusal does not match models.ErrThreadClosed")
	}
	if closed.Error() != MsgThreadClosed {
		t.Errorf("Error() = %q", closed.Error())
	}
	dup := &Refusal{Code: CodeDuplicate, Message: MsgDuplicate}
	if errors.Is(dup, models.ErrThreadClosed) {
		t.Error("duplicate refusal matches models.ErrThreadClosed")
	}
}
