package importer

import (
	"encoding/xml"
	"io"
	"strings"

	"parley/models"
)

// disqusThread is what the Disqus reader remembers of a thread for the
// posts that follow it.
type disqusThread struct {
	key     string // mapped page key; "" when the thread was skipped
	reason  string // why the thread was skipped
	deleted bool
}

// ReadDisqus reads a Disqus XML export: <thread> elements become Threads
// and <post> elements Comments. Threads are matched by their dsq:id, and a
// thread's key comes from its <link> (its <id>, the embed's identifier, is
// often empty). Real exports list all threads before the posts; a post
// whose thread has not been seen is skipped.
//
// Statuses: isDeleted → removed, isSpam → spam, else approved. Comments of
// a deleted thread are removed too (spam stays spam). A deleted post keeps
// its place, with an empty body, so that its replies keep their parent.
func ReadDisqus(r io.Reader, opts Options, emit func(Item) error) (Summary, error) {
	s := newSink(emit)
	d := newDecoder(r)
	threads := map[string]disqusThread{}
	err := walkRoot(d, "disqus", func(start xml.StartElement) error {
		switch start.Name.Local {
		case "thread":
			ln := line(d)
			n, err := readNode(d, start)
			if err != nil {
				return err
			}
			return disqusThreadRecord(s, n, ln, threads, opts)
		case "post":
			ln := line(d)
			n, err := readNode(d, start)
			if err != nil {
				return err
			}
			return disqusPost(s, n, ln, threads)
		}
		s.sum.Ignored++ // categories
		return d.Skip()
	})
	return s.finish("disqus", err)
}

func disqusThreadRecord(s *sink, n *node, ln int, threads map[string]disqusThread, opts Options) error {
	id := n.get("id")
	ref := "disqus thread " + id
	if id == "" {
		return s.skipOut("disqus thread without dsq:id", ln, "no dsq:id attribute")
	}
	link := n.child("link", nsDisqus).str()
	t := Thread{
		ExternalID: id,
		Identifier: n.child("id", nsDisqus).str(),
		Key:        opts.key(link),
		URL:        link,
		Title:      n.child("title", nsDisqus).str(),
	}
	if t.Key == "" {
		reason := "no <link>"
		if link != "" {
			reason = "unusable <link> " + link
		}
		threads[id] = disqusThread{reason: reason}
		return s.skipOut(ref, ln, reason)
	}
	t.CreatedAt, _ = parseRFC3339(n.child("createdAt", nsDisqus).str()) // zero if bad
	t.Closed, _ = parseBool(n.child("isClosed", nsDisqus).str())
	t.Deleted, _ = parseBool(n.child("isDeleted", nsDisqus).str())
	threads[id] = disqusThread{key: t.Key, deleted: t.Deleted}
	return s.out(t)
}

func disqusPost(s *sink, n *node, ln int, threads map[string]disqusThread) error {
	c := Comment{ExternalID: n.get("id"), Type: "comment"}
	ref := "disqus post " + c.ExternalID
	if c.ExternalID == "" {
		ref = "disqus post without dsq:id"
		if id := n.child("id", nsDisqus).str(); id != "" {
			ref += " (id " + id + ")"
		}
	}
	var problems []string
	c.ThreadExternalID = n.child("thread", nsDisqus).get("id")
	th, known := threads[c.ThreadExternalID]
	switch {
	case c.ThreadExternalID == "":
		problems = append(problems, "no <thread dsq:id> reference")
	case !known:
		problems = append(problems, "unknown thread "+c.ThreadExternalID)
	case th.key == "":
		problems = append(problems, "its thread "+c.ThreadExternalID+" was skipped: "+th.reason)
	}
	c.ThreadKey = th.key
	var err error
	if c.CreatedAt, err = parseRFC3339(n.child("createdAt", nsDisqus).str()); err != nil {
		problems = append(problems, "createdAt: "+err.Error())
	}
	deleted, err := parseBool(n.child("isDeleted", nsDisqus).str())
	if err != nil {
		problems = append(problems, "isDeleted: "+err.Error())
	}
	spam, err := parseBool(n.child("isSpam", nsDisqus).str())
	if err != nil {
		problems = append(problems, "isSpam: "+err.Error())
	}
	switch {
	case deleted:
		c.Status = models.StatusRemoved
	case spam:
		c.Status = models.StatusSpam
	case th.deleted:
		c.Status = models.StatusRemoved
	default:
		c.Status = models.StatusApproved
	}
	c.BodyHTML = strings.TrimSpace(n.child("message", nsDisqus).text)
	if c.BodyHTML == "" && c.Status != models.StatusRemoved {
		problems = append(problems, "empty message")
	}
	if len(problems) > 0 {
		return s.skipOut(ref, ln, problems...)
	}
	author := n.child("author", nsDisqus)
	c.Author = author.child("name", nsDisqus).str()
	c.Username = author.child("username", nsDisqus).str()
	c.Anonymous, _ = parseBool(author.child("isAnonymous", nsDisqus).str())
	if c.Author == "" {
		c.Author = c.Username
	}
	c.Email = cleanEmail(author.child("email", nsDisqus).str())
	c.IP = n.child("ipAddress", nsDisqus).str()
	c.ParentExternalID = n.child("parent", nsDisqus).get("id")
	return s.out(c)
}
