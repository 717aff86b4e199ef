package importer

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// result is everything one read yielded, in order and by kind.
type result struct {
	items    []Item
	threads  []Thread
	posts    []Post
	comments []Comment
	skips    []Skip
	sum      Summary
}

func (r *result) comment(t *testing.T, id string) Comment {
	t.Helper()
	for _, c := range r.comments {
		if c.ExternalID == id {
			return c
		}
	}
	t.Fatalf("no comment %q", id)
	return Comment{}
}

func (r *result) thread(t *testing.T, id string) Thread {
	t.Helper()
	for _, th := range r.threads {
		if th.ExternalID == id {
			return th
		}
	}
	t.Fatalf("no thread %q", id)
	return Thread{}
}

func (r *result) post(t *testing.T, id string) Post {
	t.Helper()
	for _, p := range r.posts {
		if p.ExternalID == id {
			return p
		}
	}
	t.Fatalf("no post %q", id)
	return Post{}
}

// read runs Read and collects what it yields.
func read(format string, in io.Reader, opts Options) (*result, error) {
	res := &result{}
	sum, err := Read(format, in, opts, func(it Item) error {
		res.items = append(res.items, it)
		switch v := it.(type) {
		case Thread:
			res.threads = append(res.threads, v)
		case Post:
			res.posts = append(res.posts, v)
		case Comment:
			res.comments = append(res.comments, v)
		case Skip:
			res.skips = append(res.skips, v)
		}
		return nil
	})
	res.sum = sum
	return res, err
}

// readString reads an export held in a string; the read must succeed.
func readString(t *testing.T, format, src string, opts Options) *result {
	t.Helper()
	res, err := read(format, strings.NewReader(src), opts)
	if err != nil {
		t.Fatalf("read %s: %v", format, err)
	}
	return res
}

// sharedImports returns the shared/testdata/imports directory found by
// walking up from the working directory (the AGPL-3.0 exports live there
// and are not copied into this repository), or "" if there is none.
func sharedImports() string {
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

// openExport opens a test export: from testdata/ or, for shared ones, from
// the shared directory, skipping the test when that is absent.
func openExport(t *testing.T, rel string, shared bool) *os.File {
	t.Helper()
	path := filepath.Join("testdata", rel)
	if shared {
		dir := sharedImports()
		if dir == "" {
			t.Skipf("%s is AGPL-3.0 and not copied into testdata; no shared/testdata/imports directory above %s", rel, mustWd())
		}
		path = filepath.Join(dir, rel)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("%s is AGPL-3.0 and not copied into testdata; not found in %s", rel, dir)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustWd() string {
	wd, _ := os.Getwd()
	return wd
}
