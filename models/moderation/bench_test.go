package moderation

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkWordListMatch(b *testing.B) {
	patterns := make([]string, 200)
	for i := range patterns {
		patterns[i] = fmt.Sprintf("spamword%d*", i)
	}
	patterns = append(patterns, "casino", "*coin", "payday loan")
	w := NewWordList(patterns)
	text := strings.Repeat("A perfectly ordinary sentence about coins, a casino-free life and loans. ", 130) // ~10 KB
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, ok := w.Match(text); !ok {
			b.Fatal("no match")
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	in := Input{
		Body:  strings.Repeat("Some text with https://example.org/link and words. ", 40),
		Mode:  "smart",
		Rules: input(nil).Rules,
	}
	in.Rules.BlockWords = []string{"casino*", "viagra", "*coin"}
	in.Rules.HoldWords = []string{"payday loan*", "seo"}
	for b.Loop() {
		if v := Check(in); v.Status != "pending" {
			b.Fatalf("status = %q, want pending", v.Status)
		}
	}
}
