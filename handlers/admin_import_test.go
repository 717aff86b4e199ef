package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
	"parley/models/markup"
	"parley/models/store"
	"parley/models/store/storetest"
)

// upload posts the import form with a file as multipart/form-data.
func (e *env) upload(c *http.Client, fields map[string]string, fileName string, file []byte, header ...string) response {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			e.t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := w.CreateFormFile("file", fileName)
		if err != nil {
			e.t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(c, req)
}

func readExport(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "models", "importer", "testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitForJob follows the progress page until the import has ended.
func (e *env) waitForJob(c *http.Client, location string) response {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.get(c, location)
		wantStatus(e.t, r, http.StatusOK)
		if r.Header.Get("Refresh") == "" {
			return r
		}
		wantContains(e.t, r.Body, "<progress")
		if time.Now().After(deadline) {
			e.t.Fatalf("the import at %s did not end within 20s", location)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAdminImportUpload(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	page := e.get(admin, "/admin/import")
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, `enctype="multipart/form-data"`, `name="file"`, `<option value="default" selected>`)

	r := e.upload(admin, map[string]string{"format": "disqus", "site": "default", "maps": "/blog/=/"},
		"isso_disqus.xml", readExport(t, "disqus/isso_disqus.xml"))
	wantStatus(t, r, http.StatusSeeOther)
	location := r.Header.Get("Location")
	if !strings.HasPrefix(location, "/admin/import/") {
		t.Fatalf("Location = %q", location)
	}
	done := e.waitForJob(admin, location)
	wantContains(t, done.Body, "The import is finished", "5 comments (4 approved, 1 removed)", "2 records skipped:",
		"disqus post 6: unknown thread 1337", "isso_disqus.xml")
	// The summary is in the admin's language; the importer's reasons stay as written.
	de := e.do(admin, withHeader(t, e.srv.URL+location, "Accept-Language", "de"))
	wantContains(t, de.Body, "Der Import ist abgeschlossen", "5 Kommentare (4 freigegeben, 1 entfernt)",
		"2 Einträge übersprungen:", "unknown thread 1337")
	th, err := e.store.Thread(context.Background(), models.DefaultSiteID, "/")
	if err != nil || th.Count != 3 {
		t.Errorf("imported thread: %+v, %v", th, err)
	}

	// The same file again: nothing new, and the list shows both runs.
	r = e.upload(admin, map[string]string{"format": "disqus", "site": "default", "maps": "/blog/=/"},
		"isso_disqus.xml", readExport(t, "disqus/isso_disqus.xml"))
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, e.waitForJob(admin, r.Header.Get("Location")).Body, "0 comments", "7 already there, left alone")
	list := e.get(admin, "/admin/import")
	if n := strings.Count(list.Body, `href="/admin/import/`); n != 2 {
		t.Errorf("recent imports list %d jobs, want 2", n)
	}
	wantStatus(t, e.get(admin, "/admin/import/nope"), http.StatusNotFound)
}

func TestAdminImportFailsCleanly(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	// A Disqus file read as WordPress: the job fails with the reason.
	r := e.upload(admin, map[string]string{"format": "wordpress", "site": "default"}, "x.xml", readExport(t, "disqus/isso_disqus.xml"))
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, e.waitForJob(admin, r.Header.Get("Location")).Body, "The import stopped:", "wordpress")

	for _, tt := range []struct {
		fields map[string]string
		file   []byte
		want   string
	}{
		{map[string]string{"format": "myspace", "site": "default"}, []byte("<x/>"), "Choose the platform"},
		{map[string]string{"format": "disqus", "site": "nope"}, []byte("<x/>"), "Choose one of the sites"},
		{map[string]string{"format": "disqus", "site": "default", "maps": "blog=/"}, []byte("<x/>"), "/old/=/new/"},
		{map[string]string{"format": "disqus", "site": "default"}, nil, "Choose the export file"},
	} {
		name := "f.xml"
		if tt.file == nil {
			name = ""
		}
		r := e.upload(admin, tt.fields, name, tt.file)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, tt.want)
	}
	notMultipart := e.postForm(admin, "/admin/import", map[string][]string{"format": {"disqus"}})
	wantStatus(t, notMultipart, http.StatusBadRequest)
}

