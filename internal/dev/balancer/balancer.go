// Package balancer is the local cluster's load balancer in front of the
// replicas of a component (ke-dev --ha): it accepts TCP connections on one
// loopback address and hands each to the next replica in turn that accepts
// it, skipping replicas that are down. TLS passes through untouched, so each
// replica serves its own certificate, as behind a Kubernetes Service.
package balancer

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// dialTimeout bounds a connection attempt to one replica.
	dialTimeout = time.Second
	// downFor is how long a replica that refused a connection is tried
	// last.
	downFor = time.Second
)

// Balancer passes connections to backends, round robin.
type Balancer struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64

	mu     sync.Mutex
	closed bool
	down   map[string]time.Time
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Listen listens on addr and passes each connection to one of backends
// (host:port), until Close.
func Listen(addr string, backends []string) (*Balancer, error) {
	if len(backends) == 0 {
		return nil, errors.New("a balancer needs at least one backend")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	b := &Balancer{ln: ln, backends: append([]string(nil), backends...), down: map[string]time.Time{}, conns: map[net.Conn]struct{}{}}
	b.wg.Add(1)
	go b.serve()
	return b, nil
}

// Addr is the address the balancer listens on.
func (b *Balancer) Addr() string { return b.ln.Addr().String() }

// Close stops listening, cuts every connection and waits for them to end.
func (b *Balancer) Close() error {
	err := b.ln.Close()
	b.mu.Lock()
	b.closed = true
	for c := range b.conns {
		_ = c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
	return err
}

func (b *Balancer) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if !b.track(c, true) {
			_ = c.Close()
			return
		}
		b.wg.Add(1)
		go b.handle(c)
	}
}

// track adds or removes a connection; it reports false when the balancer
// is closing.
func (b *Balancer) track(c net.Conn, add bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !add {
		delete(b.conns, c)
		return true
	}
	if b.closed {
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

// order returns the backends to try for the next connection: round robin,
// those that refused a connection lately last.
func (b *Balancer) order() []string {
	n := len(b.backends)
	start := int((b.next.Add(1) - 1) % uint64(n)) //nolint:gosec // less than n, an int

	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	up := make([]string, 0, n)
	var down []string
	for i := range n {
		be := b.backends[(start+i)%n]
		if until, ok := b.down[be]; ok && now.Before(until) {
			down = append(down, be)
			continue
		}
		up = append(up, be)
	}
	return append(up, down...)
}

func (b *Balancer) markDown(be string, isDown bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if isDown {
		b.down[be] = time.Now().Add(downFor)
	} else {
		delete(b.down, be)
	}
}

// handle connects c to the first backend that accepts and copies both ways
// until either side closes. Without any backend, c is closed.
func (b *Balancer) handle(c net.Conn) {
	defer b.wg.Done()
	defer b.track(c, false)
	defer c.Close()
	var up net.Conn
	for _, be := range b.order() {
		conn, err := net.DialTimeout("tcp", be, dialTimeout)
		if err != nil {
			b.markDown(be, true)
			continue
		}
		b.markDown(be, false)
		up = conn
		break
	}
	if up == nil {
		return
	}
	defer up.Close()
	if !b.track(up, true) {
		return
	}
	defer b.track(up, false)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, err := io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok && err == nil {
			// Pass a clean end of one direction on; the other may still carry data.
			_ = tc.CloseWrite()
		} else {
			// A replica that died (or a client that went away) ends both.
			_ = dst.Close()
			_ = src.Close()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}
