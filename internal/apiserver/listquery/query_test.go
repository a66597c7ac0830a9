package listquery_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
)

var spec = listquery.Spec{SortBy: []string{"restarts"}, Filters: []string{"status", "nodeName"}, FieldSelectors: []string{"spec.nodeName"}}

// parse parses a raw query that must be valid.
func parse(t *testing.T, raw string, s listquery.Spec) *listquery.Query {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := listquery.Parse(v, s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestParseReadsTheListConvention(t *testing.T) {
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, q *listquery.Query)
	}{
		{"no parameters give the defaults", "", func(t *testing.T, q *listquery.Query) {
			if q.Page != 1 || q.Limit != listquery.DefaultLimit || q.SortBy != "createTime" || q.Ascending || !q.Labels.Empty() ||
				!q.Fields.Empty() || q.Name != "" || q.Names != nil || len(q.Filters) != 0 {
				t.Fatalf("%+v", q)
			}
		}},
		{"page, limit, sort and order", "page=3&limit=500&sortBy=restarts&ascending=true", func(t *testing.T, q *listquery.Query) {
			if q.Page != 3 || q.Limit != 500 || q.SortBy != "restarts" || !q.Ascending {
				t.Fatalf("%+v", q)
			}
		}},
		{"name and createTime always sort", "sortBy=name", func(t *testing.T, q *listquery.Query) {
			if q.SortBy != "name" {
				t.Fatal(q.SortBy)
			}
		}},
		{"the name filter is trimmed and lower-cased", "name=%20Web-A%20", func(t *testing.T, q *listquery.Query) {
			if q.Name != "web-a" {
				t.Fatalf("%q", q.Name)
			}
		}},
		{"names is an exact set without blanks", "names=a,%20b,,c", func(t *testing.T, q *listquery.Query) {
			if !reflect.DeepEqual(q.Names, map[string]bool{"a": true, "b": true, "c": true}) {
				t.Fatalf("%v", q.Names)
			}
		}},
		{"selectors", "labelSelector=app%3Dweb,tier!%3Ddb&fieldSelector=metadata.namespace%3Ddev,spec.nodeName%3Dn1", func(t *testing.T, q *listquery.Query) {
			if q.Labels.String() != "app=web,tier!=db" || len(q.Fields.Requirements()) != 2 {
				t.Fatalf("labels %q fields %q", q.Labels, q.Fields)
			}
		}},
		{"the endpoint's filters, empty ones left out", "status=running&nodeName=", func(t *testing.T, q *listquery.Query) {
			if !reflect.DeepEqual(q.Filters, map[string]string{"status": "running"}) {
				t.Fatalf("%v", q.Filters)
			}
		}},
		{"watch and resourceVersion are accepted for streams", "watch=true&resourceVersion=5", func(t *testing.T, q *listquery.Query) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, parse(t, tt.query, spec))
		})
	}
}

func TestParseRefusesBadParametersWithA400NamingThem(t *testing.T) {
	tests := []struct {
		name, query, param, says string
	}{
		{"an unknown parameter", "colour=red", "colour", "is not a parameter of this list; it takes page, limit, sortBy, ascending, labelSelector, fieldSelector, name, names, status, nodeName"},
		{"a page of 0", "page=0", "page", "whole number from 1"},
		{"a page that is not a number", "page=two", "page", "whole number from 1"},
		{"a page too far", "page=1000001", "page", "whole number from 1"},
		{"a limit of 0", "limit=0", "limit", "from 1 to 500"},
		{"a limit over the cap, refused rather than cut", "limit=501", "limit", "from 1 to 500"},
		{"an unknown sort column", "sortBy=colour", "sortBy", "must be one of createTime, name, restarts"},
		{"an order that is not a boolean", "ascending=up", "ascending", "true or false"},
		{"a malformed label selector", "labelSelector=a%3D%3D%3Db", "labelSelector", ""},
		{"a malformed field selector", "fieldSelector=a%3D%3D%3Db", "fieldSelector", ""},
		{"a field the endpoint cannot select on", "fieldSelector=status.phase%3DRunning", "fieldSelector",
			"cannot select on status.phase; it takes metadata.name, metadata.namespace, spec.nodeName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			_, err := listquery.Parse(v, spec)
			var se apierrors.APIStatus
			if !errors.As(err, &se) || se.Status().Code != 400 {
				t.Fatalf("want a 400, got %v", err)
			}
			st := se.Status()
			if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != tt.param {
				t.Fatalf("the Status does not name %s: %+v", tt.param, st)
			}
			if !strings.Contains(st.Message, tt.says) {
				t.Errorf("message %q, want it to say %q", st.Message, tt.says)
			}
		})
	}
}

