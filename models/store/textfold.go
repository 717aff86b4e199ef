package store

import (
	"database/sql"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is go-sqlite3 with one function of Parley's own,
// parley_fold: a LOWER that lowers every alphabet, where SQLite's own LOWER
// lowers only A–Z. Expression indexes keep the built-in LOWER (other tools
// opening the file must compute the same values); parley_fold serves only
// filters that read rows without an index, such as the queue's search.
const sqliteDriver = "sqlite3_parley"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		return c.RegisterFunc("parley_fold", strings.ToLower, true)
	}})
}

// textFold names the SQL function that lowers text for a case-insensitive
// match of term. PostgreSQL's LOWER follows the database's locale. On
// SQLite, a term all in ASCII uses LOWER: a character that matches it
// case-insensitively is an ASCII letter, which LOWER folds, and
// LOWER runs without a call into Go for every row.
func textFold(postgres bool, term string) string {
	if postgres || isASCII(term) {
		return "LOWER"
	}
	return "parley_fold"
}

// folded writes the fold function for term into sql where it says FOLD.
func folded(sql string, postgres bool, term string) string {
	return strings.ReplaceAll(sql, "FOLD", textFold(postgres, term))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
