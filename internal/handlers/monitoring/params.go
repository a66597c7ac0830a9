package monitoring

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// MaxPoints bounds the points of one series of a range query, as
// Prometheus does.
const MaxPoints = 11000

// MaxLimit bounds a page of ranked objects.
const MaxLimit = 1000

// params are the query parameters every level takes.
type params struct {
	metricsFilter   string
	resourcesFilter string
	at              time.Time
	rng             *promv1.Range
	sort            string
	ascending       bool
	page, limit     int
}

// parseParams reads the parameters; a bad one is a 400 Status naming it.
func parseParams(q url.Values, now time.Time) (*params, error) {
	p := &params{metricsFilter: q.Get("metrics_filter"), resourcesFilter: q.Get("resources_filter"), sort: q.Get("sort_metric"), page: 1}
	var err error
	if p.at, p.rng, err = parseTimes(q, now); err != nil {
		return nil, err
	}
	switch q.Get("sort_type") {
	case "", "desc":
	case "asc":
		p.ascending = true
	default:
		return nil, apistatus.BadRequest("sort_type", "must be asc or desc")
	}
	if v := q.Get("page"); v != "" {
		if p.page, err = strconv.Atoi(v); err != nil || p.page < 1 {
			return nil, apistatus.BadRequest("page", "must be a positive integer")
		}
	}
	if v := q.Get("limit"); v != "" {
		if p.limit, err = strconv.Atoi(v); err != nil || p.limit < 1 || p.limit > MaxLimit {
			return nil, apistatus.BadRequest("limit", "must be an integer from 1 to "+strconv.Itoa(MaxLimit))
		}
	}
	return p, nil
}

// parseTimes reads time, or start, end and step.
func parseTimes(q url.Values, now time.Time) (time.Time, *promv1.Range, error) {
	start, end, step := q.Get("start"), q.Get("end"), q.Get("step")
	if start == "" {
		if end != "" || step != "" {
			return time.Time{}, nil, apistatus.BadRequest("start", "is required with end or step")
		}
		at := now
		if v := q.Get("time"); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return time.Time{}, nil, apistatus.BadRequest("time", err.Error())
			}
			at = t
		}
		return at, nil, nil
	}
	if q.Get("time") != "" {
		return time.Time{}, nil, apistatus.BadRequest("time", "is an instant: it goes without start, end and step")
	}
	r := &promv1.Range{End: now}
	var err error
	if r.Start, err = parseTime(start); err != nil {
		return time.Time{}, nil, apistatus.BadRequest("start", err.Error())
	}
	if end != "" {
		if r.End, err = parseTime(end); err != nil {
			return time.Time{}, nil, apistatus.BadRequest("end", err.Error())
		}
	}
	if r.End.Before(r.Start) {
		return time.Time{}, nil, apistatus.BadRequest("end", "is before start")
	}
	if step == "" {
		// About a hundred points.
		r.Step = max(time.Second, r.End.Sub(r.Start)/100).Truncate(time.Second)
	} else if r.Step, err = parseStep(step); err != nil {
		return time.Time{}, nil, apistatus.BadRequest("step", err.Error())
	}
	if points := r.End.Sub(r.Start)/r.Step + 1; points > MaxPoints {
		return time.Time{}, nil, apistatus.BadRequest("step", "too small: "+strconv.FormatInt(int64(points), 10)+" points per series, at most "+strconv.Itoa(MaxPoints))
	}
	return time.Time{}, r, nil
}

// parseTime reads RFC 3339 or Unix seconds.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, errBadTime
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// parseStep reads a duration ("30s", "5m", "1h") or seconds.
func parseStep(s string) (time.Duration, error) {
	if d, err := model.ParseDuration(s); err == nil && d > 0 {
		return time.Duration(d), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f > 1e9 {
		return 0, errBadStep
	}
	return time.Duration(f * float64(time.Second)), nil
}

type paramError string

func (e paramError) Error() string { return string(e) }

const (
	errBadTime paramError = "must be RFC 3339 or Unix seconds"
	errBadStep paramError = "must be a positive duration such as 30s or 5m, or seconds"
)
