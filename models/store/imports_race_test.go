//go:build race

package store_test

// raceEnabled is set under the race detector, which slows imports down
// several times over; the big tests shrink then.
const raceEnabled = true
