//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
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
	mem []byte // nil once unmapped
}

// shmFile is this process's own descriptor of one -shm file, shared by
// every store of the process on the file. POSIX locks belong to a process and a file,
// and closing any descriptor of the file drops all of them, SQLite's too:
// another process would then find the database unused, truncate the file
// and make this one fault at its next commit. So the descriptor stays
// open until the last store of this process using the file has closed
// every connection (shmFile.release), as SQLite itself keeps descriptors.
type shmFile struct {
	id    shmID
	f     *os.File
	spare []*os.File // more descriptors of the file, closed with f
	users int
}

// shmFiles are the open shmFiles, by device and inode.
var shmFiles = struct {
	mu   sync.Mutex
	open map[shmID]*shmFile
}{open: map[shmID]*shmFile{}}

type shmID struct{ dev, ino uint64 }

// openShmFile opens the wal-index of the SQLite database at dbPath, or
// counts one more user of the descriptor this process has open already.
// The caller must call release once, and only once every connection of
// its own to the database is closed.
func openShmFile(dbPath string) (*shmFile, error) {
	// SQLite names the file after the database's real path.
	real, err := filepath.EvalSymlinks(dbPath)
	if err != nil {
		return nil, fmt.Errorf("store: wal-index: %w", err)
	}
	file, err := useShmFile(real + "-shm")
	if err != nil {
		return nil, fmt.Errorf("store: wal-index: %w", err)
	}
	return file, nil
}

// mapWALIndex maps the header of the wal-index open as file. The caller
// must keep a connection to the database open for as long as it reads the
// header: SQLite truncates or removes the file only when no connection
// has it open, and a new file would not be this one.
func mapWALIndex(file *shmFile) (*walIndex, error) {
	size := 2 * walHeaderWords * 4
	if st, err := file.f.Stat(); err != nil {
		return nil, fmt.Errorf("store: wal-index: %w", err)
	} else if st.Size() < int64(size) {
		return nil, fmt.Errorf("store: wal-index %s holds %d bytes, not yet a header", file.f.Name(), st.Size())
	}
	mem, err := syscall.Mmap(int(file.f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("store: wal-index: map %s: %w", file.f.Name(), err)
	}
	return &walIndex{mem: mem}, nil
}

// useShmFile opens the -shm file at path, or counts one more user of the
// descriptor this process has open already.
func useShmFile(path string) (*shmFile, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	id := shmID{uint64(st.Dev), uint64(st.Ino)}
	shmFiles.mu.Lock()
	defer shmFiles.mu.Unlock()
	if file, ok := shmFiles.open[id]; ok {
		file.users++
		return file, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The file may have been replaced between the stat and the open;
	// the descriptor is then filed under the inode it really has.
	if fst, err := f.Stat(); err == nil {
		if sys, ok := fst.Sys().(*syscall.Stat_t); ok {
			id = shmID{uint64(sys.Dev), uint64(sys.Ino)}
		}
	}
	if file, ok := shmFiles.open[id]; ok {
		// Closing f here would drop the locks; keep it with the other.
		file.users++
		file.spare = append(file.spare, f)
		return file, nil
	}
	file := &shmFile{id: id, f: f, users: 1}
	shmFiles.open[id] = file
	return file, nil
}

// release counts one user less, and closes the descriptors after the last.
func (file *shmFile) release() error {
	shmFiles.mu.Lock()
	defer shmFiles.mu.Unlock()
	if file.users--; file.users > 0 {
		return nil
	}
	delete(shmFiles.open, file.id)
	errs := []error{file.f.Close()}
	for _, f := range file.spare {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
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

// unmap stops reading the header; it may be called more than once.
func (w *walIndex) unmap() error {
	if w.mem == nil {
		return nil
	}
	mem := w.mem
	w.mem = nil
	if err := syscall.Munmap(mem); err != nil {
		return fmt.Errorf("store: wal-index: unmap: %w", err)
	}
	return nil
}
