// Package loopback gives tests loopback addresses to serve on.
package loopback

import "net"

// FreeAddress returns a loopback address (127.0.0.1:port) whose port is
// free now.
func FreeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}
