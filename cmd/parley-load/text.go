package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The generator writes comments the way readers do: a sentence or a few
// paragraphs, some emphasis, a link now and then, code among programmers,
// a quote of the comment they answer.

var firstNames = []string{"Ann", "Bob", "Chiara", "Dmitri", "Ece", "Farah", "Gus", "Hana", "Ivo", "Jun",
	"Kofi", "Lena", "Mateo", "Nia", "Olek", "Priya", "Quinn", "Rafa", "Sven", "Tomás", "Uma", "Vera",
	"Wen", "Xavier", "Yusuf", "Zoë"}

var lastNames = []string{"Adams", "Baker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Haddad",
	"Ito", "Jansen", "Kowalski", "López", "Müller", "Nakamura", "Okafor", "Petrov", "Rossi", "Silva",
	"Tanaka", "Novak", "Weber", "Yilmaz"}

var sentences = []string{
	"I tried this on my own blog last weekend and it worked on the first attempt.",
	"This matches what we saw in production, although our traffic is much smaller.",
	"Could you say more about how the cache is invalidated when a comment is edited?",
	"The part about backups is the one I wish I had read a year ago.",
	"We moved from a hosted service to a single binary and never looked back.",
	"I am not convinced that SQLite is enough here, but the numbers are hard to argue with.",
	"Thanks for writing this up, it is clearer than the official documentation.",
	"One small correction: the flag is spelled differently in the latest release.",
	"Has anyone measured this on a Raspberry Pi or a similarly small machine?",
	"The moderation queue is what sold me, the keyboard shortcuts save a lot of time.",
	"My experience was the opposite, but I suspect our reverse proxy was to blame.",
	"I would love to see a follow-up post that compares the memory usage over a week.",
	"Pre-moderation sounds strict, yet for a small blog it is exactly the right default.",
	"Spam bots found my old comment form within a day of launching it.",
	"Reading the source was easier than I expected, the layout is very plain.",
	"Is there a way to import the comments from an old WordPress export?",
}

var emphasized = []string{"*exactly*", "**really**", "_much_ faster", "**not**", "*every* time", "~~never~~ rarely"}

var codeBits = []string{"`PRAGMA journal_mode=WAL`", "`go test -bench .`", "`synchronous=FULL`", "`ETag`",
	"`GET /api/v1/comments`", "`VACUUM INTO`"}

var links = []string{"[the SQLite docs](https://sqlite.org/wal.html)", "https://example.com/notes/2024/caching",
	"[my write-up](https://blog.example.org/posts/moving-comments?ref=parley)", "[this issue](https://example.net/issues/42)"}

var codeBlocks = []string{
	"```go\ndb.SetMaxOpenConns(1)\nif err := db.Ping(); err != nil {\n\treturn err\n}\n```",
	"```sh\nsqlite3 parley.db \"VACUUM INTO 'backup.db'\"\n```",
	"```sql\nSELECT page, comment_count FROM threads WHERE site_id = 'default';\n```",
}

// textGen makes names and markdown from its own random source, so a seed
// number gives the same database every time. Not safe for concurrent use.
type textGen struct{ rng *rand.Rand }

func newTextGen(seed uint64) *textGen {
	return &textGen{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

func (g *textGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// name returns an author name.
func (g *textGen) name() string { return g.pick(firstNames) + " " + g.pick(lastNames) }

// sentence returns one sentence, sometimes with emphasis, code or a link.
func (g *textGen) sentence() string {
	s := g.pick(sentences)
	switch g.rng.IntN(8) {
	case 0:
		s = strings.TrimSuffix(s, ".") + ", " + g.pick(emphasized) + "."
	case 1:
		s += " The trick is " + g.pick(codeBits) + "."
	case 2:
		s += " See " + g.pick(links) + "."
	}
	return s
}

// paragraph returns two to five sentences.
func (g *textGen) paragraph() string {
	n := 2 + g.rng.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.sentence()
	}
	return strings.Join(parts, " ")
}

// comment returns a comment's markdown: most are one or two paragraphs,
// some quote the comment they answer, a few carry a list or a code block.
func (g *textGen) comment(reply bool) string {
	var blocks []string
	if reply && g.rng.IntN(3) == 0 {
		blocks = append(blocks, "> "+g.pick(sentences))
	}
	n := 1 + g.rng.IntN(2)
	if g.rng.IntN(10) == 0 {
		n += 2 + g.rng.IntN(3)
	}
	for i := 0; i < n; i++ {
		blocks = append(blocks, g.paragraph())
	}
	switch g.rng.IntN(12) {
	case 0:
		blocks = append(blocks, g.pick(codeBlocks))
	case 1:
		blocks = append(blocks, "- "+g.pick(sentences)+"\n- "+g.pick(sentences)+"\n- "+g.pick(codeBits))
	}
	return strings.Join(blocks, "\n\n")
}

// article returns a post's markdown: headings, paragraphs, a list and code.
func (g *textGen) article(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", g.paragraph())
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "## %s, part %d\n\n%s\n\n%s\n\n", title, i+1, g.paragraph(), g.paragraph())
	}
	fmt.Fprintf(&b, "- %s\n- %s\n\n%s\n", g.sentence(), g.sentence(), g.pick(codeBlocks))
	return b.String()
}

var titleWords = []string{"Caching", "SQLite", "Comments", "Moderation", "Backups", "Spam", "Latency",
	"Indexes", "Threads", "Memory", "Start-up", "Feeds"}

// title returns a post title.
func (g *textGen) title() string {
	return fmt.Sprintf("Notes on %s and %s", g.pick(titleWords), strings.ToLower(g.pick(titleWords)))
}
