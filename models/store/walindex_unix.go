//go:build unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// walIndex is a read-only view of the head of SQLite's wal-index, the
// "-shm" file that every connection to a database in WAL mode shares, in
// this process or another. SQLite's own readers learn whether the database
// changed by reading its header without a lock; walIndex reads it the same
// way, at the cost of a few memory loads instead of a read transaction.
type walIndex struct {
	mem []byte
}

// openWALIndex maps the header of the wal-index of the SQLite database at
// dbPath. The caller must keep a connection to the database open for as
// long as it reads the header: SQLite truncates or removes the file only
// when no connection has it open, and a new file would not be this one.
func openWALIndex(dbPath string) (*walIndex, error) {
	// SQLite names the file after the database's real path.
	real, err := filepath.EvalSymlinks(dbPath)
	if err != nil {
		return nil, fmt.Errorf("store: wal-index: %w", err)
	}
	f, err := os.Open(real + "-shm")
	if err != nil {
		return nil, fmt.Errorf("store: wal-index: %w", err)
	}
	defer f.Close()
	size := 2 * walHeaderWords * 4
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("store: wal-index: %w", err)
	} else if st.Size() < int64(size) {
		return nil, fmt.Errorf("store: wal-index %s holds %d bytes, not yet a header", f.Name(), st.Size())
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("store: wal-index: map %s: %w", f.Name(), err)
	}
	return &walIndex{mem: mem}, nil
}

// header returns a consistent copy of the header, read as SQLite's readers
// read it: a writer writes the second copy and then the first, so a read
// of the first and then the second that finds them equal saw one whole
// header. ok is false when a writer was busy with it every time or it was
// never written; err is errWALIndexGone when the mapping faulted.
func (w *walIndex) header() (h walHeader, ok bool, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			h, ok, err = walHeader{}, false, errWALIndexGone
		}
	}()
	for range 4 {
		var second walHeader
		for i := range h {
			h[i] = atomic.LoadUint32(w.word(i))
		}
		for i := range second {
			second[i] = atomic.LoadUint32(w.word(walHeaderWords + i))
		}
		if h == second && h != (walHeader{}) {
			return h, true, nil
		}
	}
	return walHeader{}, false, nil
}

// word points at the i-th 32-bit word of the mapping, which is page
// aligned, so every word is aligned for atomic loads.
func (w *walIndex) word(i int) *uint32 {
	return (*uint32)(unsafe.Pointer(&w.mem[4*i]))
}

// close unmaps the header.
func (w *walIndex) close() error {
	if err := syscall.Munmap(w.mem); err != nil {
		return fmt.Errorf("store: wal-index: unmap: %w", err)
	}
	return nil
}
