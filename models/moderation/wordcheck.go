package moderation

import (
	"fmt"
	"strings"

	"parley/models"
)

// BlockWords sends to spam a comment in which a block-list pattern matches
// any field (see matchFields). List overrides Rules.BlockWords when set;
// otherwise the patterns are compiled on each call.
type BlockWords struct {
	List *WordList
}

// Check implements Checker.
func (c BlockWords) Check(in *Input) Result {
	list := c.List
	if list == nil {
		list = NewWordList(in.Rules.BlockWords)
	}
	detail, ok := matchFields(list, in)
	if !ok {
		return Result{}
	}
	return Result{
		Action: Spam,
		Reason: models.Reason{Code: CodeBlockWord, Text: "Blocked word", Detail: detail},
	}
}

// HoldWords holds a comment in which a hold-list pattern matches any
// field (see matchFields). List overrides Rules.HoldWords when set;
// otherwise the patterns are compiled on each call.
type HoldWords struct {
	List *WordList
}

// Check implements Checker.
func (c HoldWords) Check(in *Input) Result {
	list := c.List
	if list == nil {
		list = NewWordList(in.Rules.HoldWords)
	}
	detail, ok := matchFields(list, in)
	if !ok {
		return Result{}
	}
	return Result{
		Action: Hold,
		Reason: models.Reason{Code: CodeHoldWord, Text: "Held word", Detail: detail},
	}
}

// matchFields matches list against the body, author, email, website, IP
// and user agent of in. The detail names the first matching pattern of
// every matching field, in that order: `"casino*" in body; "casino*" in
// website`.
func matchFields(list *WordList, in *Input) (detail string, ok bool) {
	if list.Len() == 0 {
		return "", false
	}
	fields := [...]struct{ name, text string }{
		{"body", in.Body},
		{"author", in.Author},
		{"email", in.Email},
		{"website", in.Website},
		{"IP", in.IP},
		{"user agent", in.UserAgent},
	}
	var hits []string
	for _, f := range fields {
		if p, ok := list.Match(f.text); ok {
			hits = append(hits, fmt.Sprintf("%q in %s", p, f.name))
		}
	}
	return strings.Join(hits, "; "), len(hits) > 0
}