func TestAdminImportIsForAdmins(t *testing.T) {
	e := newEnv(t)
	addModerator(t, e.store, "mod@example.com", "another long password", models.RoleModerator)
	mod := e.loginAs("mod@example.com", "another long password")
	wantStatus(t, e.get(mod, "/admin/import"), http.StatusForbidden)
	wantStatus(t, e.upload(mod, map[string]string{"format": "disqus", "site": "default"}, "f.xml", []byte("<x/>")), http.StatusForbidden)
	anon := e.get(nil, "/admin/import")
	wantStatus(t, anon, http.StatusSeeOther)
	// Cross-origin uploads are refused before anything is read.
	cross := e.upload(e.admin(), map[string]string{"format": "disqus", "site": "default"}, "f.xml", []byte("<x/>"),
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	wantStatus(t, cross, http.StatusForbidden)
	jobs, err := e.store.RecentImportJobs(context.Background(), 10)
	if err != nil || len(jobs) != 0 {
		t.Errorf("jobs after refused uploads: %v, %v", jobs, err)
	}
}

func TestAdminImportProgressPage(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	ctx := context.Background()
	now := time.Now().UTC()
	running := models.ImportJob{ID: "run1", SiteID: "default", Format: "wordpress", FileName: "big.xml", Status: models.ImportRunning,
		BytesTotal: 120 << 20, StartedBy: adminEmail, StartedAt: now, UpdatedAt: now}
	stale := running
	stale.ID, stale.UpdatedAt = "old1", now.Add(-time.Hour)
	for _, j := range []*models.ImportJob{&running, &stale} {
		if err := e.store.CreateImportJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.ImportProgress(ctx, "run1", 30<<20, 4200); err != nil {
		t.Fatal(err)
	}
	r := e.get(admin, "/admin/import/run1")
	wantStatus(t, r, http.StatusOK)
	if r.Header.Get("Refresh") != "2" {
		t.Errorf("Refresh header = %q", r.Header.Get("Refresh"))
	}
	wantContains(t, r.Body, `<progress max="100" value="25"`, "25%", "30.0 MB of 120.0 MB", "4,200 comments so far")
	wantNotContains(t, r.Body, "<script>")
	list := e.get(admin, "/admin/import")
	wantContains(t, list.Body, "Running · 25%", "Stopped, unfinished")
	// Silent for an hour: its process is gone; the page says so and stops refreshing.
	old := e.get(admin, "/admin/import/old1")
	wantStatus(t, old, http.StatusOK)
	wantContains(t, old.Body, "stopped without finishing")
	if old.Header.Get("Refresh") != "" {
		t.Error("a stale job's page keeps refreshing")
	}
}

func TestOldBlogAddressesRedirect(t *testing.T) {
	e := newEnv(t)
	md := markup.New()
	feed, err := os.Open(filepath.Join("..", "models", "importer", "testdata", "blogger", "ghost-importer_blogger.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	_, err = e.store.Import(context.Background(), feed, store.ImportOptions{Format: "blogger",
		Sanitize: md.Sanitize, SanitizePost: md.SanitizePost})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, e.srv.URL+"/p/feedback.html?m=1", nil)
		r := e.do(e.client(), req)
		if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/posts/feedback" {
			t.Errorf("%s old address: %d → %q", method, r.StatusCode, r.Header.Get("Location"))
		}
	}
	post := e.get(nil, "/posts/feedback")
	wantStatus(t, post, http.StatusOK)
	wantContains(t, post.Body, "Feedback", `id="comment-`)
	wantStatus(t, e.get(nil, "/p/unknown.html"), http.StatusNotFound)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/p/feedback.html", io.NopCloser(strings.NewReader("")))
	if r := e.do(e.client(), req); r.StatusCode == http.StatusMovedPermanently {
		t.Error("a POST to an old address was redirected")
	}
}

// TestAdminImportOutlastsTheReadTimeout uploads a file more slowly than
// the server's read timeout allows for other requests.
func TestAdminImportOutlastsTheReadTimeout(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: welcomeSlug, Body: "Hello", BodyHTML: "<p>Hello</p>"}); err != nil {
		t.Fatal(err)
	}
	addModerator(t, st, adminEmail, adminPassword, models.RoleAdmin)
	srv, err := handlers.New(ctx, handlers.Config{BaseURL: "http://127.0.0.1", Version: "test"}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ReadTimeout = 300 * time.Millisecond
	ts.Start()
	defer ts.Close()
	e := &env{t: t, store: st, srv: ts}
	admin := e.admin()

	file := readExport(t, "disqus/isso_disqus.xml")
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("format", "disqus")
		mw.WriteField("site", "default")
		fw, _ := mw.CreateFormFile("file", "slow.xml")
		for i := 0; i < len(file); i += len(file)/8 + 1 { // eight pieces over about 800ms
			time.Sleep(100 * time.Millisecond)
			fw.Write(file[i:min(i+len(file)/8+1, len(file))])
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/admin/import", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r := e.do(admin, req)
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, e.waitForJob(admin, r.Header.Get("Location")).Body, "5 comments")
}

// withHeader is a GET request to url with one header set.
func withHeader(t *testing.T, url, name, value string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(name, value)
	return req
}
