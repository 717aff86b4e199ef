package handlers

import "sync"

// bytesMemo remembers values by the request bytes they were worked out
// from, for work whose answer depends on those bytes alone (a signed
// cookie's session id, a counts request's decoding). It holds at most max
// values and starts over when full, which costs each caller one more
// working out.
type bytesMemo[V any] struct {
	mu     sync.Mutex
	max    int
	values map[string]V
}

func newBytesMemo[V any](max int) *bytesMemo[V] {
	return &bytesMemo[V]{max: max, values: make(map[string]V)}
}

func (m *bytesMemo[V]) get(key string) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	return v, ok
}

func (m *bytesMemo[V]) put(key string, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.values) >= m.max {
		clear(m.values)
	}
	m.values[key] = v
}

func (m *bytesMemo[V]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.values)
}
