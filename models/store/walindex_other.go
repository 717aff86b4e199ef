//go:build !unix

package store

import "errors"

// walIndex is not read on systems without mmap: the head memo stays off
// and every read asks the database for its head.
type walIndex struct{}

// shmFile is not opened on such systems either.
type shmFile struct{}

func openShmFile(string) (*shmFile, error) {
	return nil, errors.New("store: the wal-index is not read on this system")
}

func mapWALIndex(*shmFile) (*walIndex, error) { return nil, errWALIndexGone }

func (file *shmFile) release() error { return nil }

func (w *walIndex) header() (walHeader, bool, error) { return walHeader{}, false, errWALIndexGone }

func (w *walIndex) unmap() error { return nil }
