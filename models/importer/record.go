package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"parley/models"
)

// Item is one record read from an export: a Thread, a Post, a Comment or a
// Skip. Use a type switch to tell them apart.
type Item interface{ isItem() }

// Thread is a page that has (or can have) comments.
type Thread struct {
	ExternalID string    // the platform's id (Disqus dsq:id, Blogger item number, WordPress post id)
	Identifier string    // Disqus: the <id> the embed used, often empty or a URL
	Key        string    // page key after the mappings: path plus ?query, see PageKey
	URL        string    // the page's URL as found in the export
	Title      string    // page title, may be empty
	CreatedAt  time.Time // zero when the export has no valid date
	Closed     bool      // no new comments accepted
	Deleted    bool      // Disqus: the thread was deleted; its comments come as removed
}

// Post is an article of a Blogger or WordPress blog.
type Post struct {
	ExternalID  string
	Kind        string // "post" or "page"
	Title       string
	Slug        string // wp:post_name, else the old path's last segment minus .html, else from the title, else kind-id
	OldPath     string // PageKey of the old URL, before the mappings; empty for drafts without one
	BodyHTML    string // may be empty
	Draft       bool
	PublishedAt time.Time
	UpdatedAt   time.Time
}

// Comment is one comment, pingback or trackback.
type Comment struct {
	ExternalID       string // unique in the file; may be empty (a Disqus post without dsq:id)
	ThreadExternalID string
	ThreadKey        string // page key after the mappings; always set
	ParentExternalID string // empty for top-level comments
	Type             string // "comment", or the platform's type ("pingback", "trackback", ...)
	Author           string
	Username         string // Disqus account name, if any
	Anonymous        bool   // Disqus isAnonymous
	Email            string // placeholders such as noreply@blogger.com are dropped
	Website          string
	IP               string
	BodyHTML         string // trimmed; empty only when Status is removed
	CreatedAt        time.Time
	Status           models.Status
}

// Skip reports a record that was left out, and why.
type Skip struct {
	Ref    string // what was skipped, e.g. "disqus post 299986073"
	Line   int    // line of the record's start tag in the file
	Reason string
}

func (Thread) isItem()  {}
func (Post) isItem()    {}
func (Comment) isItem() {}
func (Skip) isItem()    {}

// Options tune a read.
type Options struct {
	// Mappings rewrite page keys (Thread.Key, Comment.ThreadKey); the first
	// one whose Old is a prefix of the key wins.
	Mappings []Mapping
	// Location is the site's zone for WordPress local dates, used only
	// when the GMT date is missing or zero. If nil, the offset between the
	// item's wp:post_date and wp:post_date_gmt is used, else UTC.
	Location *time.Location
}

// key returns the mapped page key of rawURL, or "" if it has none.
func (o Options) key(rawURL string) string {
	k := PageKey(rawURL)
	if k == "" {
		return ""
	}
	return ApplyMappings(k, o.Mappings)
}

// Summary counts what a read yielded.
type Summary struct {
	Threads  int
	Posts    int
	Comments int
	Skipped  int
	Ignored  int // records of no interest: settings, templates, categories, attachments
	Statuses map[models.Status]int
}

// Format names an export format.
type Format string

// The supported formats.
const (
	FormatBlogger   Format = "blogger"
	FormatDisqus    Format = "disqus"
	FormatWordPress Format = "wordpress"
)

// Formats lists the supported formats.
func Formats() []Format { return []Format{FormatBlogger, FormatDisqus, FormatWordPress} }

// ErrUnknownFormat is returned by ParseFormat and Read for a format name
// they do not know.
var ErrUnknownFormat = errors.New("importer: unknown format")

// ParseFormat returns the format named s ("blogger", "disqus", "wordpress"
// or "wxr"), ignoring case.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "blogger":
		return FormatBlogger, nil
	case "disqus":
		return FormatDisqus, nil
	case "wordpress", "wxr":
		return FormatWordPress, nil
	}
	return "", fmt.Errorf("%w %q (want one of blogger, disqus, wordpress)", ErrUnknownFormat, s)
}

// Read reads an export of the named format from r and passes each record
// to emit, in file order. See the package documentation for the ordering
// guarantees.
func Read(format string, r io.Reader, opts Options, emit func(Item) error) (Summary, error) {
	f, err := ParseFormat(format)
	if err != nil {
		return Summary{}, err
	}
	switch f {
	case FormatBlogger:
		return ReadBlogger(r, opts, emit)
	case FormatDisqus:
		return ReadDisqus(r, opts, emit)
	default:
		return ReadWordPress(r, opts, emit)
	}
}

// sink counts records and hands them to the caller's emit.
type sink struct {
	emit func(Item) error
	sum  Summary
}

func newSink(emit func(Item) error) *sink {
	return &sink{emit: emit, sum: Summary{Statuses: map[models.Status]int{}}}
}

func (s *sink) put(it Item) error {
	switch v := it.(type) {
	case Thread:
		s.sum.Threads++
	case Post:
		s.sum.Posts++
	case Comment:
		s.sum.Comments++
		s.sum.Statuses[v.Status]++
	case Skip:
		s.sum.Skipped++
	}
	return s.emit(it)
}

// out is put with the caller's errors marked, so that finish can tell
// them from read errors.
func (s *sink) out(it Item) error {
	if err := s.put(it); err != nil {
		return emitError{err}
	}
	return nil
}

// skipOut emits a Skip whose reason joins reasons.
func (s *sink) skipOut(ref string, line int, reasons ...string) error {
	return s.out(Skip{Ref: ref, Line: line, Reason: strings.Join(reasons, "; ")})
}

// finish wraps the error that ended a read with the format's name.
func (s *sink) finish(format string, err error) (Summary, error) {
	if err == nil {
		return s.sum, nil
	}
	var ee emitError
	if errors.As(err, &ee) {
		err = ee.err
	}
	return s.sum, fmt.Errorf("importer: %s: %w", format, err)
}
