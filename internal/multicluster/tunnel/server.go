// Package tunnel is the host's end of the tunnels that member clusters'
// agents hold open (Rancher's remotedialer over a WebSocket): it checks an
// agent's credential, keeps its session, and dials the member's
// kube-apiserver through it for the proxy and the prober.
package tunnel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/rancher/remotedialer"
	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
)

// Paths and headers of the agent's requests, served outside the
// platform's user authentication: each checks its own credential.
const (
	// JoinPath is where an agent trades its join token for its credential.
	JoinPath = "/kapis/" + "cluster.superkube.io" + "/v1alpha1/agent/join"
	// ConnectPath is where an agent opens its tunnel (a WebSocket).
	ConnectPath = "/kapis/" + "cluster.superkube.io" + "/v1alpha1/agent/connect"
	// ClusterHeader names the cluster the agent speaks for.
	ClusterHeader = "X-Superkube-Cluster"
)

func init() {
	// remotedialer logs each session at info level through logrus; the
	// tunnel logs what matters itself.
	logrus.SetLevel(logrus.ErrorLevel)
}

// ErrNotConnected is the dial error of a cluster without a tunnel.
var ErrNotConnected = errors.New("its agent has no tunnel open to ke-apiserver")

// Credentials checks an agent's credential.
type Credentials interface {
	CheckAgentCredential(ctx context.Context, cluster, credential string) error
}

// Server accepts agents' tunnels and dials through them.
type Server struct {
	creds Credentials
	log   logr.Logger
	rd    *remotedialer.Server

	mu       sync.Mutex
	watchers []func(Event)
	conns    map[string]map[net.Conn]struct{}
}

// Event is a tunnel that opened or closed.
type Event struct {
	Cluster   string
	Connected bool
	Address   string
	Time      time.Time
}

// NewServer returns a tunnel server that checks agents with creds.
func NewServer(creds Credentials, log logr.Logger) *Server {
	s := &Server{creds: creds, log: log, conns: map[string]map[net.Conn]struct{}{}}
	s.rd = remotedialer.New(s.authorize, s.writeError)
	return s
}

// Watch calls fn (in its own goroutine) on every tunnel that opens or closes.
func (s *Server) Watch(fn func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, fn)
}

func (s *Server) notify(e Event) {
	s.mu.Lock()
	ws := append([]func(Event){}, s.watchers...)
	s.mu.Unlock()
	for _, fn := range ws {
		go fn(e)
	}
}

// ServeHTTP serves ConnectPath: the agent's WebSocket, which stays open as
// long as the tunnel does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cluster := r.Header.Get(ClusterHeader)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	addr := r.RemoteAddr
	go func() {
		// The session is added inside the library once the WebSocket is
		// up; report it then.
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if s.rd.HasSession(cluster) {
					s.log.Info("A member cluster's agent opened its tunnel", "cluster", cluster, "address", addr)
					s.notify(Event{Cluster: cluster, Connected: true, Address: addr, Time: time.Now()})
					return
				}
			}
		}
	}()
	s.rd.ServeHTTP(&hijackRecorder{ResponseWriter: w, s: s, cluster: cluster}, r)
	cancel()
	if cluster != "" && !s.rd.HasSession(cluster) {
		s.log.Info("A member cluster's agent closed its tunnel", "cluster", cluster, "address", addr)
		s.notify(Event{Cluster: cluster, Connected: false, Address: addr, Time: time.Now()})
	}
}

// Disconnect closes every tunnel of the cluster (a cluster removed).
func (s *Server) Disconnect(cluster string) {
	s.mu.Lock()
	conns := s.conns[cluster]
	delete(s.conns, cluster)
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// hijackRecorder keeps the connection the WebSocket takes over, so that
// Disconnect can close it.
type hijackRecorder struct {
	http.ResponseWriter
	s       *Server
	cluster string
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.s.mu.Lock()
	if h.s.conns[h.cluster] == nil {
		h.s.conns[h.cluster] = map[net.Conn]struct{}{}
	}
	h.s.conns[h.cluster][c] = struct{}{}
	h.s.mu.Unlock()
	return &trackedConn{Conn: c, forget: func() {
		h.s.mu.Lock()
		delete(h.s.conns[h.cluster], c)
		h.s.mu.Unlock()
	}}, rw, nil
}

type trackedConn struct {
	net.Conn
	once   sync.Once
	forget func()
}

func (c *trackedConn) Close() error {
	c.once.Do(c.forget)
	return c.Conn.Close()
}

// authorize checks the agent's cluster name and credential; the session
// is keyed by the cluster's name.
func (s *Server) authorize(r *http.Request) (string, bool, error) {
	cluster := r.Header.Get(ClusterHeader)
	if len(validation.IsDNS1123Label(cluster)) > 0 {
		return "", false, fmt.Errorf("the %s header must name a cluster", ClusterHeader)
	}
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || cred == "" {
		return "", false, nil
	}
	if err := s.creds.CheckAgentCredential(r.Context(), cluster, cred); err != nil {
		if !errors.Is(err, agentauth.ErrInvalid) {
			s.log.Error(err, "Checking an agent's credential", "cluster", cluster)
		}
		s.log.Info("An agent's tunnel was refused: its credential is not valid", "cluster", cluster, "address", r.RemoteAddr)
		return "", false, nil
	}
	return cluster, true, nil
}

// writeError answers a refused tunnel with a Status.
func (s *Server) writeError(w http.ResponseWriter, _ *http.Request, code int, err error) {
	switch code {
	case http.StatusUnauthorized:
		responsewriters.WriteStatus(w, apistatus.Unauthorized("the agent credential is not valid for this cluster; join again with a new join token"))
	case http.StatusBadRequest:
		responsewriters.WriteStatus(w, apistatus.BadRequest(ClusterHeader, err.Error()))
	default:
		responsewriters.WriteStatus(w, apistatus.New(code, metav1.StatusReasonInternalError, "the tunnel could not be opened"))
	}
}

// Connected reports whether the cluster's agent has a tunnel open here.
func (s *Server) Connected(cluster string) bool { return s.rd.HasSession(cluster) }

// DialContext returns a dial function that reaches addresses in the
// member cluster through its agent's tunnel.
func (s *Server) DialContext(cluster string) func(ctx context.Context, network, address string) (net.Conn, error) {
	d := s.rd.Dialer(cluster)
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if !s.rd.HasSession(cluster) {
			return nil, ErrNotConnected
		}
		return d(ctx, network, address)
	}
}

// IsAgent reports whether the cluster is reached through an agent.
func IsAgent(c *clusterv1alpha1.Cluster) bool {
	return c.Spec.Connection.Type == clusterv1alpha1.ConnectionAgent
}
