package handlers

import (
	"testing"
	"time"
)

// TestFormStampOfEachSecond: the stamp remembered for a second is the one
// signing would give, and a new second gets its own, which verifies.
func TestFormStampOfEachSecond(t *testing.T) {
	s := &signer{keys: [][]byte{[]byte("key one")}}
	at := time.Unix(1_800_000_000, 0)
	first := s.formStamp(at)
	if again := s.formStamp(at.Add(900 * time.Millisecond)); again != first {
		t.Fatalf("same second: %q, then %q", first, again)
	}
	if want := s.sign("form", "1800000000"); first != want {
		t.Fatalf("stamp %q, signing gives %q", first, want)
	}
	next := s.formStamp(at.Add(time.Second))
	if next == first {
		t.Fatal("the next second has the same stamp")
	}
	if age, ok := s.formAge(next, at.Add(3*time.Second)); !ok || age != 2*time.Second {
		t.Fatalf("age of the next second's stamp: %v, %v", age, ok)
	}
	other := &signer{keys: [][]byte{[]byte("key two")}}
	if other.formStamp(at) == first {
		t.Fatal("another key signs the same stamp")
	}
}
