package logging

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	parseURL := func(q string) (size int, interval time.Duration, start, end time.Time) {
		t.Helper()
		qq, _, err := parse(httptest.NewRequest(http.MethodGet, "/logs?"+q, nil), now)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return qq.Size, qq.Interval, qq.Range.Start, qq.Range.End
	}
	if size, _, start, end := parseURL(""); size != defaultSize || !end.Equal(now) || !start.Equal(now.Add(-defaultRange)) {
		t.Errorf("defaults: size %d, %s to %s", size, start, end)
	}
	if size, _, _, _ := parseURL("size=5000"); size != 1000 {
		t.Errorf("size=5000 is %d, want the most, 1000", size)
	}
	// About 60 intervals by default, at most 1000 however long the range.
	if _, iv, _, _ := parseURL("start_time=2026-12-04T11:00:00Z"); iv != time.Minute {
		t.Errorf("an hour in intervals of %s, want 1m", iv)
	}
	if _, iv, _, _ := parseURL("start_time=0"); iv < 56*365*24*time.Hour/1000 {
		t.Errorf("56 years in intervals of %s: more than 1000", iv)
	}
	if _, _, start, _ := parseURL("start_time=1764849600.5"); !start.Equal(time.Unix(1764849600, 5e8)) {
		t.Errorf("Unix seconds: %s", start)
	}
}
