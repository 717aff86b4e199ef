package handlers

import "sync"

// maxMemo is the bound of the handlers' memos.
const maxMemo = 256

// boundedMemo remembers the results of a pure function for up to max
// keys; past that it computes them every time. Its keys come from
// requests, so the bound keeps a stream of distinct ones from growing
// memory, while the few that every request repeats (a site's origins,
// its pages' policies) are made once.
type boundedMemo[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
	fn  func(K) V
}

func newBoundedMemo[K comparable, V any](max int, fn func(K) V) *boundedMemo[K, V] {
	return &boundedMemo[K, V]{m: make(map[K]V), max: max, fn: fn}
}

// get returns fn(key), made once while the memo has room.
func (b *boundedMemo[K, V]) get(key K) V {
	b.mu.RLock()
	v, ok := b.m[key]
	b.mu.RUnlock()
	if ok {
		return v
	}
	v = b.fn(key)
	b.mu.Lock()
	if len(b.m) < b.max {
		b.m[key] = v
	}
	b.mu.Unlock()
	return v
}

// len returns how many results the memo holds.
func (b *boundedMemo[K, V]) len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}
