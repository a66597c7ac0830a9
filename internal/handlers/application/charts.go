package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	appsvc "github.com/superkube/super-kubenetes/internal/services/application"
)

// ChartFetcher fetches a version's chart archive (at most MaxChartBytes),
// checking its digest.
type ChartFetcher interface {
	Fetch(ctx context.Context, v *applicationv2.ApplicationVersion) ([]byte, error)
}

// chartCache keeps recently loaded charts by digest.
type chartCache struct {
	mu    sync.Mutex
	order []string
	items map[string]*appsvc.Chart
}

const chartCacheSize = 32

var loaded = &chartCache{items: map[string]*appsvc.Chart{}}

func (c *chartCache) get(key string) *appsvc.Chart {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[key]
}

func (c *chartCache) put(key string, ch *appsvc.Chart) {
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
// repository (a URL, with the repository's credentials).
func (h *Handler) chartOf(ctx context.Context, v *applicationv2.ApplicationVersion) (*appsvc.Chart, error) {
	key := v.Spec.Source.Digest
	if key != "" {
		if c := loaded.get(key); c != nil {
			return c, nil
		}
	}
	var data []byte
	var err error
	if h.Charts != nil {
		data, err = h.Charts.Fetch(ctx, v)
	} else {
		data, err = h.fetch(ctx, v)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if d := strings.TrimPrefix(v.Spec.Source.Digest, "sha256:"); d != "" && d != hex.EncodeToString(sum[:]) {
		return nil, apistatus.New(http.StatusBadGateway, metav1.StatusReasonInternalError,
			fmt.Sprintf("the chart of %s does not match its digest: it changed at its source", v.Name))
	}
	c, err := appsvc.LoadChart(data)
	if err != nil {
		return nil, apistatus.New(http.StatusBadGateway, metav1.StatusReasonInternalError, "the chart of "+v.Name+" cannot be read: "+err.Error())
	}
	if key != "" {
		loaded.put(key, c)
	}
	return c, nil
}

var fetchClient = &http.Client{Timeout: 20 * time.Second}

func (h *Handler) fetch(ctx context.Context, v *applicationv2.ApplicationVersion) ([]byte, error) {
	src := v.Spec.Source
	if src.ConfigMap != "" {
		cm := &corev1.ConfigMap{}
		if err := h.LiveReader.Get(ctx, client.ObjectKey{Namespace: h.SystemNamespace, Name: src.ConfigMap}, cm); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound, "the chart of "+v.Name+" is missing (ConfigMap "+src.ConfigMap+")")
			}
			return nil, err
		}
		data, ok := cm.BinaryData[applicationv2.ChartKey]
		if !ok {
			return nil, apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound, "the chart of "+v.Name+" is missing (key chart.tgz)")
		}
		return data, nil
	}
	if !strings.HasPrefix(src.URL, "https://") && !strings.HasPrefix(src.URL, "http://") {
		return nil, apistatus.New(http.StatusNotImplemented, metav1.StatusReasonBadRequest,
			"the chart of "+v.Name+" is at "+src.URL+", which ke-apiserver cannot read yet (only uploaded charts and HTTP repositories)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, err
	}
	if src.Repository != "" {
		repo := &applicationv2.Repository{}
		if err := h.Reader.Get(ctx, client.ObjectKey{Name: src.Repository}, repo); err == nil && repo.Spec.CredentialsSecret != "" &&
			sameHost(repo.Spec.URL, src.URL) {
			sec := &corev1.Secret{}
			if err := h.LiveReader.Get(ctx, client.ObjectKey{Namespace: h.SystemNamespace, Name: repo.Spec.CredentialsSecret}, sec); err == nil &&
				sec.Labels[applicationv2.RepositoryLabel] == repo.Name {
				req.SetBasicAuth(string(sec.Data["username"]), string(sec.Data["password"]))
			}
		}
	}
	resp, err := fetchClient.Do(req)
	if err != nil {
		return nil, apistatus.New(http.StatusBadGateway, metav1.StatusReasonServiceUnavailable, "the chart of "+v.Name+" could not be fetched from its repository")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, apistatus.New(http.StatusBadGateway, metav1.StatusReasonServiceUnavailable,
			fmt.Sprintf("the chart of %s could not be fetched: its repository answered %d", v.Name, resp.StatusCode))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, applicationv2.MaxChartBytes+1))
	if err != nil {
		return nil, apistatus.New(http.StatusBadGateway, metav1.StatusReasonServiceUnavailable, "the chart of "+v.Name+" could not be read from its repository")
	}
	if len(data) > applicationv2.MaxChartBytes {
		return nil, apistatus.New(http.StatusBadGateway, metav1.StatusReasonInternalError, "the chart of "+v.Name+" is larger than 1 MiB")
	}
	return data, nil
}

// sameHost: credentials go only to the repository's own host.
func sameHost(a, b string) bool {
	host := func(u string) string {
		_, rest, _ := strings.Cut(u, "://")
		h, _, _ := strings.Cut(rest, "/")
		return strings.ToLower(h)
	}
	return host(a) != "" && host(a) == host(b)
}
