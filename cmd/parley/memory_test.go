package main

import (
	"runtime/debug"
	"testing"
)

func TestLimitMemoryKeepsWhatTheEnvironmentSets(t *testing.T) {
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(limit) })

	limitMemory(func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("memory limit %d, want %d", got, defaultMemoryLimit)
	}

	// A limit the runtime read from GOMEMLIMIT stays as it is.
	debug.SetMemoryLimit(1 << 30)
	limitMemory(func(k string) string { return map[string]string{"GOMEMLIMIT": "1GiB"}[k] })
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit %d after GOMEMLIMIT was set", got)
	}
}
