package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"parley/models"
)

// TestAdminExportDownload: an admin downloads the dump "parley export"
// writes, gzipped, for everything or one site; the download is in the
// audit log, resumes with a range, and reads back through the import page.
func TestAdminExportDownload(t *testing.T) {
	e := newEnv(t)
	id, _ := e.comment("Ann", "Exported with care", 0)
	e.approve(id)
	admin := e.admin()

	page := e.get(admin, "/admin/import")
	wantContains(t, page.Body, `action="/admin/export"`, `<option value="">Everything (every site)`, "Download export")

	all := e.get(admin, "/admin/export")
	wantStatus(t, all, http.StatusOK)
	if ct, cd := all.Header.Get("Content-Type"), all.Header.Get("Content-Disposition"); ct != "application/gzip" ||
		!strings.HasPrefix(cd, "attachment; filename=parley-export-") || !strings.HasSuffix(cd, ".json.gz") {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	if cc := all.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	dump := gunzip(t, []byte(all.Body))
	wantContains(t, dump, `{"format":"parley-export","version":2`, "Exported with care", `"email":"`+adminEmail+`"`)
	wantNotContains(t, dump, `"keys":[`, "argon2")

	one := e.get(admin, "/admin/export?site=default")
	wantStatus(t, one, http.StatusOK)
	wantContains(t, one.Header.Get("Content-Disposition"), "parley-export-default-")
	wantNotContains(t, gunzip(t, []byte(one.Body)), `"email":"`+adminEmail+`"`)
	wantStatus(t, e.get(admin, "/admin/export?site=nope"), http.StatusNotFound)

	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/admin/export", nil)
	req.Header.Set("Range", "bytes=0-1")
	part := e.do(admin, req)
	if part.StatusCode != http.StatusPartialContent || part.Body != "\x1f\x8b" {
		t.Errorf("range: %d %q", part.StatusCode, part.Body)
	}

	addModerator(t, e.store, "mod@example.com", "moderator password", models.RoleModerator)
	if r := e.get(e.loginAs("mod@example.com", "moderator password"), "/admin/export"); r.StatusCode != http.StatusForbidden {
		t.Errorf("a moderator's export: %d", r.StatusCode)
	}
	if r := e.get(nil, "/admin/export"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("an anonymous export: %d", r.StatusCode)
	}
	entries, err := e.store.AuditEntries(context.Background(), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	exports := map[string]int{}
	for _, a := range entries {
		if a.Action == "export" {
			exports[a.Note]++
		}
	}
	if exports["every site"] != 2 || exports["site default"] != 1 {
		t.Errorf("export audit entries: %v", exports)
	}
	wantContains(t, e.get(admin, "/admin/audit").Body, "every site", "site default")

	// The download reads back as it is, gzipped, through the import page.
	other := newEnv(t)
	oa := other.admin()
	var gz bytes.Buffer
	gz.WriteString(all.Body)
	r := other.upload(oa, map[string]string{"format": "json"}, "parley-export.json.gz", gz.Bytes())
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, other.waitForJob(oa, r.Header.Get("Location")).Body, "The import is finished", "1 comment")
	if got := other.get(nil, "/posts/welcome"); !strings.Contains(got.Body, "Exported with care") {
		t.Errorf("the imported comment is not on the post: %d", got.StatusCode)
	}
}
