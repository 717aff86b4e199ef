package main

import (
	"strings"

	"parley/models/markup"
	"parley/models/store"
)

const welcomeText = `Parley is the comment section of this blog — and, if you like, of any other
site you run. Readers write comments and replies here without an account;
moderators decide what is shown.

## Try it

1. Write a comment below. This blog starts with **pre-moderation**, so your
   comment waits for a moderator.
2. Sign in at [/admin](/admin) with the account printed when Parley first
   started, and approve it in the queue.
3. Come back here: your comment is part of the thread, and replies nest under it.

## Put Parley under another site's articles

Paste these two lines where the comments should appear:

` + "```html" + `
<div id="parley-thread"></div>
<script src="{{BASE}}/static/embed.js" data-site="default" async></script>
` + "```" + `

Comment counts for a list of posts come from ` + "`/static/count.js`" + ` and the
JSON API lives under ` + "`/api/v1`" + `. The README tells the rest: configuration,
moderation, backups and running several instances.
`

// welcomePost is the first post of a new blog: what Parley is and how to embed it.
func welcomePost(baseURL string, md *markup.Renderer) (store.Welcome, error) {
	body := strings.ReplaceAll(welcomeText, "{{BASE}}", baseURL)
	html, err := md.Post(body)
	if err != nil {
		return store.Welcome{}, err
	}
	return store.Welcome{Title: "Welcome to Parley", Slug: "welcome-to-parley", Body: body, BodyHTML: html}, nil
}
