package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// cancelAfter is a writer that ends an export's context once it has taken
// limit bytes, as an admin's browser going away does.
type cancelAfter struct {
	limit  int
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.n += len(p)
	if c.n >= c.limit {
		c.cancel()
	}
	return len(p), nil
}

// TestExportStopsWhenItsContextEnds: the pages are read without the
// context's cancellation (on SQLite), so the export must look at it
// between pages and stop there rather than dump everything.
func TestExportStopsWhenItsContextEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		post := bootstrapped(t, s)
		cs := make([]models.Comment, 5000)
		parents := make([]int, len(cs))
		for i := range cs {
			cs[i] = models.Comment{ThreadID: post.ThreadID, Author: "Reader", Body: strings.Repeat("word ", 40),
				HTML: "<p>" + strings.Repeat("word ", 40) + "</p>", Status: models.StatusApproved}
			parents[i] = -1
		}
		if err := s.SeedComments(context.Background(), cs, parents, 5); err != nil {
			t.Fatal(err)
		}
		var whole strings.Builder
		if err := s.Export(context.Background(), &whole, store.ExportOptions{}); err != nil {
			t.Fatal(err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := &cancelAfter{limit: 1, cancel: cancel}
		err := s.Export(ctx, w, store.ExportOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Export after its context ended = %v, want context.Canceled", err)
		}
		if w.n >= whole.Len()/2 {
			t.Errorf("the stopped export wrote %d of the dump's %d bytes", w.n, whole.Len())
		}

		dir := t.TempDir()
		dest := filepath.Join(dir, "dump.json.gz")
		if err := s.ExportFile(ctx, dest, store.ExportOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("ExportFile with an ended context = %v, want context.Canceled", err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("a stopped export left %d files behind", len(left))
		}
	})
}
