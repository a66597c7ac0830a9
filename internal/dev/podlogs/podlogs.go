// Package podlogs writes the container logs of the local cluster's simulated
// pods. KWOK runs no container, so nothing would print what a container
// prints; this package does, as a node's kubelet and container runtime
// would: one CRI-format file per running container at
//
//	<root>/<node>/pods/<namespace>_<pod>_<uid>/<container>/0.log
//
// with the link <root>/<node>/containers/<pod>_<namespace>_<container>-<id>.log
// to it, the layout that log shippers (vlagent, Fluent Bit) read on a real
// node. The kubelet port's log requests are answered from the same files
// (Handler), so `kubectl logs` shows what is shipped.
//
// A pod chooses how many lines a second each of its containers writes with
// the kwok.x-k8s.io/log-rate annotation (default one line every five
// seconds). The files of a deleted pod stay for a while, as the kubelet
// keeps them until it collects the pod, so that a shipper reads them to the
// end.
package podlogs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// RateAnnotation sets the lines a second that each container of a pod
// writes (a decimal number, at most MaxRate).
const RateAnnotation = "kwok.x-k8s.io/log-rate"

const (
	// DefaultRate is the lines a second of a pod without the annotation.
	DefaultRate = 0.2
	// MaxRate bounds the annotation: a simulated container writes at most
	// this many lines a second.
	MaxRate = 10000
	// maxFile is the size at which a log file is rotated, keeping one
	// rotated file (0.log.1) as the kubelet keeps a few.
	maxFile = 10 << 20
	// keepDeleted is how long the files of a deleted pod stay.
	keepDeleted = 2 * time.Minute
	// tick is how often lines are written.
	tick = 200 * time.Millisecond
)

// Writer writes the simulated containers' logs while Run runs.
type Writer struct {
	root   string
	client kubernetes.Interface
	now    func() time.Time

	mu         sync.Mutex
	containers map[containerKey]*container
	// byPod finds a pod's containers for Handler: namespace/name to uid.
	byPod map[types.NamespacedName]types.UID
	// byFile finds a container by its log file, for a follow.
	byFile map[string]*container
}

type containerKey struct {
	uid  types.UID
	name string
}

type container struct {
	pod       types.NamespacedName
	name, id  string
	file      string
	running   bool
	rate      float64
	due       float64
	lines     int
	deletedAt time.Time
}

// NewWriter returns a Writer of the files under root for the pods of client.
func NewWriter(root string, client kubernetes.Interface) *Writer {
	return &Writer{root: root, client: client, now: time.Now,
		containers: map[containerKey]*container{}, byPod: map[types.NamespacedName]types.UID{}, byFile: map[string]*container{}}
}

// Root is the folder that holds a folder per node.
func (w *Writer) Root() string { return w.root }

// ContainersDir is the folder of links a shipper on node reads
// (/var/log/containers on a real node).
func (w *Writer) ContainersDir(node string) string {
	return filepath.Join(w.root, node, "containers")
}

// PodsDir is the folder of the pods' log folders on node (/var/log/pods).
func (w *Writer) PodsDir(node string) string { return filepath.Join(w.root, node, "pods") }

// Run watches the pods and writes their containers' lines until ctx ends.
func (w *Writer) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactory(w.client, 10*time.Minute)
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.observe(obj) },
		UpdateFunc: func(_, obj any) { w.observe(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				w.deleted(p)
			}
		},
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return ctx.Err()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	last := w.now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := w.now()
		w.write(now, now.Sub(last))
		last = now
	}
}

// ContainerIDFormat makes a simulated container's ID from its pod's uid
// and its name: ke-dev's KWOK pod stage gives each container status this ID
// (internal/dev/cluster), and the log file is named after it.
const ContainerIDFormat = "kwok://%s-%s"

// ContainerID is the ID of the container name of the pod with uid.
func ContainerID(uid types.UID, name string) string {
	return fmt.Sprintf(ContainerIDFormat, uid, name)
}

// observe makes the log files of a scheduled pod's containers, before they
// run, as a runtime makes a container's log before it starts it (a shipper
// that sees a running container finds its file), and starts the lines of
// those that run.
func (w *Writer) observe(obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok || p.Spec.NodeName == "" || p.DeletionTimestamp != nil {
		return
	}
	rate := Rate(p)
	running := map[string]bool{}
	for _, cs := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		running[cs.Name] = cs.State.Running != nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.byPod[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}] = p.UID
	for _, spec := range append(append([]corev1.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...) {
		key := containerKey{p.UID, spec.Name}
		c, ok := w.containers[key]
		if !ok {
			var err error
			if c, err = w.create(p, spec.Name); err != nil {
				continue // made again on the pod's next update or resync
			}
			w.containers[key] = c
			w.byFile[c.file] = c
		}
		if running[spec.Name] && !c.running {
			c.due = 1 // a container says something as it starts
		}
		c.running = running[spec.Name]
		c.rate = rate
	}
}

