package topology

import (
	"context"
	"fmt"
	"sort"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"
)

// Point is a value at a time (Unix seconds).
type Point struct {
	T int64   `json:"t"`
	V float64 `json:"v"`
}

// Series is a metric over time and its latest value; Current is nil
// when there is no point.
type Series struct {
	Current *float64 `json:"current"`
	Points  []Point  `json:"points"`
}

// Version is one version of a service.
type Version struct {
	Version    string            `json:"version"`
	Rate       Series            `json:"rate"`
	ErrorRatio Series            `json:"errorRatio"`
	Latency    map[string]Series `json:"latency"`
}

// Versions compares the versions of a service.
type Versions struct {
	Namespace string            `json:"namespace"`
	Service   string            `json:"service"`
	Start     time.Time         `json:"start"`
	End       time.Time         `json:"end"`
	Step      string            `json:"step"`
	Window    string            `json:"window"`
	Units     map[string]string `json:"units"`
	Versions  []Version         `json:"versions"`
	Queries   int               `json:"queries"`
}

// MinWindow is the shortest window rates are taken over: a few scrapes
// at Prometheus's usual intervals.
const MinWindow = time.Minute

// Window is the rate window of a range at a step: two steps, at least
// MinWindow, so that every point has samples to rate.
func Window(step time.Duration) time.Duration { return max(2*step, MinWindow) }

// Versions reads a service's versions over the range, in three range
// queries: request rate, 5xx rate (the error ratio is their quotient at
// each time) and latency quantiles.
func (s *Service) Versions(ctx context.Context, ns, svc string, r promv1.Range) (*Versions, error) {
	window := Window(r.Step)
	qRate, qErr, qLat, err := versionQueries(ns, svc, window)
	if err != nil {
		return nil, err
	}
	var rates, fails, lats model.Matrix
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { rates, err = s.matrix(gctx, qRate, r); return err })
	g.Go(func() (err error) { fails, err = s.matrix(gctx, qErr, r); return err })
	g.Go(func() (err error) { lats, err = s.matrix(gctx, qLat, r); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	byVersion := map[string]*Version{}
	get := func(m model.Metric) *Version {
		v := string(m[lDestVersion])
		out, ok := byVersion[v]
		if !ok {
			out = &Version{Version: v, Latency: map[string]Series{}}
			for _, q := range Quantiles {
				out.Latency[q.Name] = Series{Points: []Point{}}
			}
			byVersion[v] = out
		}
		return out
	}
	failsAt := map[string]map[int64]float64{}
	for _, ss := range fails {
		at := map[int64]float64{}
		for _, p := range ss.Values {
			at[p.Timestamp.Unix()] = float64(p.Value)
		}
		failsAt[string(ss.Metric[lDestVersion])] = at
	}
	for _, ss := range rates {
		v := get(ss.Metric)
		v.Rate = series(ss.Values)
		ratio := make([]model.SamplePair, 0, len(ss.Values))
		for _, p := range ss.Values {
			if p.Value > 0 {
				f := failsAt[v.Version][p.Timestamp.Unix()]
				ratio = append(ratio, model.SamplePair{Timestamp: p.Timestamp, Value: model.SampleValue(f) / p.Value})
			}
		}
		v.ErrorRatio = series(ratio)
	}
	for _, ss := range lats {
		v := get(ss.Metric)
		v.Latency[string(ss.Metric[lQuantile])] = series(ss.Values)
	}
	out := &Versions{Namespace: ns, Service: svc, Start: r.Start, End: r.End, Step: model.Duration(r.Step).String(),
		Window: model.Duration(window).String(), Units: Units, Versions: []Version{}, Queries: 3}
	for _, v := range byVersion {
		if v.Rate.Points == nil {
			v.Rate = Series{Points: []Point{}}
			v.ErrorRatio = Series{Points: []Point{}}
		}
		out.Versions = append(out.Versions, *v)
	}
	sort.Slice(out.Versions, func(i, j int) bool { return out.Versions[i].Version < out.Versions[j].Version })
	return out, nil
}

// series keeps the finite points (a quantile of no request is NaN).
func series(values []model.SamplePair) Series {
	out := Series{Points: make([]Point, 0, len(values))}
	for _, p := range values {
		f := float64(p.Value)
		if f != f || f > 1e300 || f < -1e300 {
			continue
		}
		out.Points = append(out.Points, Point{T: p.Timestamp.Unix(), V: f})
	}
	if n := len(out.Points); n > 0 {
		last := out.Points[n-1].V
		out.Current = &last
	}
	return out
}

func (s *Service) matrix(ctx context.Context, q string, r promv1.Range) (model.Matrix, error) {
	v, err := s.Prometheus.QueryRange(ctx, q, r)
	if err != nil {
		return nil, err
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("prometheus answered a %s, not a matrix", v.Type())
	}
	return m, nil
}
