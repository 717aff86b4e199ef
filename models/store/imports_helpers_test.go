package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/models"
	"parley/models/importer"
	"parley/models/markup"
	"parley/models/store"
)

// sharedImportsDir returns shared/testdata/imports found by walking up
// from the package directory (the AGPL-3.0 exports live there, outside the
// repository), or "" when there is none.
func sharedImportsDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "testdata", "imports")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// exportPath returns the path of a test export: the repository's copies
// of the MIT and Apache-2.0 files, or for shared ones the shared folder,
// skipping the test when that is absent.
func exportPath(t *testing.T, rel string, shared bool) string {
	t.Helper()
	if !shared {
		return filepath.Join("..", "importer", "testdata", rel)
	}
	dir := sharedImportsDir()
	if dir == "" {
		t.Skipf("%s is AGPL-3.0 and not in the repository; no shared/testdata/imports above the package", rel)
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is AGPL-3.0 and not in the repository; not found in %s", rel, dir)
	}
	return p
}

// importOpts returns options with the real sanitizers.
func importOpts(format, site string, maps ...importer.Mapping) store.ImportOptions {
	md := markup.New()
	return store.ImportOptions{Format: format, SiteID: site, Mappings: maps, Sanitize: md.Sanitize, SanitizePost: md.SanitizePost}
}

func importFile(t *testing.T, s *store.Store, path string, opts store.ImportOptions) models.ImportResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := s.Import(context.Background(), f, opts)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return res
}

func importString(t *testing.T, s *store.Store, src string, opts store.ImportOptions) models.ImportResult {
	t.Helper()
	res, err := s.Import(context.Background(), strings.NewReader(src), opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// snapshot is what a test compares between two imports of the same file.
type snapshot struct {
	dump string
}

func takeSnapshot(t *testing.T, s *store.Store) snapshot {
	t.Helper()
	var b strings.Builder
	if err := s.Export(context.Background(), &b, store.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	return snapshot{dump: b.String()}
}

// comment returns an imported comment by its external id.
func importedComment(t *testing.T, s *store.Store, site, source, ext string) models.Comment {
	t.Helper()
	c, err := s.CommentByExternal(context.Background(), site, source, ext)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// threadOf returns the page key of a comment's thread.
func threadOf(t *testing.T, s *store.Store, c models.Comment) models.Thread {
	t.Helper()
	th, err := s.ThreadByID(context.Background(), c.ThreadID)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// dump is a parsed export.
type dump struct {
	Format      string                 `json:"format"`
	Version     int                    `json:"version"`
	Sites       []store.DumpSite       `json:"sites"`
	Moderators  []store.DumpModerator  `json:"moderators"`
	Posts       []store.DumpPost       `json:"posts"`
	Threads     []store.DumpThread     `json:"threads"`
	Comments    []store.DumpComment    `json:"comments"`
	Redirects   []store.DumpRedirect   `json:"redirects"`
	Bans        []store.DumpBan        `json:"bans"`
	Subscribers []store.DumpSubscriber `json:"subscribers"`
	Audit       []store.DumpAudit      `json:"audit"`
}

func parseDump(t *testing.T, s string) dump {
	t.Helper()
	var d dump
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("dump is not JSON: %v", err)
	}
	return d
}
