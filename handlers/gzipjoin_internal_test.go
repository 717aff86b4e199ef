package handlers

import (
	"bytes"
	"slices"
	"testing"
)

// writeLengths records the length of each write it is given.
type writeLengths struct {
	bytes.Buffer
	lengths []int
}

func (w *writeLengths) Write(p []byte) (int, error) {
	w.lengths = append(w.lengths, len(p))
	return w.Buffer.Write(p)
}

func TestWritePiecesCopiesSmallRunsAndWritesLargePiecesAsTheyAre(t *testing.T) {
	small := func(n int) []byte { return bytes.Repeat([]byte("s"), n) }
	large := bytes.Repeat([]byte("L"), directPiece)
	cases := []struct {
		pieces [][]byte
		writes []int
	}{
		{[][]byte{small(10), small(18_000), small(36), small(1_500), small(5), small(8)}, []int{19_559}},
		{[][]byte{large, small(36), small(4_600)}, []int{directPiece, 4_636}},
		{[][]byte{small(10), large, small(5), large}, []int{10, directPiece, 5, directPiece}},
		{[][]byte{nil, {}}, nil},
		{nil, nil},
	}
	for i, tc := range cases {
		var w writeLengths
		newRenderCache(0).writePieces(&w, tc.pieces)
		if !slices.Equal(w.lengths, tc.writes) {
			t.Errorf("case %d: writes of %v bytes, want %v", i, w.lengths, tc.writes)
		}
		if want := bytes.Join(tc.pieces, nil); !bytes.Equal(w.Bytes(), want) {
			t.Errorf("case %d: wrote %d bytes that differ from the %d given", i, w.Len(), len(want))
		}
	}
}
