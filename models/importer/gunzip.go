package importer

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
)

// Gunzipped returns r decompressed when it starts as a gzip file does, and
// r itself otherwise, so that every import takes an export as downloaded
// or gzipped (as Parley's admin export hands it out).
func Gunzipped(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return zr, nil
}
