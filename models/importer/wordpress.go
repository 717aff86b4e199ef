package importer

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"parley/models"
)

// wpDate is the layout of WXR dates (wp:post_date, wp:comment_date_gmt).
const wpDate = "2006-01-02 15:04:05"

// ReadWordPress reads a WordPress WXR export (any version). Each <item>
// that is a post, page or has comments gets a Thread; posts and pages
// (wp:post_type post, page, or the old "draft") also a Post. Attachments
// and custom post types without comments are ignored.
//
// Comment ids are qualified by their item, "postID#commentID", since
// WordPress resolves a comment's parent within its post and hand-edited
// files repeat comment ids across posts. Statuses: 1 → approved,
// 0 → pending, spam → spam, trash and post-trashed → removed; unknown
// values → pending.
//
// Dates: the GMT field is used when valid, as UTC. Otherwise (GMT
// "0000-00-00 00:00:00" or missing) the local field is read in
// Options.Location, or else at the offset between the item's own
// wp:post_date and wp:post_date_gmt, or else as UTC.
func ReadWordPress(r io.Reader, opts Options, emit func(Item) error) (Summary, error) {
	w := &wpReader{s: newSink(emit), d: newDecoder(r), opts: opts}
	err := walkRoot(w.d, "rss", func(start xml.StartElement) error {
		if start.Name.Local != "channel" {
			return w.d.Skip()
		}
		return eachChild(w.d, func(start xml.StartElement) error {
			if !is(start.Name, "item", nsNone) {
				return w.d.Skip() // wp:author, wp:category, wp:tag, channel fields
			}
			return w.item()
		})
	})
	return w.s.finish("wordpress", err)
}

type wpReader struct {
	s    *sink
	d    *xml.Decoder
	opts Options
}

// wpItem holds the fields of the <item> being read; its comments are
// emitted as they come and not kept.
type wpItem struct {
	title, link, pubDate, content           string
	postID, postName, postType, status      string
	postDate, postDateGMT, modified, modGMT string
	commentStatus                           string
	threadDone                              bool
	threadExt, threadKey, threadErr         string
	comments                                int
}

func (w *wpReader) item() error {
	it := &wpItem{}
	err := eachChild(w.d, func(start xml.StartElement) error {
		if isWP(start.Name, "comment") {
			ln := line(w.d)
			n, err := readNode(w.d, start)
			if err != nil {
				return err
			}
			if err := w.startThread(it); err != nil {
				return err
			}
			it.comments++
			return w.comment(it, n, ln)
		}
		field := it.field(start.Name)
		if field == nil {
			return w.d.Skip()
		}
		n, err := readNode(w.d, start)
		if err != nil {
			return err
		}
		*field = strings.TrimSpace(n.text)
		return nil
	})
	if err != nil {
		return err
	}
	return w.finishItem(it)
}

// field returns where to store the item field called name, or nil.
func (it *wpItem) field(name xml.Name) *string {
	switch {
	case is(name, "title", nsNone):
		return &it.title
	case is(name, "link", nsNone):
		return &it.link
	case is(name, "pubDate", nsNone):
		return &it.pubDate
	case is(name, "encoded", nsContent):
		return &it.content
	}
	if !isWP(name, name.Local) {
		return nil
	}
	switch name.Local {
	case "post_id":
		return &it.postID
	case "post_name":
		return &it.postName
	case "post_type":
		return &it.postType
	case "status":
		return &it.status
	case "post_date":
		return &it.postDate
	case "post_date_gmt":
		return &it.postDateGMT
	case "post_modified":
		return &it.modified
	case "post_modified_gmt":
		return &it.modGMT
	case "comment_status":
		return &it.commentStatus
	}
	return nil
}

// startThread emits the item's Thread once, before its first comment.
func (w *wpReader) startThread(it *wpItem) error {
	if it.threadDone {
		return nil
	}
	it.threadDone = true
	it.threadExt = it.postID
	if it.threadExt == "" {
		it.threadExt = PageKey(it.link)
	}
	it.threadKey = w.opts.key(it.link)
	if it.threadKey == "" {
		it.threadErr = "its item has no usable <link>"
		return nil
	}
	created, _ := w.date(it, it.postDateGMT, it.postDate)
	return w.s.out(Thread{
		ExternalID: it.threadExt, Key: it.threadKey, URL: it.link, Title: it.title,
		CreatedAt: created, Closed: it.commentStatus == "closed",
	})
}

