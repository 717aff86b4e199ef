package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"parley/handlers"
	"parley/models"
	"parley/models/markup"
	"parley/models/store"
)

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// siteFlags are the flags of "site add" and "site set", as typed.
type siteFlags struct {
	name, moderation, holdWords, blockWords string
	maxLinks, flagThreshold                 int
	origins                                 stringList
	reader                                  handlers.ReaderInput
}

// readerFlags names each reader setting's flag by its field in the
// handlers' validation messages.
var readerFlags = map[string]string{
	"edit_window": "edit-window", "downvotes": "downvotes", "auto_close_days": "auto-close-days",
	"language": "language", "gravatar": "gravatar", "ip_retention_days": "ip-retention-days",
}

func (f *siteFlags) declare(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "the site's name (default: its id)")
	fs.Var(&f.origins, "origin", "an origin whose pages may embed the site, like https://blog.example.com (repeatable; replaces the list)")
	fs.StringVar(&f.moderation, "moderation", "", "pre, post or smart")
	fs.IntVar(&f.maxLinks, "max-links", 0, "hold comments with more links than this; 0 = no limit")
	fs.StringVar(&f.holdWords, "hold-words", "", `comma-separated words that hold a comment ("w1,w2*")`)
	fs.StringVar(&f.blockWords, "block-words", "", "comma-separated words that send a comment to spam")
	fs.IntVar(&f.flagThreshold, "flag-threshold", 0, "reader flags that take a comment out of view")
	r := &f.reader
	fs.StringVar(&r.EditWindow, "edit-window", "", `how long readers may edit or delete their comments, a Go duration ("15m", "90s"), or "off"`)
	fs.StringVar(&r.Language, "language", "", "the language readers see: auto (their browser's) or "+strings.Join(handlers.SiteLanguages()[1:], ", "))
	fs.StringVar(&r.Downvotes, "downvotes", "", "on or off")
	fs.StringVar(&r.AutoCloseDays, "auto-close-days", "", "close threads this many days after publication; 0 = never")
	fs.StringVar(&r.Gravatar, "gravatar", "", "on or off: show Gravatar images for commenters with an email")
	fs.StringVar(&r.IPRetentionDays, "ip-retention-days", "", "delete commenters' IP addresses after this many days; 0 = keep them")
}

// apply changes site by the flags that were given (set lists them).
func (f *siteFlags) apply(site *models.Site, set map[string]bool) error {
	if set["name"] {
		if f.name = strings.TrimSpace(f.name); f.name == "" || len([]rune(f.name)) > 200 {
			return errors.New("--name: want 1 to 200 characters")
		}
		site.Name = f.name
	}
	if set["origin"] {
		origins, bad := handlers.ParseOrigins(strings.Join(f.origins, "\n"))
		if len(bad) > 0 {
			return fmt.Errorf("--origin: %q is not an origin; write it like https://blog.example.com (scheme and host, no path)", bad[0])
		}
		site.Origins = origins
	}
	st := &site.Settings
	if set["moderation"] {
		switch f.moderation {
		case models.ModerationPre, models.ModerationPost, models.ModerationSmart:
			st.Moderation = f.moderation
		default:
			return fmt.Errorf("--moderation: want pre, post or smart, not %q", f.moderation)
		}
	}
	if set["max-links"] {
		if f.maxLinks < 0 || f.maxLinks > 100 {
			return errors.New("--max-links: want 0 (no limit) to 100")
		}
		st.Rules.MaxLinks = f.maxLinks
	}
	if set["flag-threshold"] {
		if f.flagThreshold < 1 || f.flagThreshold > 100 {
			return errors.New("--flag-threshold: want 1 to 100")
		}
		st.Rules.FlagThreshold = f.flagThreshold
	}
	if set["hold-words"] {
		st.Rules.HoldWords = strings.Split(f.holdWords, ",")
	}
	if set["block-words"] {
		st.Rules.BlockWords = strings.Split(f.blockWords, ",")
	}
	r := f.reader
	for field, flagName := range readerFlags {
		if set[flagName] && strings.TrimSpace(readerValue(r, field)) == "" {
			return fmt.Errorf("--%s: give a value", flagName)
		}
	}
	errs := handlers.ApplyReaderInput(st, r)
	for _, field := range []string{"edit_window", "language", "downvotes", "auto_close_days", "gravatar", "ip_retention_days"} {
		if msg, ok := errs[field]; ok {
			return fmt.Errorf("--%s: %s", readerFlags[field], msg)
		}
	}
	site.Settings = site.Settings.Normalized()
	return nil
}

