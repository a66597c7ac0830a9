package elastic

import (
	"context"
	"encoding/json"
	"time"

	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

// tailDelay is how far behind now a tail reads: a line is searchable after
// the index's refresh (a second by default) and arrives from its shipper a
// little after it was printed, so reading up to now would step past lines
// still on their way.
const tailDelay = 2 * time.Second

// Tail follows the matching lines from since ago, asking the store every
// poll interval for the lines at or after the newest one it has (its time
// in milliseconds), and skipping those of that millisecond it already
// sent; it calls each for every line until ctx ends or each fails. An
// empty scope finds nothing: it waits for ctx.
func (c *Client) Tail(ctx context.Context, q loggingsvc.Query, since time.Duration, each func(loggingsvc.Record) error) error {
	query, ok := c.logQuery(q.Search, q.Scope)
	if !ok {
		<-ctx.Done()
		return nil
	}
	k := c.logs()
	from := c.now().Add(-since).UnixMilli()
	seen := map[string]bool{}
	t := time.NewTicker(c.poll)
	defer t.Stop()
	for {
		for {
			rng := m{"gte": from, "lte": c.now().Add(-tailDelay).UnixMilli(), "format": "epoch_millis"}
			a, err := c.search(ctx, k.index, m{"query": and(query, m{"range": m{k.time: rng}}), "size": c.pageSize(),
				"sort": order(k.time, true), "track_total_hits": false})
			if err != nil {
				if ctx.Err() != nil {
					return nil // the caller ended the tail
				}
				return err
			}
			fresh := 0
			for _, h := range a.Hits.Hits {
				if seen[h.ID] {
					continue
				}
				if ms, ok := sortMillis(h.Sort); ok && ms > from {
					from = ms
					clear(seen)
				}
				seen[h.ID] = true
				fresh++
				if err := each(loggingsvc.RecordFrom(c.logRecord(h.Source))); err != nil {
					return err
				}
			}
			if fresh == 0 || len(a.Hits.Hits) < c.pageSize() {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// sortMillis is a hit's first sort value: its time in Unix milliseconds.
func sortMillis(sort []any) (int64, bool) {
	if len(sort) == 0 {
		return 0, false
	}
	n, ok := sort[0].(json.Number)
	if !ok {
		return 0, false
	}
	ms, err := n.Int64()
	return ms, err == nil
}
