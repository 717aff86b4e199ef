package store

import "errors"

// walHeaderWords is the size of one copy of SQLite's wal-index header in
// 32-bit words (48 bytes; https://www.sqlite.org/walformat.html).
const walHeaderWords = 12

// walHeader is one copy of the wal-index header. Every commit rewrites it:
// its change counter, last frame, salts and checksums move together, so
// two equal headers mean the same committed state of the database.
type walHeader [walHeaderWords]uint32

// errWALIndexGone reports a wal-index mapping that can no longer be read
// (the file was cut short under it); the memo turns off.
var errWALIndexGone = errors.New("store: the wal-index can no longer be read")
