package handlers

import "sync"

// bytesMemo remembers values by the request bytes they were worked out
// from, for work whose answer depends on those bytes alone (a signed
// cookie's session id, a counts request's decoding, an origin normalized,
// a host through IDNA, a CSP with its frame ancestors). It holds at most max
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

// getOrMake returns the value for key, made by make and remembered when
// it is not there yet.
func (m *bytesMemo[V]) getOrMake(key string, make func(string) V) V {
	if v, ok := m.get(key); ok {
		return v
	}
	v := make(key)
	m.put(key, v)
	return v
}

func (m *bytesMemo[V]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.values)
}
