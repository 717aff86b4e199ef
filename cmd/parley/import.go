package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"parley/models"
	"parley/models/importer"
	"parley/models/markup"
	"parley/models/store"
)

// mapFlags collects --map old=new page-key rewrites.
type mapFlags []importer.Mapping

func (m *mapFlags) String() string {
	parts := make([]string, len(*m))
	for i, x := range *m {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

func (m *mapFlags) Set(v string) error {
	x, err := importer.ParseMapping(v)
	if err != nil {
		return err
	}
	*m = append(*m, x)
	return nil
}

const importUsage = `import: want FORMAT FILE, FORMAT one of blogger, disqus, wordpress, json (FILE "-" reads standard input)`

// runImport reads an export of Blogger, Disqus, WordPress or a Parley dump
// into the database, with a progress line on standard error and a summary
// on standard output.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("import", getenv, stderr)
	site := fs.String("site", "", "site to import into (default: the blog, site \"default\"); created when missing")
	var maps mapFlags
	fs.Var(&maps, "map", "rewrite page addresses starting with old to start with new: --map /blog/=/ (repeatable)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New(importUsage)
	}
	format, file := strings.ToLower(pos[0]), pos[1]
	if format != "json" {
		if _, err := importer.ParseFormat(format); err != nil {
			return errors.New(importUsage)
		}
	} else if *site != "" || len(maps) > 0 {
		return errors.New("import json: a dump names its own sites and pages; --site and --map do not apply")
	}
	if *site != "" && !store.ValidImportSiteID(*site) {
		return fmt.Errorf("import: --site %q: want lower-case letters, digits, - and _ (at most 64)", *site)
	}
	in, size, err := openInput(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer in.Close()

	md := markup.New()
	st, err := openStore(ctx, cfg, md)
	if err != nil {
		return err
	}
	defer st.Close()
	progress := importer.NewProgress(in, size, stderr, isTerminal(stderr))
	count := func(int) { progress.Count(1) }
	src, err := importer.Gunzipped(progress)
	if err != nil {
		return fmt.Errorf("import: %s: %w", file, err)
	}
	var res models.ImportResult
	if format == "json" {
		w, werr := welcomePost(cfg.BaseURL, md)
		if werr != nil {
			return werr
		}
		res, err = st.ImportDump(ctx, src, store.DumpImportOptions{WelcomeSlug: w.Slug, Progress: count, RestoreKeys: true})
	} else {
		res, err = st.Import(ctx, src, store.ImportOptions{Format: format, SiteID: *site, Mappings: maps,
			Sanitize: md.Sanitize, SanitizePost: md.SanitizePost, Progress: count})
	}
	progress.Finish()
	printImport(stdout, file, res)
	if err != nil {
		return fmt.Errorf("import stopped: %w (what was stored before stays; run the same command again to finish)", err)
	}
	return nil
}

// printImport writes the summary of an import.
func printImport(w io.Writer, file string, res models.ImportResult) {
	where := "site " + res.SiteID
	if res.SiteID == "" {
		where = "the sites it names"
	}
	fmt.Fprintf(w, "Imported %s (%s) into %s:\n", file, res.Format, where)
	for _, line := range res.Lines() {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// openInput opens a file, or standard input for "-", and returns its size
// (0 when unknown).
func openInput(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is a folder", name)
	}
	return f, st.Size(), nil
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress bar may redraw itself.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments ("import disqus FILE --site S") and returns the
// positional ones. "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