// create makes a container's log file and its link.
func (w *Writer) create(p *corev1.Pod, name string) (*container, error) {
	id := ContainerID(p.UID, name)
	if i := strings.Index(id, "://"); i >= 0 {
		id = id[i+3:]
	}
	dir := filepath.Join(w.PodsDir(p.Spec.NodeName), p.Namespace+"_"+p.Name+"_"+string(p.UID), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "0.log")
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	_ = f.Close()
	links := w.ContainersDir(p.Spec.NodeName)
	if err := os.MkdirAll(links, 0o755); err != nil {
		return nil, err
	}
	link := filepath.Join(links, p.Name+"_"+p.Namespace+"_"+name+"-"+id+".log")
	if _, err := os.Lstat(link); err != nil {
		if err := os.Symlink(file, link); err != nil {
			return nil, err
		}
	}
	return &container{pod: types.NamespacedName{Namespace: p.Namespace, Name: p.Name}, name: name, id: id, file: file}, nil
}

// deleted marks a pod's containers as ended; their files go keepDeleted
// later.
func (w *Writer) deleted(p *corev1.Pod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	for k, c := range w.containers {
		if k.uid == p.UID && c.deletedAt.IsZero() {
			c.deletedAt, c.rate = now, 0
		}
	}
	if w.byPod[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}] == p.UID {
		delete(w.byPod, types.NamespacedName{Namespace: p.Namespace, Name: p.Name})
	}
}

// write appends the lines due after elapsed to each container's file and
// removes the files of pods deleted long enough ago.
func (w *Writer) write(now time.Time, elapsed time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var buf []byte
	for k, c := range w.containers {
		if !c.deletedAt.IsZero() {
			if now.Sub(c.deletedAt) > keepDeleted {
				w.remove(k, c)
			}
			continue
		}
		if !c.running {
			continue
		}
		c.due += c.rate * elapsed.Seconds()
		n := int(c.due)
		if n == 0 {
			continue
		}
		c.due -= float64(n)
		buf = buf[:0]
		for range n {
			c.lines++
			buf = appendLine(buf, now, c, c.lines)
		}
		rotate(c.file)
		if f, err := os.OpenFile(c.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			_, _ = f.Write(buf)
			_ = f.Close()
		}
	}
}

func (w *Writer) remove(k containerKey, c *container) {
	delete(w.containers, k)
	delete(w.byFile, c.file)
	dir := filepath.Dir(c.file) // <pods>/<ns>_<pod>_<uid>/<container>
	_ = os.RemoveAll(dir)
	_ = os.Remove(filepath.Dir(dir)) // the pod's folder, once empty
	node := filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(dir))))
	_ = os.Remove(filepath.Join(w.ContainersDir(node), c.pod.Name+"_"+c.pod.Namespace+"_"+c.name+"-"+c.id+".log"))
}

// rotate moves a full file to <file>.1, as the kubelet rotates, so that a
// file never grows without bound.
func rotate(file string) {
	if st, err := os.Stat(file); err == nil && st.Size() >= maxFile {
		_ = os.Rename(file, file+".1")
	}
}

// messages are what simulated containers say, in turn, so that a search
// for a word finds some lines and not others.
var messages = []string{
	"GET /healthz 200 0.4ms",
	"handled request GET /api/items 200 12ms",
	"cache refreshed: 128 entries",
	"POST /api/orders 201 31ms",
	"connection pool: 4 idle, 2 in use",
	"GET /api/items/42 404 2ms",
	"slow query took 812ms: SELECT * FROM orders",
	"retrying upstream call after timeout (attempt 2)",
	"worker finished job batch-17 in 1.2s",
	"upstream refused the connection: connection reset by peer",
}

// appendLine appends line n of container c in the CRI format: time, stream,
// tag (F: a full line), text.
func appendLine(buf []byte, now time.Time, c *container, n int) []byte {
	msg := messages[(n-1)%len(messages)]
	level, stream := "INFO", "stdout"
	switch {
	case strings.Contains(msg, "refused") || strings.Contains(msg, "404"):
		level, stream = "ERROR", "stderr"
	case strings.Contains(msg, "slow") || strings.Contains(msg, "retrying"):
		level = "WARN"
	}
	buf = now.UTC().AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, ' ')
	buf = append(buf, stream...)
	buf = append(buf, " F "...)
	return fmt.Appendf(buf, "%s %s line %d: %s (simulated by ke-dev; KWOK runs no container)\n", level, c.name, n, msg)
}

// Rate is the lines a second of each container of p.
func Rate(p *corev1.Pod) float64 {
	v, ok := p.Annotations[RateAnnotation]
	if !ok {
		return DefaultRate
	}
	r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || r < 0 {
		return DefaultRate
	}
	return min(r, MaxRate)
}

// File is the current log file of a container of the pod namespace/name,
// or "" when the pod has no such running or recent container.
func (w *Writer) File(namespace, name, containerName string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	uid, ok := w.byPod[types.NamespacedName{Namespace: namespace, Name: name}]
	if !ok {
		return ""
	}
	if c, ok := w.containers[containerKey{uid, containerName}]; ok {
		return c.file
	}
	return ""
}

// Ended reports whether the container of file has ended (its pod was
// deleted), so that a follow stops.
func (w *Writer) Ended(file string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.byFile[file]
	return !ok || !c.deletedAt.IsZero()
}
