package store

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is go-sqlite3 with Parley's own setup of each reading
// connection (connectSQLite); sqliteWriterDriver sets up the writer's
// (connectSQLiteWriter).
const (
	sqliteDriver       = "sqlite3_parley"
	sqliteWriterDriver = "sqlite3_parley_writer"
)

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: connectSQLite})
	sql.Register(sqliteWriterDriver, &sqlite3.SQLiteDriver{ConnectHook: connectSQLiteWriter})
}

// connectSQLite sets up a new SQLite connection with parley_fold, a LOWER
// that lowers every alphabet, where SQLite's own LOWER lowers only A–Z.
// Expression indexes keep the built-in LOWER (other tools opening the file
// must compute the same values); parley_fold serves only filters that read
// rows without an index, such as the queue's search.
func connectSQLite(c *sqlite3.SQLiteConn) error {
	return c.RegisterFunc("parley_fold", strings.ToLower, true)
}

// connectSQLiteWriter sets up the writer's connection as connectSQLite
// does, and with temp_store=MEMORY, which keeps statement journals in
// memory. A new comment's INSERT runs the status-count and queue-version
// triggers and updates a dozen indexes, so SQLite journals the statement;
// past 64 KiB that journal went to a temporary file, which cost about 40%
// of the insert's CPU (BENCHMARKS.md). The readers keep temporary files:
// in memory, a sort that outgrows the page cache (an export's, a
// migration's index build) would stay whole in the process's memory
// (migrate switches the writer to files for its steps).
func connectSQLiteWriter(c *sqlite3.SQLiteConn) error {
	if _, err := c.Exec("PRAGMA temp_store = MEMORY", nil); err != nil {
		return fmt.Errorf("store: set temp_store: %w", err)
	}
	return connectSQLite(c)
}
