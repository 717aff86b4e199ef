package store_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"parley/models"
	"parley/models/store"
)

// exportBenchComments is how many comments the export benchmarks dump.
const exportBenchComments = 10_000

// BenchmarkExport writes a dump of every site to a writer that drops it:
// the reading and encoding behind "parley export", per comment.
func BenchmarkExport(b *testing.B) {
	s, post := benchStore(b)
	benchSeed(b, s, post.ThreadID, exportBenchComments, models.StatusApproved)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Export(ctx, io.Discard, store.ExportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*exportBenchComments), "ns/comment")
}

// BenchmarkExportFile writes the same dump gzipped to a file, as
// /admin/export and PostgreSQL's scheduled backups do.
func BenchmarkExportFile(b *testing.B) {
	s, post := benchStore(b)
	benchSeed(b, s, post.ThreadID, exportBenchComments, models.StatusApproved)
	ctx := context.Background()
	dir := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		dest := filepath.Join(dir, fmt.Sprintf("dump-%d.json.gz", i))
		if err := s.ExportFile(ctx, dest, store.ExportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*exportBenchComments), "ns/comment")
}
