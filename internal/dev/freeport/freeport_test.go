package freeport

import "testing"

func TestPickIsBelowTheEphemeralRangeAndNeverRepeats(t *testing.T) {
	start := ephemeralStart()
	seen := map[int]bool{}
	for range 300 {
		p, err := Pick()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d was handed out twice", p)
		}
		seen[p] = true
		if start-lowest >= 1000 && (p < lowest || p >= start) {
			t.Fatalf("port %d is outside [%d, %d)", p, lowest, start)
		}
		if !bindable(p) {
			t.Fatalf("port %d is not free", p)
		}
	}
}

func TestPickNeverReturnsAReservedPort(t *testing.T) {
	start := ephemeralStart()
	reserved := map[int]bool{}
	for p := lowest; p < start; p += 3 {
		reserved[p] = true
		Reserve(p)
	}
	for range 300 {
		p, err := Pick()
		if err != nil {
			t.Fatal(err)
		}
		if reserved[p] {
			t.Fatalf("port %d was reserved", p)
		}
	}
}
