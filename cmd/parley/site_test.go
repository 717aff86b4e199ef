package main

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"parley/models"
	"parley/models/store"
)

// runSiteCmd runs one subcommand in-process on the database db.
func runSiteCmd(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"PARLEY_DB": db}
	code = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func readSite(t *testing.T, db, id string) models.Site {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	site, err := st.Site(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return site
}

func TestSiteCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	code, out, errOut := runSiteCmd(t, db, "site", "add", "travel", "--name", "Ann's travels",
		"--origin", "https://Blog.Example.com/", "--origin", "http://localhost:4000",
		"--moderation", "smart", "--max-links", "3", "--hold-words", "casino*, payday loan",
		"--block-words", "viagra", "--flag-threshold", "4")
	if code != 0 {
		t.Fatalf("site add: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Added site travel (Ann's travels).") {
		t.Errorf("site add said %q", out)
	}
	site := readSite(t, db, "travel")
	if want := []string{"https://blog.example.com", "http://localhost:4000"}; !reflect.DeepEqual(site.Origins, want) {
		t.Errorf("origins = %q, want %q", site.Origins, want)
	}
	r := site.Settings.Rules
	if site.Settings.Moderation != models.ModerationSmart || r.MaxLinks != 3 || r.FlagThreshold != 4 ||
		!reflect.DeepEqual(r.HoldWords, []string{"casino*", "payday loan"}) || !reflect.DeepEqual(r.BlockWords, []string{"viagra"}) {
		t.Errorf("settings = %+v", site.Settings)
	}

	// set changes only what it is given.
	if code, _, errOut := runSiteCmd(t, db, "site", "set", "travel", "--moderation", "post", "--max-links", "0"); code != 0 {
		t.Fatalf("site set: exit %d: %s", code, errOut)
	}
	site = readSite(t, db, "travel")
	if site.Settings.Moderation != models.ModerationPost || site.Settings.Rules.MaxLinks != 0 ||
		site.Settings.Rules.FlagThreshold != 4 || site.Name != "Ann's travels" || len(site.Origins) != 2 {
		t.Errorf("after set: %+v", site)
	}

	code, out, _ = runSiteCmd(t, db, "site", "list")
	if code != 0 {
		t.Fatalf("site list: exit %d", code)
	}
	for _, want := range []string{"ID", "default", "travel", "https://blog.example.com http://localhost:4000", "post", "casino*,payday loan", "viagra"} {
		if !strings.Contains(out, want) {
			t.Errorf("site list lacks %q:\n%s", want, out)
		}
	}
}

func TestSiteCommandErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	if code, _, errOut := runSiteCmd(t, db, "site", "add", "blog", "--origin", "https://blog.example.com"); code != 0 {
		t.Fatalf("site add: %s", errOut)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"site", "add", "blog"}, `site "blog" exists already`},
		{[]string{"site", "set", "nope", "--name", "X"}, `no site "nope"`},
		{[]string{"site", "add", "x", "--origin", "https://blog.example.com/path"}, `"https://blog.example.com/path" is not an origin`},
		{[]string{"site", "add", "x", "--origin", "ftp://blog.example.com"}, "is not an origin"},
		{[]string{"site", "add", "x", "--moderation", "sometimes"}, `--moderation: want pre, post or smart`},
		{[]string{"site", "add", "x", "--max-links", "-1"}, "--max-links"},
		{[]string{"site", "add", "x", "--flag-threshold", "0"}, "--flag-threshold"},
		{[]string{"site", "set", "blog", "--edit-window", "soon"}, "--edit-window: Give the edit window as a duration"},
		{[]string{"site", "add", "x", "--language", "xx"}, "--language: Choose auto or one of"},
		{[]string{"site", "add", "Bad Id"}, "want a site id"},
		{[]string{"site", "add", "--name", "X"}, "want a site id"},
		{[]string{"site", "add", "x", "extra"}, `unexpected argument "extra"`},
		{[]string{"site", "remove", "x"}, `unknown command "remove"`},
		{[]string{"site"}, `want "add", "set" or "list"`},
	}
	for _, c := range cases {
		code, _, errOut := runSiteCmd(t, db, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%q: exit %d, stderr %q; want one line with %q", c.args, code, errOut, c.want)
		}
	}
	// Nothing a failed command touched changed.
	site := readSite(t, db, "blog")
	if site.Name != "blog" || len(site.Origins) != 1 {
		t.Errorf("blog changed: %+v", site)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Site(context.Background(), "x"); err == nil {
		t.Error("a failed site add created the site")
	}
}
