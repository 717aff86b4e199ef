package models

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchThread builds a flat thread of n comments as the store returns it:
// in creation order, about half of them replies to a random earlier
// comment (depth capped at 5), one in twenty held or removed.
func benchThread(n int) []Comment {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	flat := make([]Comment, n)
	for i := range flat {
		c := Comment{ID: uint(i + 1), Author: fmt.Sprintf("Reader %d", i%97), Status: StatusApproved,
			HTML: "<p>A comment.</p>", Score: rng.IntN(5), CreatedAt: start.Add(time.Duration(i) * time.Minute)}
		if i > 0 && rng.IntN(2) == 0 {
			p := &flat[rng.IntN(i)]
			for p.Depth >= 5 && p.ParentID != nil {
				p = &flat[*p.ParentID-1]
			}
			id := p.ID
			c.ParentID, c.Depth = &id, p.Depth+1
		}
		switch rng.IntN(20) {
		case 0:
			c.Status = StatusPending
		case 1:
			c.Status = StatusRemoved
		}
		flat[i] = c
	}
	return flat
}

func BenchmarkBuildTree(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		flat := benchThread(n)
		for _, sortBy := range []string{SortOldest, SortTop} {
			b.Run(fmt.Sprintf("comments=%d/sort=%s", n, sortBy), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					roots, public := BuildTree(flat, sortBy)
					if len(roots) == 0 || public == 0 {
						b.Fatal("empty tree")
					}
				}
			})
		}
	}
}