func TestMatchesName(t *testing.T) {
	tests := []struct {
		name, query, objName, display string
		want                          bool
	}{
		{"no name filter matches everything", "", "web", "", true},
		{"a substring of the name in any case", "name=EB", "web-1", "", true},
		{"a substring of the display name", "name=front", "web-1", "The Frontend", true},
		{"neither", "name=db", "web-1", "The Frontend", false},
		{"names is exact", "names=web", "web-1", "", false},
		{"names and name together", "names=web-1&name=1", "web-1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse(t, tt.query, spec).MatchesName(tt.objName, tt.display); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWindow(t *testing.T) {
	tests := []struct {
		name               string
		page, limit, n     int
		wantStart, wantEnd int
	}{
		{"the first page", 1, 10, 25, 0, 10},
		{"the last, short page", 3, 10, 25, 20, 25},
		{"a page past the end is empty", 4, 10, 25, 25, 25},
		{"an empty list", 1, 10, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &listquery.Query{Page: tt.page, Limit: tt.limit}
			if s, e := q.Window(tt.n); s != tt.wantStart || e != tt.wantEnd {
				t.Fatalf("window %d..%d, want %d..%d", s, e, tt.wantStart, tt.wantEnd)
			}
		})
	}
}

func TestApplyFiltersSortsAndPagesASmallList(t *testing.T) {
	at := func(s int64) metav1.Time { return metav1.NewTime(time.Unix(s, 0)) }
	items := []*metav1.ObjectMeta{
		{Name: "c", CreationTimestamp: at(1), Labels: map[string]string{"team": "a"}},
		{Name: "a", CreationTimestamp: at(3), Labels: map[string]string{"team": "b"}},
		{Name: "b", CreationTimestamp: at(2), Labels: map[string]string{"team": "a"}, Annotations: map[string]string{"superkube.io/display-name": "Bee"}},
	}
	team := func(o *metav1.ObjectMeta) string { return o.Labels["team"] }
	cols := listquery.Columns[*metav1.ObjectMeta]{"team": team}
	filters := listquery.Filters[*metav1.ObjectMeta]{"team": func(o *metav1.ObjectMeta, v string) bool { return team(o) == v }}
	tests := []struct {
		name, query string
		want        []string
		total       int
	}{
		{"newest first by default", "", []string{"a", "b", "c"}, 3},
		{"by name, ascending", "sortBy=name&ascending=true", []string{"a", "b", "c"}, 3},
		{"by a column, names breaking ties", "sortBy=team&ascending=true", []string{"b", "c", "a"}, 3},
		{"an endpoint filter", "team=a&sortBy=name&ascending=true", []string{"b", "c"}, 2},
		{"a label selector", "labelSelector=team%3Db", []string{"a"}, 1},
		{"a display name", "name=bee", []string{"b"}, 1},
		{"a page", "limit=2&page=2&sortBy=name&ascending=true", []string{"c"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := parse(t, tt.query, listquery.Spec{SortBy: []string{"team"}, Filters: []string{"team"}})
			list := listquery.Apply(items, q, cols, filters)
			var got []string
			for _, it := range list.Items {
				got = append(got, it.Name)
			}
			if !reflect.DeepEqual(got, tt.want) || list.TotalItems != tt.total {
				t.Fatalf("got %v (%d), want %v (%d)", got, list.TotalItems, tt.want, tt.total)
			}
		})
	}
}
