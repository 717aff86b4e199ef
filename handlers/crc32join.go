package handlers

// The gzip trailer needs the CRC-32 of the whole body, but most of a cached
// page's bytes sit in segments whose CRC never changes. These functions
// join CRCs instead of running the checksum over those bytes again on
// every request.
//
// CRC-32 (IEEE) is the remainder of the message, as a polynomial over GF(2),
// modulo the generator. Appending len(b) bytes to a message multiplies its
// polynomial by x^(8·len(b)); the initial and final inversions of the
// checksum cancel out when the parts' CRCs are joined that way. Polynomials
// are held bit-reflected, as crc32.IEEE is: the top bit is x^0.

// crcPoly is the IEEE generator, reflected.
const crcPoly = 0xedb88320

// crcOne is the polynomial 1 (x^0), reflected.
const crcOne = 1 << 31

// crcPowers[k] is x^(2^k) modulo the generator, for every k a byte
// length can reach.
var crcPowers = func() (t [64]uint32) {
	t[0] = crcOne >> 1 // x^1
	for k := 1; k < len(t); k++ {
		t[k] = crcMultiply(t[k-1], t[k-1])
	}
	return t
}()

// crcMultiply returns a·b modulo the generator.
func crcMultiply(a, b uint32) uint32 {
	var p uint32
	for m := uint32(crcOne); m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// crcShift returns x^(8·n) modulo the generator: what appending n bytes
// multiplies a CRC by.
func crcShift(n int) uint32 {
	p := uint32(crcOne)
	for k := 3; n > 0; k, n = k+1, n>>1 { // 8·n = 2^3·n
		if n&1 != 0 {
			p = crcMultiply(crcPowers[k], p)
		}
	}
	return p
}

// crcAppend returns the CRC-32 of a message followed by b, from the
// message's CRC, b's CRC and crcShift(len(b)).
func crcAppend(crc, crcB, shiftB uint32) uint32 {
	return crcMultiply(shiftB, crc) ^ crcB
}
