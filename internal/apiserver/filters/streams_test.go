package filters_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/authn"
)

// tracker counts the requests it is given.
type tracker struct{ tracked, done int }

func (tr *tracker) Track(ctx context.Context, _ *authn.Result) (context.Context, func()) {
	tr.tracked++
	return ctx, func() { tr.done++ }
}

func TestWithRevocableStreams(t *testing.T) {
	alice := &authn.Result{User: &user.DefaultInfo{Name: "alice"}}
	tests := []struct {
		name   string
		target string
		header http.Header
		caller *authn.Result
		want   bool
	}{
		{name: "a proxied watch is tracked", target: "/api/v1/namespaces/dev/pods?watch=true", caller: alice, want: true},
		{name: "a list engine event stream is tracked", target: "/kapis/resources.superkube.io/v1alpha3/pods?watch=1", caller: alice, want: true},
		{name: "a legacy watch path is tracked", target: "/api/v1/watch/namespaces/dev/pods", caller: alice, want: true},
		{name: "a log follow is tracked", target: "/api/v1/namespaces/dev/pods/web/log?follow=true", caller: alice, want: true},
		{name: "an upgrade (exec) is tracked", target: "/api/v1/namespaces/dev/pods/web/exec?command=ls", caller: alice,
			header: http.Header{"Connection": {"keep-alive, Upgrade"}, "Upgrade": {"websocket"}}, want: true},
		{name: "an ordinary request is not tracked", target: "/api/v1/namespaces/dev/pods", caller: alice},
		{name: "an anonymous watch is not tracked", target: "/api/v1/namespaces/dev/pods?watch=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &tracker{}
			h := filters.WithRevocableStreams(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), tr)
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			if tt.caller != nil {
				req = req.WithContext(authn.WithResult(req.Context(), tt.caller))
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got := tr.tracked == 1; got != tt.want || tr.done != tr.tracked {
				t.Errorf("tracked %d, done %d; want tracked %t", tr.tracked, tr.done, tt.want)
			}
		})
	}
}
