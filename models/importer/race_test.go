//go:build race

package importer

// raceEnabled is set when the tests run under the race detector, which
// makes the XML decoder about eight times slower.
const raceEnabled = true
