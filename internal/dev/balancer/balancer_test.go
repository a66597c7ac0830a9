package balancer

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// backend answers each line with its name and the line.
func backend(t *testing.T, name string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := c.Write([]byte(name + ":" + sc.Text() + "\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln
}

// ask opens a connection through the balancer and returns what answered.
func ask(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "error: " + err.Error()
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(line)
}

func TestTheBalancerTakesTurnsAndSkipsAReplicaThatIsDown(t *testing.T) {
	a, b := backend(t, "a"), backend(t, "b")
	lb, err := Listen("127.0.0.1:0", []string{a.Addr().String(), b.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()

	seen := map[string]int{}
	for range 6 {
		seen[ask(t, lb.Addr())]++
	}
	if seen["a:ping"] != 3 || seen["b:ping"] != 3 {
		t.Fatalf("six connections went %v, want three to each replica", seen)
	}

	// A replica that is down (its port closed) gets no connection.
	a.Close()
	for range 5 {
		if got := ask(t, lb.Addr()); got != "b:ping" {
			t.Fatalf("with replica a down a connection got %q", got)
		}
	}

	// With every replica down, a connection is closed at once.
	b.Close()
	if got := ask(t, lb.Addr()); !strings.HasPrefix(got, "error:") {
		t.Fatalf("with no replica a connection got %q", got)
	}
}

func TestClosingTheBalancerCutsOpenConnections(t *testing.T) {
	a := backend(t, "a")
	lb, err := Listen("127.0.0.1:0", []string{a.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", lb.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := c.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if line, _ := r.ReadString('\n'); line != "a:one\n" {
		t.Fatalf("got %q", line)
	}
	closed := make(chan struct{})
	go func() { _ = lb.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for an open connection")
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("the connection still works after Close")
	}
	if _, err := net.DialTimeout("tcp", lb.Addr(), time.Second); err == nil {
		t.Fatal("the balancer still accepts after Close")
	}
}
