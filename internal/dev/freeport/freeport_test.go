package freeport

import (
	"net"
	"testing"
)

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

func TestClaimTakesAFreePortOnce(t *testing.T) {
	p, err := Pick()
	if err != nil {
		t.Fatal(err)
	}
	if Claim(p) {
		t.Fatalf("port %d was claimed after Pick handed it out", p)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if Claim(l.Addr().(*net.TCPAddr).Port) {
		t.Fatal("a port held by a listener was claimed")
	}
	var free int
	for q := p + 1; q < p+100; q++ {
		if !given[q] && bindable(q) {
			free = q
			break
		}
	}
	if free == 0 {
		t.Skipf("no free port near %d", p)
	}
	if !Claim(free) || Claim(free) {
		t.Fatalf("a free port %d is claimed exactly once", free)
	}
	Release(free)
	if !Claim(free) {
		t.Fatalf("port %d was not claimed again after its release", free)
	}
}
