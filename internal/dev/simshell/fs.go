package simshell

import (
	"container/list"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// fsError is an error of the simulated file system, worded like the C
// library's, as a shell prints it.
type fsError string

func (e fsError) Error() string { return string(e) }

const (
	errNotExist fsError = "No such file or directory"
	errIsDir    fsError = "Is a directory"
	errNotDir   fsError = "Not a directory"
	errExist    fsError = "File exists"
	errNotEmpty fsError = "Directory not empty"
	errNoSpace  fsError = "No space left on device"
	errReadOnly fsError = "Read-only file system"
	errInvalid  fsError = "Invalid argument"
)

// FS is the file tree of one simulated pod. It lives in memory only: every
// path is cleaned against its own root, so "..", absolute paths and symbolic
// names can never reach the host's files.
type FS struct {
	mu       sync.Mutex
	root     *node
	used     int64
	entries  int
	maxBytes int64
	maxFiles int
}

type node struct {
	dir      bool
	readOnly bool
	data     []byte
	children map[string]*node
	modTime  time.Time
}

// newFS returns a pod's file tree with the few folders and files a small
// container image has.
func newFS(hostname string, maxBytes int64, maxFiles int, now time.Time) *FS {
	f := &FS{root: &node{dir: true, children: map[string]*node{}, modTime: now}, maxBytes: maxBytes, maxFiles: maxFiles}
	for _, d := range []string{"/bin", "/etc", "/root", "/tmp", "/var", "/var/log"} {
		_ = f.mkdir(d, false, now)
	}
	seed := map[string]string{
		"/etc/hostname":   hostname + "\n",
		"/etc/os-release": "NAME=\"KWOK simulated container\"\nID=simulated\nPRETTY_NAME=\"A simulated container of the local cluster (no real processes, no network)\"\n",
		"/etc/motd":       "This pod is simulated by KWOK. Its shell is simulated too: a few commands over an\nin-memory file system; nothing runs on the host and there is no network.\nType `help` for the commands.\n",
	}
	for name, text := range seed {
		_ = f.writeFile(name, []byte(text), false, now)
	}
	// The read-only marker keeps the seeded layout in place: /bin lists the
	// simulated commands and cannot be written.
	for _, name := range commandNames() {
		f.root.children["bin"].children[name] = &node{data: nil, modTime: now, readOnly: true}
		f.entries++
	}
	f.root.children["bin"].readOnly = true
	return f
}

// clean turns a path given in the shell into an absolute path of the
// simulated tree. path.Clean keeps ".." from rising above "/".
func clean(cwd, p string) string {
	if !strings.HasPrefix(p, "/") {
		p = cwd + "/" + p
	}
	return path.Clean("/" + p)
}

func (f *FS) lookup(p string) (*node, error) {
	n := f.root
	for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if part == "" {
			continue
		}
		if !n.dir {
			return nil, errNotDir
		}
		c, ok := n.children[part]
		if !ok {
			return nil, errNotExist
		}
		n = c
	}
	return n, nil
}

func (f *FS) parent(p string) (*node, string, error) {
	if p == "/" {
		return nil, "", errInvalid
	}
	dir, name := path.Split(p)
	d, err := f.lookup(dir)
	if err != nil {
		return nil, "", err
	}
	if !d.dir {
		return nil, "", errNotDir
	}
	return d, name, nil
}

// Stat reports whether p exists and is a folder.
func (f *FS) Stat(p string) (exists, isDir bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(p)
	if err != nil {
		return false, false
	}
	return true, n.dir
}

// ReadFile returns a copy of a file's content.
func (f *FS) ReadFile(p string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(p)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return nil, errIsDir
	}
	return slices.Clone(n.data), nil
}

// WriteFile replaces (or, with appendTo, extends) a file's content.
func (f *FS) WriteFile(p string, data []byte, appendTo bool, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writeFile(p, data, appendTo, now)
}

func (f *FS) writeFile(p string, data []byte, appendTo bool, now time.Time) error {
	d, name, err := f.parent(p)
	if err != nil {
		return err
	}
	n, ok := d.children[name]
	if ok && n.dir {
		return errIsDir
	}
	if (ok && n.readOnly) || (!ok && d.readOnly) {
		return errReadOnly
	}
	var size int64
	if ok {
		size = int64(len(n.data))
	}
	grow := int64(len(data))
	if !appendTo {
		grow -= size
	}
	if f.used+grow > f.maxBytes {
		return errNoSpace
	}
	if !ok {
		if f.entries >= f.maxFiles {
			return errNoSpace
		}
		n = &node{}
		d.children[name] = n
		f.entries++
	}
	if appendTo {
		n.data = append(n.data, data...)
	} else {
		n.data = slices.Clone(data)
	}
	f.used += grow
	n.modTime = now
	return nil
}

