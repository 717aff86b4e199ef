//go:build unix

package store_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"parley/models/store"
	"parley/models/store/storetest"
)

// sqliteDMSByte is the byte of the -shm file on which every process using
// a WAL database holds a shared lock (SQLite's unix VFS, UNIX_SHM_DMS): a
// process that can lock it exclusively believes it is alone and may
// truncate the file.
const sqliteDMSByte = 128

// TestStoreKeepsSQLiteLocksOnTheWALIndex: POSIX locks belong to a process
// and a file, and closing any descriptor of the file drops them all. The
// memo reads the -shm file through a descriptor of its own; if it ever
// closed it while SQLite's connections were open, another process would
// find the database unused, truncate the file and crash this one (SIGBUS)
// at its next commit. Another process looks at the lock, with the store
// open and after it wrote, after a second store on the file has closed.
func TestStoreKeepsSQLiteLocksOnTheWALIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "locks.db")
	st := storetest.Open(t, path)
	bootstrapped(t, st)
	wantLocked := func(when string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestWALIndexLockProbe$")
		cmd.Env = append(os.Environ(), "PARLEY_LOCK_PROBE_SHM="+path+"-shm")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: the probe: %v\n%s", when, err, out)
		}
		if want := fmt.Sprintf("held by %d", os.Getpid()); !strings.Contains(string(out), want) {
			t.Fatalf("%s: SQLite's shared lock on the wal-index is gone (want %q):\n%s", when, want, out)
		}
	}
	wantLocked("with the store open")

	second, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.PostHead(ctx, "default", "welcome"); err != nil {
		t.Fatal(err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	wantLocked("after a second store on the file closed")
	if _, err := st.PostHead(ctx, "default", "welcome"); err != nil {
		t.Fatal(err)
	}
	wantLocked("after reading again")
}

// TestWALIndexLockProbe is the other process of
// TestStoreKeepsSQLiteLocksOnTheWALIndex; alone it does nothing.
func TestWALIndexLockProbe(t *testing.T) {
	shm := os.Getenv("PARLEY_LOCK_PROBE_SHM")
	if shm == "" {
		t.Skip("run by TestStoreKeepsSQLiteLocksOnTheWALIndex")
	}
	f, err := os.OpenFile(shm, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: sqliteDMSByte, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		t.Fatal(err)
	}
	if lk.Type == syscall.F_UNLCK {
		fmt.Println("unlocked")
		return
	}
	fmt.Printf("held by %d\n", lk.Pid)
}
