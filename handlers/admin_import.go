package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"parley/handlers/i18n"
	"parley/models"
	"parley/models/importer"
	"parley/models/store"
)

// maxImportBytes bounds an uploaded export; limitBody allows it on
// /admin/import. The file goes to a temporary file, never into memory.
const maxImportBytes = 1 << 30

// importFormats are the formats the upload form offers, in its order.
var importFormats = []struct{ Value, Label string }{
	{"blogger", "Blogger (Atom backup, .xml)"},
	{"disqus", "Disqus (XML export)"},
	{"wordpress", "WordPress (WXR, .xml)"},
	{"json", "Parley export (.json)"},
}

// importRunner runs uploaded imports in the background with the server's
// context: when the server shuts down, a running import stops between two
// batches and its job says so (what was stored stays; an upload of the
// same file finishes it).
type importRunner struct {
	ctx context.Context
}

func newImportRunner(ctx context.Context) *importRunner { return &importRunner{ctx: ctx} }

func (r *importRunner) start(fn func(ctx context.Context)) { go fn(r.ctx) }

// allowLongUpload lifts the server's read timeout for an upload: a big
// export over a slow line takes longer. It must run before any middleware
// wraps the response writer (limitBody calls it), or the connection's
// deadline cannot be reached.
func allowLongUpload(c *gin.Context) {
	if c.Request.Method == http.MethodPost {
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(time.Hour))
	}
}

// importForm is the upload form as typed.
type importForm struct {
	Format, Site, Maps string
}

type importPageView struct {
	Formats []struct{ Value, Label string }
	Sites   []models.Site
	Form    importForm
	Errors  map[string]string
	Jobs    []importJobView
	MaxSize string
}

type importJobView struct {
	Job      models.ImportJob
	Running  bool // still going: the page refreshes itself
	Stale    bool // "running" but silent for minutes: its process stopped
	Percent  int
	Lines    []string
	ReadMB   string
	TotalMB  string
	JobTitle string
	Platform string // the format as people name it
}

func (s *Server) importPage(c *gin.Context) {
	s.showImportForm(c, http.StatusOK, importForm{Format: "disqus", Site: models.DefaultSiteID}, nil)
}

func (s *Server) showImportForm(c *gin.Context, status int, form importForm, errs map[string]string) {
	ctx := c.Request.Context()
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	jobs, err := s.store.RecentImportJobs(ctx, 10)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := importPageView{Formats: importFormats, Sites: sites, Form: form, Errors: errs, MaxSize: "1 GB"}
	for _, j := range jobs {
		view.Jobs = append(view.Jobs, s.jobView(s.tr(c), j))
	}
	s.render(c, status, "admin_import", pageData{Title: s.tr(c).T("import.title"), Data: view})
}

// startImport takes an uploaded export: it streams the file to a
// temporary file, records a job and runs the import in the background.
func (s *Server) startImport(c *gin.Context) {
	form, tmp, fileName, err := readImportUpload(c.Request)
	if tmp != "" {
		defer func() {
			if tmp != "" {
				os.Remove(tmp)
			}
		}()
	}
	if tooLarge(err) {
		s.failT(c, http.StatusRequestEntityTooLarge, "too_large", "import.too_large")
		return
	}
	if err != nil {
		s.failT(c, http.StatusBadRequest, "bad_upload", "import.bad_upload")
		return
	}
	maps, errs := s.checkImportForm(c.Request.Context(), s.tr(c), form, tmp)
	if len(errs) > 0 {
		s.showImportForm(c, http.StatusUnprocessableEntity, form, errs)
		return
	}
	info, err := os.Stat(tmp)
	if err != nil {
		s.serverError(c, err)
		return
	}
	site := form.Site
	if form.Format == "json" {
		site = ""
	}
	job := models.ImportJob{ID: newJobID(), SiteID: site, Format: form.Format, FileName: clipName(fileName),
		Status: models.ImportRunning, BytesTotal: info.Size(), StartedBy: currentModerator(c).Email,
		StartedAt: time.Now().UTC()}
	if err := s.store.CreateImportJob(c.Request.Context(), &job); err != nil {
		s.serverError(c, err)
		return
	}
	path := tmp
	tmp = "" // the job owns the file now
	s.imports.start(func(ctx context.Context) { s.runImportJob(ctx, job, path, maps) })
	c.Redirect(http.StatusSeeOther, "/admin/import/"+job.ID)
}

// readImportUpload streams a multipart upload: the small fields into the
// form, the file part into a temporary file whose name it returns.
func readImportUpload(r *http.Request) (importForm, string, string, error) {
	var form importForm
	mr, err := r.MultipartReader()
	if err != nil {
		return form, "", "", err
	}
	tmp, fileName := "", ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, tmp, fileName, nil
		}
		if err != nil {
			return form, tmp, fileName, err
		}
		switch part.FormName() {
		case "format", "site", "maps":
			v, err := io.ReadAll(io.LimitReader(part, 4<<10))
			if err != nil {
				return form, tmp, fileName, err
			}
			setImportField(&form, part.FormName(), strings.TrimSpace(string(v)))
		case "file":
			if tmp != "" || part.FileName() == "" {
				continue
			}
			if tmp, err = saveUpload(part); err != nil {
				return form, tmp, fileName, err
			}
			fileName = part.FileName()
		}
	}
}

