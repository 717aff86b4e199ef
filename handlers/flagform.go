package handlers

import (
	"context"
	"strconv"
)

// Each comment carries a small "Flag" link rather than its own flag form:
// a hundred forms with a select each were a quarter of a thread page's
// markup and about 2,500 elements a phone had to lay out. With script the
// link opens one form under its comment (static/app.js clones the page's
// flag template); without, it opens the page again with ?flag=ID, which
// shows the form above the comment form (flagForm).

// flagForm is the form that reports one comment to the moderators.
type flagForm struct {
	Action string // where it posts
	Author string // whose comment it reports ("" in the script's template)
	Cancel string // back to the comment
}

// flagFormFor returns the form for ?flag=ID when ID is an approved comment
// of the thread, else nil. action and cancel make the comment's form post
// and cancel addresses from its id.
func (s *Server) flagFormFor(ctx context.Context, threadID uint, raw string, action, cancel func(id string) string) *flagForm {
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 || threadID == 0 {
		return nil
	}
	author := s.replyAuthor(ctx, threadID, uint(id))
	if author == "" {
		return nil
	}
	sid := strconv.FormatUint(id, 10)
	return &flagForm{Action: action(sid), Author: author, Cancel: cancel(sid)}
}
