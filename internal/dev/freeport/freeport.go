// Package freeport picks loopback TCP ports for the programs ke-dev and the
// tests start themselves.
//
// A port taken from a listener on port 0 lies in the kernel's ephemeral
// range, the range the kernel also gives to outgoing connections. Between
// the pick and the program's bind, any client of the cluster may be given
// the same port for a connection, and the bind fails: the fault suite lost
// a run that way when a connection to kube-apiserver held the port chosen
// for VictoriaLogs. Pick chooses below that range instead, where the kernel
// never places a connection, and never hands out one port twice in a
// process.
package freeport

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// lowest is the lowest port Pick chooses: above the well-known and most
// registered service ports.
const lowest = 10000

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// Pick returns a loopback port that is free now, outside the kernel's
// ephemeral range and not returned before by this process.
func Pick() (int, error) {
	mu.Lock()
	defer mu.Unlock()
	low, high := lowest, ephemeralStart()-1
	if high-low >= 1000 {
		for range 200 {
			p := low + rand.IntN(high-low+1) //nolint:gosec // a port, not a secret
			if given[p] || !bindable(p) {
				continue
			}
			given[p] = true
			return p, nil
		}
	}
	// The ephemeral range leaves no room below it: take what the kernel gives.
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !given[p] {
			given[p] = true
			return p, nil
		}
	}
	return 0, errors.New("no free loopback port found")
}

// Reserve marks ports as taken, so that Pick never returns them: ports
// given to components explicitly, which are not bound yet.
func Reserve(ports ...int) {
	mu.Lock()
	defer mu.Unlock()
	for _, p := range ports {
		given[p] = true
	}
}

// Claim reserves port when this process has not handed it out or reserved
// it before and it is free now, and reports whether it did: a port chosen
// in an earlier run, taken again when it can be.
func Claim(port int) bool {
	mu.Lock()
	defer mu.Unlock()
	if port <= 0 || given[port] || !bindable(port) {
		return false
	}
	given[port] = true
	return true
}

// Release hands ports back: their program stopped for good, and the same
// process may take them again (Claim) when it starts it anew.
func Release(ports ...int) {
	mu.Lock()
	defer mu.Unlock()
	for _, p := range ports {
		delete(given, p)
	}
}

// bindable reports whether a listener can bind 127.0.0.1:port now.
func bindable(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// ephemeralStart is the first port of the kernel's ephemeral range (Linux's
// default when it cannot be read).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
}
