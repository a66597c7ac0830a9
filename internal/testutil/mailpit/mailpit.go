// Package mailpit starts a real, throw-away Mailpit (built by make tools into
// $MAILPIT_BIN_DIR, as ke-dev runs it) on free loopback ports for tests: an
// SMTP server that keeps what it receives, read back through Mailpit's
// HTTP API (/api/v1), which has no Go client of its own.
package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	devmailpit "github.com/superkube/super-kubenetes/internal/dev/mailpit"
	"github.com/superkube/super-kubenetes/internal/testutil/testproc"
)

// Server is a running Mailpit.
type Server struct {
	// URL is its HTTP API's address; SMTPAddr its SMTP server's host:port.
	URL, SMTPAddr string
	// SMTPHost and SMTPPort are SMTPAddr's parts, as an SMTP client takes
	// them.
	SMTPHost string
	SMTPPort int
	proc     *testproc.Process
	http     *http.Client
}

// Start runs Mailpit until Stop, its messages in a temporary folder.
func Start() (*Server, error) {
	bin, err := (&devmailpit.Config{}).LookPath()
	if err != nil {
		return nil, fmt.Errorf("%w (or set %s: eval $(make -s print-env))", err, devmailpit.BinDirEnv)
	}
	dir, err := os.MkdirTemp("", "mailpit-test-")
	if err != nil {
		return nil, err
	}
	var httpAddr, smtpAddr string
	var smtpPort int
	proc, err := testproc.Start("mailpit", bin, dir, func() ([]string, func() error, error) {
		var ports [2]int
		for i := range ports {
			p, err := freeport.Pick()
			if err != nil {
				return nil, nil, err
			}
			ports[i] = p
		}
		httpAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
		smtpAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
		smtpPort = ports[1]
		api := testproc.HTTPReady("http://" + httpAddr + "/readyz")
		// The SMTP server starts beside the HTTP one.
		return devmailpit.Args(httpAddr, smtpAddr, dir), func() error {
			if err := api(); err != nil {
				return err
			}
			return smtpAnswers(smtpAddr)
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &Server{URL: "http://" + httpAddr, SMTPAddr: smtpAddr, SMTPHost: "127.0.0.1", SMTPPort: smtpPort,
		proc: proc, http: &http.Client{Timeout: 10 * time.Second}}, nil
}

// smtpAnswers checks the SMTP server at addr.
func smtpAnswers(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

// StartT starts a server that the test's cleanup stops.
func StartT(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Stop kills Mailpit and removes its folder; it may be called more than
// once.
func (s *Server) Stop() { s.proc.Stop() }

// Address is a mailbox.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message as the list shows it.
type Summary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      *Address  `json:"From"`
	To        []Address `json:"To"`
	Cc        []Address `json:"Cc"`
	Subject   string    `json:"Subject"`
	Created   time.Time `json:"Created"`
	Snippet   string    `json:"Snippet"`
	// Username is the SMTP login of the sender, if it logged in.
	Username string `json:"Username"`
}

// Message is a message with its decoded bodies.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      *Address  `json:"From"`
	To        []Address `json:"To"`
	Cc        []Address `json:"Cc"`
	ReplyTo   []Address `json:"ReplyTo"`
	Subject   string    `json:"Subject"`
	Date      time.Time `json:"Date"`
	// Text and HTML are the bodies, decoded to UTF-8.
	Text     string `json:"Text"`
	HTML     string `json:"HTML"`
	Username string `json:"Username"`
}

// Messages lists the messages received, the newest first.
func (s *Server) Messages(ctx context.Context) ([]Summary, error) {
	var page struct {
		Total    int       `json:"total"`
		Messages []Summary `json:"messages"`
	}
	if err := s.do(ctx, http.MethodGet, "/api/v1/messages?limit=1000", &page); err != nil {
		return nil, err
	}
	return page.Messages, nil
}

// Message reads a message by its ID (Summary.ID).
func (s *Server) Message(ctx context.Context, id string) (*Message, error) {
	var m Message
	if err := s.do(ctx, http.MethodGet, "/api/v1/message/"+url.PathEscape(id), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// DeleteAll deletes every message.
func (s *Server) DeleteAll(ctx context.Context) error {
	return s.do(ctx, http.MethodDelete, "/api/v1/messages", nil)
}

// WaitMessages waits until at least n messages arrived, and returns them.
func (s *Server) WaitMessages(ctx context.Context, n int, timeout time.Duration) ([]Summary, error) {
	deadline := time.Now().Add(timeout)
	for {
		got, err := s.Messages(ctx)
		if err == nil && len(got) >= n {
			return got, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return nil, err
			}
			return got, fmt.Errorf("%d messages after %s, want %d", len(got), timeout, n)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) do(ctx context.Context, method, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if into == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(into)
}
