package elastic

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"time"

	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

// keepAlive is how long the store keeps an export's point in time or
// scroll between two pages.
const keepAlive = "1m"

// defaultPageSize is the most lines of one page of an export or a tail.
const defaultPageSize = 5000

// pager reads the pages of one search, oldest first, in a state the store
// keeps for it: a point in time (Elasticsearch) or a scroll (OpenSearch).
type pager interface {
	next(ctx context.Context) ([]hit, error)
	close()
}

// Export writes the matching lines, oldest first, one per line, as each
// page comes from the store (at most loggingsvc.MaxExport), and returns how
// many it wrote. begin is called before the first line, so that an error
// before any line can still be answered as an error.
func (c *Client) Export(ctx context.Context, q loggingsvc.Query, w io.Writer, begin func()) (int, error) {
	query, ok := c.logQuery(q.Search, q.Scope)
	if !ok {
		begin()
		return 0, nil
	}
	k := c.logs()
	body := m{"query": within(query, k.time, q.Range), "size": min(c.pageSize(), loggingsvc.MaxExport),
		"sort": order(k.time, true), "_source": []string{k.message}}
	var p pager
	if c.cfg.Flavour == OpenSearch {
		p = &scroll{c: c, index: k.index, body: body}
	} else {
		p = &pit{c: c, index: k.index, body: body}
	}
	defer p.close()
	bw := bufio.NewWriterSize(w, 64<<10)
	n, started := 0, false
	for n < loggingsvc.MaxExport {
		hits, err := p.next(ctx)
		if err != nil {
			if started {
				_ = bw.Flush()
			}
			return n, err
		}
		if !started && len(hits) > 0 {
			begin()
			started = true
		}
		for _, h := range hits[:min(len(hits), loggingsvc.MaxExport-n)] {
			n++
			if _, err := bw.WriteString(lookup(h.Source, k.message)); err != nil {
				return n, err
			}
			if err := bw.WriteByte('\n'); err != nil {
				return n, err
			}
		}
		if err := bw.Flush(); err != nil {
			return n, err
		}
		if len(hits) < c.pageSize() {
			break
		}
	}
	if !started {
		begin()
	}
	return n, bw.Flush()
}

func (c *Client) pageSize() int {
	if c.page > 0 {
		return c.page
	}
	return defaultPageSize
}

// cleanup is the context of a request that frees the store's state after
// an export, even when the export's context has ended.
func cleanup(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// pit pages with search_after in a point in time (Elasticsearch), whose
// sort ends in the shard's document order, so no line is read twice.
type pit struct {
	c     *Client
	index string
	body  m
	id    string
	after []any
	ctx   context.Context
}

func (p *pit) next(ctx context.Context) ([]hit, error) {
	if p.id == "" {
		var opened struct {
			ID string `json:"id"`
		}
		if err := p.c.do(ctx, http.MethodPost, "/"+p.index+"/_pit?keep_alive="+keepAlive, nil, &opened); err != nil {
			return nil, err
		}
		p.id, p.ctx = opened.ID, ctx
	}
	body := m{"pit": m{"id": p.id, "keep_alive": keepAlive}, "track_total_hits": false}
	for k, v := range p.body {
		body[k] = v
	}
	if p.after != nil {
		body["search_after"] = p.after
	}
	var a answer
	if err := p.c.do(ctx, http.MethodPost, "/_search", body, &a); err != nil {
		return nil, err
	}
	if a.PITID != "" {
		p.id = a.PITID
	}
	if n := len(a.Hits.Hits); n > 0 {
		p.after = a.Hits.Hits[n-1].Sort
	}
	return a.Hits.Hits, nil
}

func (p *pit) close() {
	if p.id == "" {
		return
	}
	ctx, cancel := cleanup(p.ctx)
	defer cancel()
	_ = p.c.do(ctx, http.MethodDelete, "/_pit", m{"id": p.id}, nil)
}

// scroll pages with a scroll (OpenSearch, every version).
type scroll struct {
	c     *Client
	index string
	body  m
	id    string
	ctx   context.Context
}

func (s *scroll) next(ctx context.Context) ([]hit, error) {
	var a answer
	var err error
	if s.id == "" {
		s.ctx = ctx
		err = s.c.do(ctx, http.MethodPost, "/"+s.index+"/_search?scroll="+keepAlive, s.body, &a)
	} else {
		err = s.c.do(ctx, http.MethodPost, "/_search/scroll", m{"scroll": keepAlive, "scroll_id": s.id}, &a)
	}
	if err != nil {
		return nil, err
	}
	if a.ScrollID != "" {
		s.id = a.ScrollID
	}
	return a.Hits.Hits, nil
}

func (s *scroll) close() {
	if s.id == "" {
		return
	}
	ctx, cancel := cleanup(s.ctx)
	defer cancel()
	_ = s.c.do(ctx, http.MethodDelete, "/_search/scroll", m{"scroll_id": []string{s.id}}, nil)
}