func runSite(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(`site: want "add", "set" or "list"`)
	}
	sub, args := args[0], args[1:]
	id := ""
	if sub != "list" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	fs, cfg, finish := newFlagSet("site "+sub, getenv, stderr)
	var sf siteFlags
	if sub != "list" {
		sf.declare(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("site %s: unexpected argument %q", sub, fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch sub {
	case "add", "set":
		if !handlers.ValidSiteID(id) {
			return fmt.Errorf("site %s: want a site id (lowercase letters, digits, dots, dashes, underscores) before the flags, like: parley site %s my-blog --origin https://blog.example.com", sub, sub)
		}
	case "list":
	default:
		return fmt.Errorf("site: unknown command %q; want add, set or list", sub)
	}
	st, err := openStore(ctx, cfg, markup.New())
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		return siteAdd(ctx, st, id, &sf, set, stdout)
	case "set":
		return siteSet(ctx, st, id, &sf, set, stdout)
	}
	return siteList(ctx, st, stdout)
}

func siteAdd(ctx context.Context, st *store.Store, id string, sf *siteFlags, set map[string]bool, stdout io.Writer) error {
	site := models.Site{ID: id, Name: id, Origins: []string{}, Settings: models.DefaultSiteSettings()}
	if err := sf.apply(&site, set); err != nil {
		return fmt.Errorf("site add: %w", err)
	}
	if err := st.CreateSite(ctx, &site); errors.Is(err, models.ErrConflict) {
		return fmt.Errorf("site add: site %q exists already; change it with \"parley site set %s\"", id, id)
	} else if err != nil {
		return err
	}
	if err := auditSite(ctx, st, "add_site", site); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added site %s (%s).\n", site.ID, site.Name)
	if len(site.Origins) == 0 {
		fmt.Fprintf(stdout, "It has no origins yet, so no page can embed it: parley site set %s --origin https://blog.example.com\n", site.ID)
	}
	return nil
}

func siteSet(ctx context.Context, st *store.Store, id string, sf *siteFlags, set map[string]bool, stdout io.Writer) error {
	site, err := st.Site(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("site set: no site %q; add it with \"parley site add %s\"", id, id)
	} else if err != nil {
		return err
	}
	if err := sf.apply(&site, set); err != nil {
		return fmt.Errorf("site set: %w", err)
	}
	if err := st.SaveSite(ctx, &site); err != nil {
		return err
	}
	if err := auditSite(ctx, st, "save_site", site); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Updated site %s (%s).\n", site.ID, site.Name)
	return nil
}

func auditSite(ctx context.Context, st *store.Store, action string, site models.Site) error {
	note := fmt.Sprintf("site %s, origins: %s, moderation %s", site.ID, strings.Join(site.Origins, " "), site.Settings.Moderation)
	if r := []rune(note); len(r) > 500 {
		note = string(r[:500])
	}
	return st.AddAudit(ctx, &models.AuditEntry{Actor: "command line", Action: action, Note: note})
}

func siteList(ctx context.Context, st *store.Store, stdout io.Writer) error {
	sites, err := st.Sites(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tORIGINS\tMODERATION\tMAX LINKS\tFLAG THRESHOLD\tHOLD WORDS\tBLOCK WORDS\t"+
		"EDIT WINDOW\tLANGUAGE\tDOWNVOTES\tAUTO-CLOSE DAYS\tGRAVATAR\tIP RETENTION DAYS")
	for _, s := range sites {
		r := s.Settings.Rules
		in := handlers.ReaderInputOf(s.Settings)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name, orDash(strings.Join(s.Origins, " ")),
			s.Settings.Moderation, linkLimit(r.MaxLinks), r.FlagThreshold,
			orDash(strings.Join(r.HoldWords, ",")), orDash(strings.Join(r.BlockWords, ",")),
			in.EditWindow, in.Language, in.Downvotes, offIfZero(in.AutoCloseDays), in.Gravatar, keepIfZero(in.IPRetentionDays))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func linkLimit(n int) string {
	if n == 0 {
		return "none"
	}
	return strconv.Itoa(n)
}

// readerValue is the typed value of one reader setting.
func readerValue(r handlers.ReaderInput, field string) string {
	switch field {
	case "edit_window":
		return r.EditWindow
	case "downvotes":
		return r.Downvotes
	case "auto_close_days":
		return r.AutoCloseDays
	case "language":
		return r.Language
	case "gravatar":
		return r.Gravatar
	}
	return r.IPRetentionDays
}

func offIfZero(days string) string {
	if days == "0" {
		return "off"
	}
	return days
}

func keepIfZero(days string) string {
	if days == "0" {
		return "keep"
	}
	return days
}
