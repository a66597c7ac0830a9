// Package victorialogs runs a real VictoriaLogs (built by make tools into
// $VICTORIALOGS_BIN_DIR) on loopback for tests, with its data in a
// temporary folder, and writes container log records into it as vlagent
// writes them.
package victorialogs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	logclient "github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Server is a running VictoriaLogs.
type Server struct {
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs VictoriaLogs until Stop.
func Start() (*Server, error) {
	dir := os.Getenv("VICTORIALOGS_BIN_DIR")
	if dir == "" {
		return nil, errors.New("VICTORIALOGS_BIN_DIR is not set: run the tests with `make test`, which builds VictoriaLogs and points it there")
	}
	data, err := os.MkdirTemp("", "victorialogs-test-")
	if err != nil {
		return nil, err
	}
	port, err := freeport.Pick()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := &Server{addr: addr, dir: data, done: make(chan struct{})}
	s.cmd = exec.Command(filepath.Join(dir, "victoria-logs"), "-storageDataPath="+filepath.Join(data, "data"), "-httpListenAddr="+addr,
		"-retentionPeriod=100y", "-loggerLevel=ERROR", "-inmemoryDataFlushInterval=1s", "-delete.enable",
		"-search.maxQueryLen="+strconv.Itoa(logsql.MaxQueryLen))
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		_ = os.RemoveAll(data)
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL() + "/health") //nolint:noctx // a loopback health check
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.done:
			_ = os.RemoveAll(data)
			return nil, errors.New("victoria-logs exited at start")
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, errors.New("victoria-logs did not answer within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the store's address.
func (s *Server) URL() string { return "http://" + s.addr }

// PID is the store's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Client is a client of the store in a tenant.
func (s *Server) Client(t logclient.Tenant) *logclient.Client {
	c, err := logclient.New(s.URL(), 30*time.Second)
	if err != nil {
		panic(err) // the URL is the server's own
	}
	return c.In(t)
}

// Addr is its host:port.
func (s *Server) Addr() string { return s.addr }

// Stop ends the store and removes its data.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	_ = os.RemoveAll(s.dir)
}

// Line is a container's log line with the fields vlagent gives it.
type Line struct {
	Time                      time.Time
	Namespace, Pod, Container string
	Node                      string
	Message                   string
	// Labels are the pod's labels (kubernetes.pod_labels.<label>).
	Labels map[string]string
}

// Write stores lines, one stream per container as vlagent makes them.
func (s *Server) Write(ctx context.Context, lines []Line) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, l := range lines {
		r := map[string]string{
			"_time": l.Time.UTC().Format(time.RFC3339Nano), "_msg": l.Message,
			"kubernetes.pod_namespace": l.Namespace, "kubernetes.pod_name": l.Pod, "kubernetes.container_name": l.Container,
			"kubernetes.pod_node_name": l.Node, "kubernetes.container_id": "kwok://" + l.Namespace + "-" + l.Pod + "-" + l.Container,
		}
		for k, v := range l.Labels {
			r["kubernetes.pod_labels."+k] = v
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	q := url.Values{"_stream_fields": {"kubernetes.pod_namespace,kubernetes.pod_name,kubernetes.container_name"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/insert/jsonline?"+q.Encode(), &b)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/stream+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("insert: %s", resp.Status)
	}
	return nil
}

// Count is how many records query finds (all time).
func (s *Server) Count(ctx context.Context, query string) (int, error) {
	v := url.Values{"query": {query + " | stats count() n"}, "start": {"1970-01-01T00:00:00Z"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/select/logsql/query", strings.NewReader(v.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var row map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&row); err != nil {
		return 0, err
	}
	return strconv.Atoi(row["n"])
}

// WaitCount waits until query finds want records (written records become
// searchable within a second or so).
func (s *Server) WaitCount(ctx context.Context, query string, want int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := s.Count(ctx, query)
		if err == nil && n == want {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("counting %q: %w", query, err)
			}
			return fmt.Errorf("%q finds %d records, want %d", query, n, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
