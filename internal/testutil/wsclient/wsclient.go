// Package wsclient is a small client WebSocket for tests: it opens the
// connection with the headers a test chooses (cookies and Origin as a
// browser sends them, or a bearer token in the subprotocol as kubectl
// does), reports a refused upgrade with its status and body, and reads
// data frames.
package wsclient

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Conn is an open WebSocket.
type Conn struct {
	conn *tls.Conn
	r    *bufio.Reader
}

// Refused is the answer to an upgrade the server did not accept.
type Refused struct {
	StatusCode int
	Body       string
}

func (r *Refused) Error() string {
	return fmt.Sprintf("upgrade refused with %d: %s", r.StatusCode, r.Body)
}

// Dial opens a WebSocket to path at host (host:port) over TLS with the
// headers given, and gives up on the connection after timeout. A refused
// upgrade returns a *Refused error.
func Dial(tlsConfig *tls.Config, host, path string, header http.Header, timeout time.Duration) (*Conn, error) {
	cfg := tlsConfig.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	conn, err := tls.Dial("tcp", host, cfg)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n",
		path, host, base64.StdEncoding.EncodeToString(key))
	for name, values := range header {
		for _, v := range values {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		conn.Close()
		return nil, err
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		return nil, &Refused{StatusCode: resp.StatusCode, Body: string(body)}
	}
	return &Conn{conn: conn, r: r}, nil
}

// Close closes the connection.
func (c *Conn) Close() { _ = c.conn.Close() }

// Read returns the payload of the next data message, joining its fragments
// and skipping pings and pongs (server frames are not masked). A close
// frame is an error carrying its payload.
func (c *Conn) Read() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return nil, err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			if _, err := io.ReadFull(c.r, l[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(l[:]))
		case 127:
			var l [8]byte
			if _, err := io.ReadFull(c.r, l[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(l[:])
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return nil, err
		}
		if op := h[0] & 0x0f; op >= 0x8 { // control frames
			if op == 0x8 {
				return nil, fmt.Errorf("the server closed the WebSocket: %q", payload)
			}
			continue
		}
		msg = append(msg, payload...)
		if h[0]&0x80 != 0 { // FIN
			return msg, nil
		}
	}
}
