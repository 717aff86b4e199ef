package handlers

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// deflateSegment compresses b into raw deflate blocks ending with a sync
// flush: byte-aligned, not final, and with no reference to anything before
// it, so segments compressed apart can be joined into one stream.
func deflateSegment(b []byte) []byte {
	var buf bytes.Buffer
	syncFlushed(&bestFlateWriters, flate.BestCompression, &buf, b)
	return buf.Bytes()
}

// bestFlateWriters keeps deflate writers at BestCompression between cache
// fills, as bestGzipWriters does.
var bestFlateWriters sync.Pool

// deflateFresh appends b to dst as a sync-flushed segment (see
// deflateSegment), compressed fast: it is for one request alone.
func (c *renderCache) deflateFresh(dst io.Writer, b []byte) {
	syncFlushed(&c.deflaters, flate.BestSpeed, dst, b)
}

// syncFlushed writes b to dst as a sync-flushed deflate segment with a
// writer from pool, made at level when the pool has none: making one costs
// more than compressing a few kilobytes with it.
func syncFlushed(pool *sync.Pool, level int, dst io.Writer, b []byte) {
	fw, ok := pool.Get().(*flate.Writer)
	if ok {
		fw.Reset(dst)
	} else {
		fw, _ = flate.NewWriter(dst, level)
	}
	fw.Write(b)
	fw.Flush()
	fw.Reset(nil)
	pool.Put(fw)
}

// gzipHeader is a minimal gzip member header: no name, no time, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// finalEmptyBlock ends a deflate stream: an empty stored block marked final.
var finalEmptyBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// segment is one part of a response assembled from cached and fresh parts.
type segment struct {
	cached *rendered // compressed once, reused by every request
	fresh  []byte    // rendered for this request alone
}

// maxStoredFresh is the longest fresh segment sent uncompressed: a form's
// stamp costs more to compress than the few bytes compressing would save.
const maxStoredFresh = 512

// storedBlock appends b to dst as one stored (uncompressed) deflate block,
// not final. It starts and ends byte-aligned, as a sync-flushed segment
// does; b must be at most 65,535 bytes.
func storedBlock(dst *bytes.Buffer, b []byte) {
	n := uint16(len(b))
	dst.Write([]byte{0, byte(n), byte(n >> 8), byte(^n), byte(^n >> 8)})
	dst.Write(b)
}

// gzipJoin returns the segments as the pieces of one gzip stream, and the
// stream's length: cached segments as they were compressed once, fresh ones
// compressed now, or stored when they are tiny. The trailer's CRC-32 joins
// the cached segments' sums, kept with them, to the fresh bytes' (see
// crcAppend), so no request sums a cached byte again.
func (c *renderCache) gzipJoin(parts []segment) (pieces [][]byte, length int) {
	var fresh bytes.Buffer // every fresh segment encoded, one after another
	var freshEnds []int
	for _, p := range parts {
		switch {
		case p.cached != nil || len(p.fresh) == 0:
			continue
		case len(p.fresh) <= maxStoredFresh:
			storedBlock(&fresh, p.fresh)
		default:
			c.deflateFresh(&fresh, p.fresh)
		}
		freshEnds = append(freshEnds, fresh.Len())
	}
	pieces = append(make([][]byte, 0, len(parts)+3), gzipHeader)
	var crc uint32
	var n, from int
	for _, p := range parts {
		switch {
		case p.cached != nil:
			deflated, sum, shift := p.cached.deflate()
			pieces = append(pieces, deflated)
			crc = crcAppend(crc, sum, shift)
			n += len(p.cached.body)
		case len(p.fresh) > 0:
			pieces = append(pieces, fresh.Bytes()[from:freshEnds[0]])
			from, freshEnds = freshEnds[0], freshEnds[1:]
			crc = crc32.Update(crc, crc32.IEEETable, p.fresh)
			n += len(p.fresh)
		}
	}
	trailer := make([]byte, 8)
	binary.LittleEndian.PutUint32(trailer[:4], crc)
	binary.LittleEndian.PutUint32(trailer[4:], uint32(n))
	pieces = append(pieces, finalEmptyBlock, trailer)
	for _, piece := range pieces {
		length += len(piece)
	}
	return pieces, length
}

// directPiece is the length from which a piece is written as it is rather
// than copied next to its neighbours.
const directPiece = 32 << 10

// writePieces writes pieces to dst in order, in as few writes as cheap
// copying allows: runs of pieces shorter than directPiece are copied into
// one buffer and written together. Once net/http's 4 KB buffer is full,
// each write of a response is a system call, and on loopback one call costs
// more than copying a few kilobytes.
func (c *renderCache) writePieces(dst io.Writer, pieces [][]byte) {
	run := c.buffer()
	defer c.release(run)
	for _, piece := range pieces {
		if len(piece) < directPiece {
			run.Write(piece)
			continue
		}
		if run.Len() > 0 {
			dst.Write(run.Bytes())
			run.Reset()
		}
		dst.Write(piece)
	}
	if run.Len() > 0 {
		dst.Write(run.Bytes())
	}
}

// plainPieces returns the segments uncompressed, as pieces to write, and
// their length.
func plainPieces(parts []segment) (pieces [][]byte, length int) {
	pieces = make([][]byte, 0, len(parts))
	for _, p := range parts {
		b := p.fresh
		if p.cached != nil {
			b = p.cached.body
		}
		pieces = append(pieces, b)
		length += len(b)
	}
	return pieces, length
}
