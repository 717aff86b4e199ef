package handlers

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

func TestCRCAppendMatchesTheChecksumOfTheWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := []int{0, 1, 2, 3, 7, 8, 255, 256, 4096, 70_001, 1 << 20}
	for _, la := range lengths {
		for _, lb := range lengths {
			a, b := make([]byte, la), make([]byte, lb)
			for i := range a {
				a[i] = byte(rng.Uint32())
			}
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			whole := crc32.Update(crc32.ChecksumIEEE(a), crc32.IEEETable, b)
			got := crcAppend(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), crcShift(lb))
			if got != whole {
				t.Fatalf("%d bytes then %d: joined CRC %08x, want %08x", la, lb, got, whole)
			}
		}
	}
}

func TestCRCShiftOfNothingIsOne(t *testing.T) {
	if got := crcShift(0); got != crcOne {
		t.Fatalf("crcShift(0) = %08x, want the polynomial 1 (%08x)", got, uint32(crcOne))
	}
	if got := crcMultiply(crcOne, 0xdeadbeef); got != 0xdeadbeef {
		t.Fatalf("1·p = %08x, want p", got)
	}
}
