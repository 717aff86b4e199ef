// Package moderation decides what happens to a new comment: published,
// held for review, sent to spam, or refused outright.
//
// It is a pure rule engine. The caller looks up everything that needs the
// database or the network (bans, duplicates, the commenter's trust, the
// Akismet answer) and passes it in an Input; Check runs a chain of small
// Checkers over it and combines their Results into one Verdict.
//
// Combination: a refusal beats spam, spam beats pending, pending beats
// approved. Every reason that fired is kept, in chain order.
//
// Modes (models.Moderation*):
//   - post: approved unless a rule holds the comment.
//   - smart: comments from commenters who are not yet trusted are held,
//     as are rule hits; trusted commenters are published unless a rule
//     holds them.
//   - pre: every comment is at least pending. An unknown or empty mode is
//     treated as pre, so a misconfigured site never publishes by mistake.
//
// Shadow bans: a shadow-banned commenter's comment is stored with status
// spam, reason CodeShadowBan and Verdict.Shadow set. The caller answers as
// if it had been published and shows it to its author only (recognised by
// the commenter key or edit token), so the author does not learn of the ban.
//
// Akismet: the caller asks Akismet (package moderation/akismet) and passes
// the answer in Input.AkismetSpam and Input.AkismetDiscard; the Akismet
// checker turns it into a spam verdict with reason CodeAkismet.
package moderation

// Reason codes, as stored in models.Reason.Code.
const (
	CodeThreadClosed  = "thread_closed"  // refused: the page takes no comments
	CodeBanned        = "banned"         // refused: the commenter is banned
	CodeDuplicate     = "duplicate"      // refused: same text posted within a day
	CodeShadowBan     = "shadow_ban"     // spam, shown to its author only
	CodeHoneypot      = "honeypot"       // spam: the hidden form field was filled
	CodeBlockWord     = "block_word"     // spam: a block-list pattern matched
	CodeAkismet       = "akismet"        // spam: Akismet said so
	CodeTooFast       = "too_fast"       // spam: the form came back too fast
	CodeLinks         = "links"          // pending: more links than allowed
	CodeHoldWord      = "hold_word"      // pending: a hold-list pattern matched
	CodeOldPost       = "old_post"       // pending: the post is older than allowed
	CodePreModeration = "pre_moderation" // pending: the site holds every comment
	CodeFirstTime     = "first_time"     // pending: smart mode, commenter not yet trusted
)
