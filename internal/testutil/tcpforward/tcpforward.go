// Package tcpforward is a TCP forwarder for tests of outages: a client
// (such as ke-apiserver's client of kube-apiserver) connects to the
// forwarder instead of the server, and the test takes the server away
// (Down: connections are closed and new ones refused), makes it hang
// (Stall: bytes stop flowing both ways, as with a stopped process), and
// brings it back (Up, Resume). The server itself keeps running.
package tcpforward

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// Forwarder forwards connections on a loopback port to a target address.
type Forwarder struct {
	target string
	addr   string

	mu      sync.Mutex
	resumed *sync.Cond
	l       net.Listener
	conns   map[net.Conn]struct{}
	stalled bool
	closed  bool
}

// Start listens on a free loopback port and forwards to target (host:port).
func Start(target string) (*Forwarder, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &Forwarder{target: target, addr: l.Addr().String(), conns: map[net.Conn]struct{}{}}
	f.resumed = sync.NewCond(&f.mu)
	f.l = l
	go f.serve(l)
	return f, nil
}

// StartT starts a forwarder that the test's cleanup closes.
func StartT(t testing.TB, target string) *Forwarder {
	t.Helper()
	f, err := Start(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// Addr is the forwarder's address (host:port); it stays the same across
// Down and Up.
func (f *Forwarder) Addr() string { return f.addr }

// Down closes every connection and stops listening, so that new
// connections are refused, as when the server is stopped.
func (f *Forwarder) Down() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.l != nil {
		_ = f.l.Close()
		f.l = nil
	}
	f.closeConns()
}

// Up listens again on the same address.
func (f *Forwarder) Up() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.l != nil {
		return nil
	}
	var l net.Listener
	var err error
	// The port was free a moment ago; another process may hold it briefly.
	for range 50 {
		if l, err = net.Listen("tcp", f.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("listening again on %s: %w", f.addr, err)
	}
	f.l = l
	go f.serve(l)
	return nil
}

// Stall stops forwarding bytes on every connection, open or new, until
// Resume: requests hang as with a stopped (SIGSTOP) server.
func (f *Forwarder) Stall() {
	f.mu.Lock()
	f.stalled = true
	f.mu.Unlock()
}

// Resume forwards again what stalled.
func (f *Forwarder) Resume() {
	f.mu.Lock()
	f.stalled = false
	f.resumed.Broadcast()
	f.mu.Unlock()
}

// Close stops the forwarder.
func (f *Forwarder) Close() {
	f.mu.Lock()
	f.closed = true
	f.stalled = false
	f.resumed.Broadcast()
	f.mu.Unlock()
	f.Down()
}

// closeConns closes every connection; the caller holds mu.
func (f *Forwarder) closeConns() {
	for c := range f.conns {
		_ = c.Close()
		delete(f.conns, c)
	}
	// Copies waiting on a stall see their connections closed.
	f.resumed.Broadcast()
}

func (f *Forwarder) serve(l net.Listener) {
	for {
		in, err := l.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", f.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		f.mu.Lock()
		if f.closed || f.l != l {
			f.mu.Unlock()
			_ = in.Close()
			_ = out.Close()
			return
		}
		f.conns[in], f.conns[out] = struct{}{}, struct{}{}
		f.mu.Unlock()
		go f.pipe(out, in)
		go f.pipe(in, out)
	}
}

// pipe copies src to dst, holding bytes while the forwarder is stalled.
func (f *Forwarder) pipe(dst, src net.Conn) {
	defer func() {
		_ = dst.Close()
		_ = src.Close()
		f.mu.Lock()
		delete(f.conns, dst)
		delete(f.conns, src)
		f.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !f.waitResumed(src) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// waitResumed blocks while the forwarder is stalled; it returns false when
// the connection was closed meanwhile.
func (f *Forwarder) waitResumed(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.stalled {
		if _, open := f.conns[c]; !open {
			return false
		}
		f.resumed.Wait()
	}
	_, open := f.conns[c]
	return open
}
