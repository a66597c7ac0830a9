package listengine

import (
	"bytes"
	"sort"
	"strings"
)

// nameIndex keeps the lower-cased name and display name of every row of a
// store in one buffer, so that counting the rows a name filter matches
// scans contiguous bytes with bytes.Index instead of visiting every row.
// It is rebuilt when the store has changed since it was made.
type nameIndex struct {
	version uint64
	// buf holds one entry per row: name, 0x00, display name, '\n'.
	buf    []byte
	starts []int
	rows   []*Row
}

// names returns the store's name index, rebuilding it if the store changed.
// The caller holds s.mu for reading.
func (s *store) names() *nameIndex {
	if ix := s.nameIdx.Load(); ix != nil && ix.version == s.version {
		return ix
	}
	ix := &nameIndex{version: s.version, starts: make([]int, 0, len(s.rows)), rows: make([]*Row, 0, len(s.rows))}
	size := 0
	for _, r := range s.rows {
		size += len(r.NameLower) + len(r.DisplayName) + 2
	}
	ix.buf = make([]byte, 0, size)
	for _, r := range s.rows {
		ix.starts = append(ix.starts, len(ix.buf))
		ix.rows = append(ix.rows, r)
		ix.buf = append(ix.buf, r.NameLower...)
		ix.buf = append(ix.buf, 0)
		ix.buf = append(ix.buf, r.DisplayName...)
		ix.buf = append(ix.buf, '\n')
	}
	s.nameIdx.Store(ix)
	return ix
}

// count returns how many rows have sub in their name or display name and
// are kept by keep. ok is false when sub cannot be searched this way.
func (ix *nameIndex) count(sub string, keep func(*Row) bool) (n int, ok bool) {
	if sub == "" || strings.ContainsAny(sub, "\x00\n") {
		return 0, false
	}
	needle := []byte(sub)
	pos := 0
	for pos < len(ix.buf) {
		i := bytes.Index(ix.buf[pos:], needle)
		if i < 0 {
			break
		}
		at := pos + i
		// The entry holding the match; the next search starts after it, so
		// that a row matching in both names counts once.
		e := sort.SearchInts(ix.starts, at+1) - 1
		if keep == nil || keep(ix.rows[e]) {
			n++
		}
		if e+1 < len(ix.starts) {
			pos = ix.starts[e+1]
		} else {
			break
		}
	}
	return n, true
}
