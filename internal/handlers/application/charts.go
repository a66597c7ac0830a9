package application

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	appchart "github.com/superkube/super-kubenetes/internal/application/chart"
	"github.com/superkube/super-kubenetes/internal/application/chartsource"
)

// chartCache keeps recently loaded charts by digest.
type chartCache struct {
	mu    sync.Mutex
	order []string
	items map[string]*appchart.Chart
}

const chartCacheSize = 32

var loaded = &chartCache{items: map[string]*appchart.Chart{}}

func (c *chartCache) get(key string) *appchart.Chart {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[key]
}

func (c *chartCache) put(key string, ch *appchart.Chart) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	if len(c.order) >= chartCacheSize {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, key)
	c.items[key] = ch
}

// chartOf loads a version's chart: from its ConfigMap (uploads) or its
// repository (a URL, HTTP(S) or OCI, with the repository's credentials).
func (h *Handler) chartOf(ctx context.Context, v *applicationv2.ApplicationVersion) (*appchart.Chart, error) {
	key := v.Spec.Source.Digest
	if key != "" {
		if c := loaded.get(key); c != nil {
			return c, nil
		}
	}
	data, err := h.charts().Fetch(ctx, v)
	if err != nil {
		return nil, chartError(v, err)
	}
	c, err := appchart.Load(data)
	if err != nil {
		return nil, apistatus.New(http.StatusBadGateway, metav1.StatusReasonInternalError, "the chart of "+v.Name+" cannot be read: "+err.Error())
	}
	if key != "" {
		loaded.put(key, c)
	}
	return c, nil
}

// fetchTimeout bounds the download of a chart within a request.
const fetchTimeout = 20 * time.Second

func (h *Handler) charts() chartsource.Fetcher {
	if h.Charts != nil {
		return h.Charts
	}
	return &chartsource.Source{Reader: h.LiveReader, Repositories: h.Reader, SystemNamespace: h.SystemNamespace, Timeout: fetchTimeout,
		WorkspaceAllowedCIDRs: h.WorkspaceAllowedCIDRs}
}

// chartError is the Status of a chart that could not be fetched.
func chartError(v *applicationv2.ApplicationVersion, err error) error {
	switch {
	case errors.Is(err, chartsource.ErrNotFound):
		return apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound, "the chart of "+v.Name+" is missing: "+err.Error())
	case errors.Is(err, chartsource.ErrDigestMismatch):
		return apistatus.New(http.StatusBadGateway, metav1.StatusReasonInternalError,
			"the chart of "+v.Name+" does not match its digest: it changed at its source ("+err.Error()+")")
	case errors.Is(err, chartsource.ErrTooLarge):
		return apistatus.New(http.StatusBadGateway, metav1.StatusReasonInternalError, "the chart of "+v.Name+" is larger than 1 MiB")
	case errors.Is(err, chartsource.ErrUnavailable):
		return apistatus.New(http.StatusBadGateway, metav1.StatusReasonServiceUnavailable, "the chart of "+v.Name+" could not be fetched: "+err.Error())
	}
	return err
}
