package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSiteReaderFlags drives the reader settings through the built binary.
func TestSiteReaderFlags(t *testing.T) {
	parleyBinary(t) // built before runCLI's clock starts
	db := "PARLEY_DB=" + filepath.Join(t.TempDir(), "parley.db")
	out, errOut, code := runCLI(t, []string{db}, "site", "add", "travel", "--origin", "https://travel.example.com",
		"--edit-window", "90s", "--language", "es", "--downvotes", "off", "--auto-close-days", "14",
		"--gravatar", "on", "--ip-retention-days", "7")
	if code != 0 {
		t.Fatalf("site add: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Added site travel") {
		t.Errorf("site add said %q", out)
	}
	out, _, code = runCLI(t, []string{db}, "site", "list")
	if code != 0 {
		t.Fatalf("site list: exit %d", code)
	}
	row := lineWith(out, "travel")
	for _, want := range []string{"EDIT WINDOW", "LANGUAGE", "DOWNVOTES", "AUTO-CLOSE DAYS", "GRAVATAR", "IP RETENTION DAYS"} {
		if !strings.Contains(out, want) {
			t.Errorf("site list has no column %q", want)
		}
	}
	if f := strings.Fields(row); len(f) < 6 || strings.Join(f[len(f)-6:], " ") != "1m30s es off 14 on 7" {
		t.Errorf("travel row = %q", row)
	}
	if f := strings.Fields(lineWith(out, "default")); strings.Join(f[len(f)-6:], " ") != "15m auto on off off 30" {
		t.Errorf("default row = %q", lineWith(out, "default"))
	}

	// set changes only what it is given; "off" and 0 mean off and keep.
	if _, errOut, code := runCLI(t, []string{db}, "site", "set", "travel", "--edit-window", "off", "--ip-retention-days", "0"); code != 0 {
		t.Fatalf("site set: exit %d: %s", code, errOut)
	}
	out, _, _ = runCLI(t, []string{db}, "site", "list")
	if f := strings.Fields(lineWith(out, "travel")); strings.Join(f[len(f)-6:], " ") != "off es off 14 on keep" {
		t.Errorf("after set: %q", lineWith(out, "travel"))
	}

	for _, c := range []struct{ args []string }{
		{[]string{"--edit-window", "-5m"}},
		{[]string{"--downvotes", "maybe"}},
		{[]string{"--auto-close-days", "soon"}},
		{[]string{"--gravatar", ""}},
		{[]string{"--ip-retention-days", "-1"}},
		{[]string{"--language", "klingon"}},
	} {
		_, errOut, code := runCLI(t, []string{db}, append([]string{"site", "set", "travel"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.args[0]+":") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%q: exit %d, stderr %q; want one line naming %s", c.args, code, errOut, c.args[0])
		}
	}
}

func lineWith(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix+" ") {
			return l
		}
	}
	return ""
}