// Mkdir creates a folder; with parents, also the missing folders above it
// and no error when it exists.
func (f *FS) Mkdir(p string, parents bool, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mkdir(p, parents, now)
}

func (f *FS) mkdir(p string, parents bool, now time.Time) error {
	if parents {
		cur := ""
		for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			if part == "" {
				continue
			}
			cur += "/" + part
			n, err := f.lookup(cur)
			if err == nil {
				if !n.dir {
					return errNotDir
				}
				continue
			}
			if err := f.mkdir(cur, false, now); err != nil {
				return err
			}
		}
		return nil
	}
	d, name, err := f.parent(p)
	if err != nil {
		if p == "/" {
			return errExist
		}
		return err
	}
	if _, ok := d.children[name]; ok {
		return errExist
	}
	if d.readOnly {
		return errReadOnly
	}
	if f.entries >= f.maxFiles {
		return errNoSpace
	}
	d.children[name] = &node{dir: true, children: map[string]*node{}, modTime: now}
	f.entries++
	return nil
}

// Remove deletes a file, or a folder when recursive (or when it is empty).
func (f *FS) Remove(p string, recursive bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, name, err := f.parent(p)
	if err != nil {
		return err
	}
	n, ok := d.children[name]
	if !ok {
		return errNotExist
	}
	if n.readOnly || d.readOnly {
		return errReadOnly
	}
	if n.dir && len(n.children) > 0 && !recursive {
		return errNotEmpty
	}
	f.release(n)
	delete(d.children, name)
	return nil
}

func (f *FS) release(n *node) {
	f.entries--
	f.used -= int64(len(n.data))
	for _, c := range n.children {
		f.release(c)
	}
}

// Entry is one line of a folder listing.
type Entry struct {
	Name    string
	Dir     bool
	Size    int64
	ModTime time.Time
	Mode    fs.FileMode
}

// List returns a folder's entries sorted by name, or the entry of a file.
func (f *FS) List(p string) ([]Entry, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(p)
	if err != nil {
		return nil, false, err
	}
	if !n.dir {
		return []Entry{entryOf(path.Base(p), n)}, false, nil
	}
	out := make([]Entry, 0, len(n.children))
	for name, c := range n.children {
		out = append(out, entryOf(name, c))
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return out, true, nil
}

func entryOf(name string, n *node) Entry {
	e := Entry{Name: name, Dir: n.dir, Size: int64(len(n.data)), ModTime: n.modTime, Mode: 0o644}
	switch {
	case n.dir:
		e.Mode = fs.ModeDir | 0o755
	case n.readOnly:
		e.Mode = 0o555
	}
	return e
}

// Store keeps the file trees of the simulated pods, the least recently used
// ones forgotten beyond a bound. Nothing is written to disk.
type Store struct {
	mu       sync.Mutex
	maxPods  int
	maxBytes int64
	maxFiles int
	order    *list.List // of *storeEntry, most recent first
	byKey    map[string]*list.Element
}

type storeEntry struct {
	key string
	fs  *FS
}

// NewStore returns a store of at most maxPods file trees, each of at most
// maxBytes of file content in maxFiles files and folders.
func NewStore(maxPods int, maxBytes int64, maxFiles int) *Store {
	return &Store{maxPods: maxPods, maxBytes: maxBytes, maxFiles: maxFiles, order: list.New(), byKey: map[string]*list.Element{}}
}

// Get returns the file tree of a pod, creating it on first use.
func (s *Store) Get(key, hostname string, now time.Time) *FS {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[key]; ok {
		s.order.MoveToFront(e)
		return e.Value.(*storeEntry).fs
	}
	f := newFS(hostname, s.maxBytes, s.maxFiles, now)
	s.byKey[key] = s.order.PushFront(&storeEntry{key: key, fs: f})
	for s.order.Len() > s.maxPods {
		last := s.order.Back()
		s.order.Remove(last)
		delete(s.byKey, last.Value.(*storeEntry).key)
	}
	return f
}
