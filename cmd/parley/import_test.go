package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"parley/models"
	"parley/models/store"
)

// runCmd runs one subcommand in-process on the database db.
func runCmd(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"PARLEY_DB": db}
	code = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// testExport is the path of one of the importer's test exports.
func testExport(rel string) string {
	return filepath.Join("..", "..", "models", "importer", "testdata", rel)
}

func openTestStore(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestImportCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	code, out, errOut := runCmd(t, db, "import", "disqus", testExport("disqus/isso_disqus.xml"))
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"(disqus) into site default:", "threads: 2", "comments: 5 (4 approved, 1 removed)",
		"skipped: 2", "disqus post 6: unknown thread 1337"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// Not a terminal: plain progress lines, no carriage returns.
	if !strings.Contains(errOut, "5 comments") || strings.Contains(errOut, "\r") {
		t.Errorf("progress on a pipe: %q", errOut)
	}
	code, out, errOut = runCmd(t, db, "import", "disqus", testExport("disqus/isso_disqus.xml"))
	if code != 0 || !strings.Contains(out, "comments: 0\n") || !strings.Contains(out, "already there, left alone: 7") {
		t.Errorf("second import: exit %d:\n%s%s", code, out, errOut)
	}

	// Blogger into the blog: posts at /posts/<slug>, flags after the file.
	code, out, errOut = runCmd(t, db, "import", "blogger", testExport("blogger/ghost-importer_blogger.xml"), "--map", "/x/=/y/")
	if code != 0 || !strings.Contains(out, "posts: 5") || !strings.Contains(out, "redirects from old addresses: 5") {
		t.Fatalf("blogger: exit %d:\n%s%s", code, out, errOut)
	}
	// Into another site: only comments, by old path; the site is created.
	code, out, errOut = runCmd(t, db, "import", "--site", "oldblog", "blogger", testExport("blogger/ghost-importer_blogger.xml"))
	if code != 0 || !strings.Contains(out, "into site oldblog") || !strings.Contains(out, "sites created: 1") ||
		strings.Contains(out, "posts:") {
		t.Fatalf("blogger --site: exit %d:\n%s%s", code, out, errOut)
	}
	st := openTestStore(t, db)
	ctx := context.Background()
	if p, err := st.PostBySlug(ctx, models.DefaultSiteID, "feedback"); err != nil || p.Count != 13 {
		t.Errorf("imported page: %+v, %v", p, err)
	}
	if th, err := st.Thread(ctx, "oldblog", "/p/feedback.html"); err != nil || th.Count != 13 {
		t.Errorf("comments by old path: %+v, %v", th, err)
	}
}

func TestImportCommandMappings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	code, _, errOut := runCmd(t, db, "import", "wordpress", testExport("wordpress/isso_wordpress.xml"),
		"--map", "/2014/=/archive/2014/", "--map", "/?=/legacy?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	st := openTestStore(t, db)
	for _, page := range []string{"/archive/2014/test/", "/legacy?p=4"} {
		if _, err := st.Thread(context.Background(), models.DefaultSiteID, page); err != nil {
			t.Errorf("mapped page %s: %v", page, err)
		}
	}
}

func TestImportCommandErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "want FORMAT FILE"},
		{[]string{"import", "myspace", "x.xml"}, "want FORMAT FILE"},
		{[]string{"import", "disqus", "no-such-file.xml"}, "no such file"},
		{[]string{"import", "disqus", testExport("disqus/isso_disqus.xml"), "--map", "nope"}, "want old=new"},
		{[]string{"import", "json", "x.json", "--site", "s"}, "do not apply"},
		{[]string{"import", "disqus", testExport("disqus/isso_disqus.xml"), "--site", "Not OK"}, "lower-case"},
		{[]string{"import", "wordpress", testExport("disqus/isso_disqus.xml")}, "import stopped"},
	} {
		code, _, errOut := runCmd(t, db, tt.args...)
		if code == 0 || !strings.Contains(lastLine(errOut), tt.want) || !strings.HasPrefix(lastLine(errOut), "parley: ") {
			t.Errorf("%v: exit %d, stderr %q; want an error with %q", tt.args, code, errOut, tt.want)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestExportImportRoundTrip exports a database through the CLI, imports
// the dump into a fresh database and exports that: the same bytes.
func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, args := range [][]string{
		{"import", "blogger", testExport("blogger/ghost-importer_blogger.xml")},
		{"import", "disqus", testExport("disqus/remark42_disqus.xml"), "--site", "radio"},
		{"import", "wordpress", testExport("wordpress/isso_wordpress.xml"), "--site", "radio", "--map", "/2014/=/old/"},
		{"admin", "create", "--email", "mod@example.com", "--password", "long enough password", "--role", "moderator"},
	} {
		if code, _, errOut := runCmd(t, a, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	code, first, errOut := runCmd(t, a, "export")
	if code != 0 || !strings.HasPrefix(first, `{"format":"parley-export"`) {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if strings.Contains(first, "argon2") {
		t.Error("the export carries a password hash")
	}
	dump := filepath.Join(dir, "dump.json")
	if err := os.WriteFile(dump, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second import adds nothing
		code, out, errOut := runCmd(t, b, "import", "json", dump)
		if code != 0 {
			t.Fatalf("import json: exit %d: %s", code, errOut)
		}
		if i == 1 && !strings.Contains(out, "comments: 0\n") {
			t.Errorf("second import json:\n%s", out)
		}
		code, again, errOut := runCmd(t, b, "export")
		if code != 0 {
			t.Fatalf("export b: exit %d: %s", code, errOut)
		}
		if again != first {
			t.Fatalf("round trip %d changed the dump", i+1)
		}
	}
	// The same dump gzipped, as the admin's download is, reads the same.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(first))
	zw.Close()
	zipped, c := filepath.Join(dir, "dump.json.gz"), filepath.Join(dir, "c.db")
	if err := os.WriteFile(zipped, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, c, "import", "json", zipped); code != 0 {
		t.Fatalf("import json of a gzipped dump: exit %d: %s", code, errOut)
	}
	if code, again, _ := runCmd(t, c, "export"); code != 0 || again != first {
		t.Fatal("the gzipped dump did not read back to the same bytes")
	}
	// One site, to a file.
	out := filepath.Join(dir, "radio.json")
	if code, _, errOut := runCmd(t, a, "export", "--site", "radio", "--output", out); code != 0 {
		t.Fatalf("export --site: exit %d: %s", code, errOut)
	}
	body, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(body), `"id":"radio"`) || strings.Contains(string(body), `"id":"default"`) {
		t.Errorf("site export: %v\n%.300s", err, body)
	}
	if code, _, _ := runCmd(t, a, "export", "--site", "radio", "--output", out); code == 0 {
		t.Error("export overwrote an existing file")
	}
	if code, _, _ := runCmd(t, a, "export", "--site", "nope"); code == 0 {
		t.Error("export of an unknown site succeeded")
	}
	if strings.Contains(first, `"keys":[`) {
		t.Error("a plain export carries the signing keys")
	}
	if code, keyed, errOut := runCmd(t, a, "export", "--with-keys"); code != 0 || !strings.Contains(keyed, "\n\"keys\":[") {
		t.Errorf("export --with-keys: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, a, "export", "--with-keys", "--site", "radio"); code == 0 || !strings.Contains(errOut, "export every site") {
		t.Errorf("export --with-keys --site: exit %d: %s", code, errOut)
	}
}

func TestIsTerminal(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, tt := range []struct {
		w    io.Writer
		want bool
	}{{devNull, true}, {file, false}, {&bytes.Buffer{}, false}} {
		if got := isTerminal(tt.w); got != tt.want {
			t.Errorf("isTerminal(%T %v) = %v", tt.w, tt.w, got)
		}
	}
}

func TestParseInterleaved(t *testing.T) {
	for _, tt := range []struct {
		args []string
		pos  []string
		site string
	}{
		{[]string{"disqus", "f.xml"}, []string{"disqus", "f.xml"}, ""},
		{[]string{"--site", "s", "disqus", "f.xml"}, []string{"disqus", "f.xml"}, "s"},
		{[]string{"disqus", "--site=s", "f.xml"}, []string{"disqus", "f.xml"}, "s"},
		{[]string{"disqus", "f.xml", "--site", "s"}, []string{"disqus", "f.xml"}, "s"},
		{[]string{"disqus", "-", "--site", "s"}, []string{"disqus", "-"}, "s"},
		{[]string{"disqus", "--", "--odd-name.xml"}, []string{"disqus", "--odd-name.xml"}, ""},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		site := fs.String("site", "", "")
		pos, err := parseInterleaved(fs, tt.args)
		if err != nil || !reflect.DeepEqual(pos, tt.pos) || *site != tt.site {
			t.Errorf("%q: %q site %q, %v", tt.args, pos, *site, err)
		}
	}
}
