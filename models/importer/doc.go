// Package importer reads comment exports of other platforms (Blogger Atom
// backups, Disqus XML exports and WordPress WXR files) and yields them as
// neutral records: Thread, Post, Comment and Skip. It only parses and
// normalizes; storing the records is the caller's job.
//
// # Streaming
//
// Every reader walks an xml.Decoder token stream and holds at most one
// record (a Blogger entry, a Disqus thread or post, one WordPress comment
// plus the header fields of its item) in memory, so the memory use does not
// grow with the size of the file. The Disqus reader also keeps a map from
// each thread's dsq:id to its page key, which grows with the number of
// threads, not comments.
//
// Records are passed to the emit callback in file order, one at a time. If
// emit returns an error the read stops and returns it (wrapped). A record
// that cannot be used yields a Skip with a reason and the read goes on; only
// an unreadable file (not XML, wrong root element, truncated) is an error.
// Records emitted before such an error stay emitted, so a caller that wants
// all-or-nothing must use a transaction.
//
// # Ordering guarantees and what the storing side must do
//
//   - Blogger: a post's or page's Thread is emitted right before its Post.
//     Blogger writes posts before comments, but nothing in the format
//     promises it, so a Comment can come before the Thread of its page.
//   - Disqus: real exports list every <thread> before the first <post>. The
//     reader relies on that: a post whose thread has not been seen yet is
//     skipped ("unknown thread"), so every emitted Comment has its thread
//     already emitted.
//   - WordPress: for each <item>, its Thread comes first (at the item's
//     first comment, or at the item's end), then its Comments, then its
//     Post (at the item's end, once all its fields are known).
//   - Comment.ThreadKey is always set and already rewritten by the
//     mappings; find-or-create the thread by that key, and fill in its
//     title, URL and closed flag when (or if) its Thread record arrives.
//     Thread.ExternalID equals Post.ExternalID for Blogger and WordPress, so
//     the two can be linked.
//   - Comment.ParentExternalID may name a comment that comes later in the
//     file, one that was skipped, or one that is not in the file at all
//     (a WordPress reply to a deleted comment). Insert comments without a
//     parent, remember (new id, ParentExternalID) for replies, and after the
//     pass resolve the parents through an ExternalID → new id map; a reply
//     whose parent cannot be found should become a top-level comment (and be
//     reported). Compute depths after that, top-down, and guard against
//     cycles, which a hostile file can contain.
//   - A deleted comment that has replies is still emitted, with
//     Status removed and possibly an empty BodyHTML, so its replies keep
//     their place in the tree. BodyHTML is empty only for removed comments.
//   - ExternalIDs are unique within a well-formed export. A second record
//     with an ExternalID already stored is a duplicate and should be
//     skipped; that also makes a re-import of the same file idempotent.
//     (WordPress comment ids are qualified by their post, "postID#commentID",
//     because hand-edited files repeat comment ids across posts.)
//   - BodyHTML is the HTML as found in the export; sanitize it before use.
package importer
