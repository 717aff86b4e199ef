package main

import (
	"math/bits"
	"time"
)

// histogram counts latencies in microseconds: exactly below 128 µs, above
// that in buckets 1/64 of a power of two wide (under 1.6% error), up to
// hours. Its size is fixed, however many requests a run makes.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
}

const histBuckets = 128 + 40*64

func histIndex(us uint64) int {
	if us < 128 {
		return int(us)
	}
	e := bits.Len64(us) - 7 // us>>e is in [64, 128)
	idx := 128 + (e-1)*64 + int(us>>e) - 64
	return min(idx, histBuckets-1)
}

// histValue is the middle of bucket idx, in microseconds.
func histValue(idx int) uint64 {
	if idx < 128 {
		return uint64(idx)
	}
	e := (idx-128)/64 + 1
	m := uint64((idx-128)%64 + 64)
	return m<<e + (uint64(1)<<e)/2
}

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[histIndex(uint64(d/time.Microsecond))]++
	h.n++
	h.max = max(h.max, d)
}

// merge adds o's counts to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a fraction q of the samples
// lie (q in [0, 1]); 0 without samples.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			d := time.Duration(histValue(i)) * time.Microsecond
			return min(d, h.max)
		}
	}
	return h.max
}
