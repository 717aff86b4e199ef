//go:build !unix

package store

// walIndex is not read on systems without mmap: the head memo stays off
// and every read asks the database for its head.
type walIndex struct{}

func openWALIndex(string) (*walIndex, error) { return nil, nil }

func (w *walIndex) header() (walHeader, bool, error) { return walHeader{}, false, errWALIndexGone }

func (w *walIndex) unmap() error { return nil }

func (w *walIndex) close() error { return nil }