func (w *wpReader) finishItem(it *wpItem) error {
	postish := it.postType == "post" || it.postType == "page" || it.postType == "draft"
	switch it.status {
	case "trash", "auto-draft", "inherit":
		postish = false
	}
	published := it.postType != "draft" && (it.status == "publish" || it.status == "")
	if postish && published {
		if err := w.startThread(it); err != nil {
			return err
		}
	}
	if !postish {
		if it.comments == 0 {
			w.s.sum.Ignored++
		}
		return nil
	}
	kind := "post"
	if it.postType == "page" {
		kind = "page"
	}
	id := it.postID
	if id == "" {
		id = PageKey(it.link)
	}
	pub, ok := w.date(it, it.postDateGMT, it.postDate)
	if !ok {
		if t, err := time.Parse(time.RFC1123Z, it.pubDate); err == nil {
			pub = t
		}
	}
	upd, ok := w.date(it, it.modGMT, it.modified)
	if !ok {
		upd = pub
	}
	oldPath := PageKey(it.link)
	return w.s.out(Post{
		ExternalID: id, Kind: kind, Title: it.title,
		Slug:     postSlug(it.postName, oldPath, it.title, kind, id),
		OldPath:  oldPath,
		BodyHTML: it.content, Draft: !published, PublishedAt: pub, UpdatedAt: upd,
	})
}

func (w *wpReader) comment(it *wpItem, n *node, ln int) error {
	get := func(local string) string {
		for _, k := range n.kids {
			if isWP(k.name, local) {
				return strings.TrimSpace(k.text)
			}
		}
		return ""
	}
	c := Comment{ThreadExternalID: it.threadExt, ThreadKey: it.threadKey}
	ref := fmt.Sprintf("wordpress comment without comment_id in item %s", it.threadExt)
	if id := get("comment_id"); id != "" {
		c.ExternalID = it.threadExt + "#" + id
		ref = "wordpress comment " + c.ExternalID
	}
	var problems []string
	if it.threadErr != "" {
		problems = append(problems, it.threadErr)
	}
	var ok bool
	if c.CreatedAt, ok = w.date(it, get("comment_date_gmt"), get("comment_date")); !ok {
		problems = append(problems, "no valid comment_date_gmt or comment_date")
	}
	c.Status = wpStatus(get("comment_approved"))
	c.BodyHTML = get("comment_content")
	if c.BodyHTML == "" && c.Status != models.StatusRemoved {
		problems = append(problems, "empty comment_content")
	}
	if len(problems) > 0 {
		return w.s.skipOut(ref, ln, problems...)
	}
	if p := get("comment_parent"); p != "" && p != "0" {
		c.ParentExternalID = it.threadExt + "#" + p
	}
	c.Type = get("comment_type")
	if c.Type == "" {
		c.Type = "comment"
	}
	c.Author = get("comment_author")
	c.Email = cleanEmail(get("comment_author_email"))
	c.Website = get("comment_author_url")
	c.IP = get("comment_author_IP")
	return w.s.out(c)
}

// wpStatus maps wp:comment_approved to a status.
func wpStatus(v string) models.Status {
	switch strings.ToLower(v) {
	case "1", "approve", "approved":
		return models.StatusApproved
	case "spam":
		return models.StatusSpam
	case "trash", "post-trashed":
		return models.StatusRemoved
	}
	return models.StatusPending
}

// date returns the GMT date as UTC if valid, else the local date in
// Options.Location, else at the offset of the item's own post dates, else
// in UTC.
func (w *wpReader) date(it *wpItem, gmt, local string) (time.Time, bool) {
	if g, err := time.ParseInLocation(wpDate, gmt, time.UTC); err == nil {
		return g, true
	}
	loc := w.opts.Location
	if loc == nil {
		loc = it.offset()
	}
	t, err := time.ParseInLocation(wpDate, local, loc)
	return t, err == nil
}

// offset returns the zone offset of the item's post_date against its
// post_date_gmt, or UTC if the pair is incomplete.
func (it *wpItem) offset() *time.Location {
	g, err1 := time.ParseInLocation(wpDate, it.postDateGMT, time.UTC)
	l, err2 := time.ParseInLocation(wpDate, it.postDate, time.UTC)
	off := l.Sub(g).Round(15 * time.Minute)
	if err1 != nil || err2 != nil || off < -14*time.Hour || off > 14*time.Hour {
		return time.UTC
	}
	return fixedZone(off)
}

// fixedZone names a fixed offset like "-0500".
func fixedZone(off time.Duration) *time.Location {
	if off == 0 {
		return time.UTC
	}
	secs := int(off.Seconds())
	sign, a := '+', secs
	if a < 0 {
		sign, a = '-', -a
	}
	return time.FixedZone(fmt.Sprintf("%c%02d%02d", sign, a/3600, a%3600/60), secs)
}
