package store

import (
	"strings"
	"unicode/utf8"
)

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