func setImportField(f *importForm, name, v string) {
	switch name {
	case "format":
		f.Format = v
	case "site":
		f.Site = v
	case "maps":
		f.Maps = v
	}
}

// saveUpload copies a file part to a new temporary file.
func saveUpload(part *multipart.Part) (string, error) {
	f, err := os.CreateTemp("", "parley-import-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// checkImportForm validates the form and parses its mappings.
func (s *Server) checkImportForm(ctx context.Context, tr *i18n.Translator, form importForm, tmp string) ([]importer.Mapping, map[string]string) {
	v := &models.ValidationError{}
	known := false
	for _, f := range importFormats {
		known = known || f.Value == form.Format
	}
	if !known {
		v.Add("format", tr.T("import.err_format"))
	}
	if form.Format != "json" {
		if _, err := s.store.Site(ctx, form.Site); err != nil {
			v.Add("site", tr.T("import.err_site"))
		}
	}
	var maps []importer.Mapping
	for _, line := range strings.Split(form.Maps, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		m, err := importer.ParseMapping(line)
		if err != nil {
			v.Add("maps", tr.T("import.err_maps", "line", strconv.Quote(line)))
			continue
		}
		maps = append(maps, m)
	}
	if form.Format == "json" && len(maps) > 0 {
		v.Add("maps", tr.T("import.err_json_maps"))
	}
	if info, err := os.Stat(tmp); tmp == "" || err != nil || info.Size() == 0 {
		v.Add("file", tr.T("import.err_file"))
	}
	return maps, v.Fields
}

// runImportJob imports the uploaded file and writes the job's progress
// about once a second, then its result. The temporary file is removed.
func (s *Server) runImportJob(ctx context.Context, job models.ImportJob, path string, maps []importer.Mapping) {
	defer os.Remove(path)
	var (
		res      models.ImportResult
		err      error
		comments int
	)
	in := &countingReader{}
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		in.r = f
		last := time.Now()
		progress := func(n int) {
			comments = n
			if time.Since(last) >= time.Second {
				last = time.Now()
				if perr := s.store.ImportProgress(ctx, job.ID, in.n.Load(), n); perr != nil {
					s.log.Error("import progress", "job", job.ID, "err", perr)
				}
			}
		}
		src, gerr := importer.Gunzipped(in)
		switch {
		case gerr != nil:
			err = gerr
		case job.Format == "json":
			res, err = s.store.ImportDump(ctx, src, store.DumpImportOptions{Progress: progress})
		default:
			res, err = s.store.Import(ctx, src, store.ImportOptions{Format: job.Format, SiteID: job.SiteID, Mappings: maps,
				Sanitize: s.markup.Sanitize, SanitizePost: s.markup.SanitizePost, Progress: progress})
		}
	}
	if err != nil && ctx.Err() != nil {
		err = errors.New("the server stopped during the import; upload the file again to finish it")
	} else if err != nil {
		err = errors.New(plainImportError(err))
	}
	done, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := s.store.FinishImportJob(done, job.ID, in.n.Load(), comments, res, err); ferr != nil {
		s.log.Error("import job result", "job", job.ID, "err", ferr)
	}
	if err != nil {
		s.log.Warn("import failed", "job", job.ID, "format", job.Format, "err", err)
	} else {
		s.log.Info("import done", "job", job.ID, "format", job.Format, "comments", res.Comments, "skipped", res.Skipped)
	}
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (s *Server) importJobPage(c *gin.Context) {
	job, err := s.store.ImportJob(c.Request.Context(), c.Param("id"))
	if isNotFound(err) {
		s.notFound(c)
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	view := s.jobView(s.tr(c), job)
	if view.Running {
		// The page reloads itself while the import runs: no script needed.
		c.Header("Refresh", "2")
	}
	s.render(c, http.StatusOK, "admin_import", pageData{Title: s.tr(c).T("import.page_title", "file", view.JobTitle), Data: importPageView{Jobs: []importJobView{view}}})
}

func (s *Server) jobView(tr *i18n.Translator, j models.ImportJob) importJobView {
	v := importJobView{Job: j, Stale: j.Stale(s.now()), ReadMB: mb(j.BytesRead), TotalMB: mb(j.BytesTotal),
		JobTitle: fmt.Sprintf("%s (%s)", j.FileName, j.Format), Platform: j.Format}
	for _, f := range importFormats {
		if f.Value == j.Format {
			v.Platform, _, _ = strings.Cut(f.Label, " (")
		}
	}
	v.Running = j.Status == models.ImportRunning && !v.Stale
	if j.BytesTotal > 0 {
		v.Percent = int(min(j.BytesRead*100/j.BytesTotal, 100))
	}
	if j.Status == models.ImportDone {
		v.Percent = 100
	}
	if j.Result != nil {
		v.Lines = importLines(tr, *j.Result)
	}
	return v
}

// plainImportError drops the package prefixes of an import error, which
// mean nothing to the admin reading it.
func plainImportError(err error) string {
	msg := err.Error()
	for _, p := range []string{"store: import dump: ", "store: import ", "importer: "} {
		if i := strings.LastIndex(msg, p); i >= 0 {
			msg = msg[i+len(p):]
		}
	}
	return msg
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func newJobID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// clipName keeps an uploaded file's name short and on one line.
func clipName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "" {
		name = "upload"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}
