package chartsource_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/chartsource"
)

const ns = "superkube-system"

func version(src appv2.ChartSource) *appv2.ApplicationVersion {
	return &appv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{Name: "v"}, Spec: appv2.ApplicationVersionSpec{Source: src}}
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestFetch(t *testing.T) {
	ctx := context.Background()
	archive := []byte("not really a chart, but bytes")
	big := make([]byte, chartsource.MaxChartBytes+1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		switch r.URL.Path {
		case "/charts/c.tgz":
			if !ok || u != "reader" || p != "s3cret" {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			_, _ = w.Write(archive)
		case "/charts/big.tgz":
			_, _ = w.Write(big)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	// The same server under another host name: credentials must not go there.
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	sch := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(sch)
	_ = appv2.AddToScheme(sch)
	objs := []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "upload"}, BinaryData: map[string][]byte{appv2.ChartKey: archive}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "empty"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds", Labels: map[string]string{appv2.RepositoryLabel: "private"}},
			Data: map[string][]byte{"username": []byte("reader"), "password": []byte("s3cret")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unlabelled"}, Data: map[string][]byte{"username": []byte("reader")}},
		&appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "private"}, Spec: appv2.RepositorySpec{URL: srv.URL + "/charts", CredentialsSecret: "creds"}},
		&appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "alien"}, Spec: appv2.RepositorySpec{URL: srv.URL + "/charts", CredentialsSecret: "unlabelled"}},
		&appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "public"}, Spec: appv2.RepositorySpec{URL: srv.URL + "/charts"}},
		&appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "ws-repo", Labels: map[string]string{appv2.WorkspaceLabel: "acme"}},
			Spec: appv2.RepositorySpec{URL: srv.URL + "/charts"}},
	}
	s := &chartsource.Source{Reader: fake.NewClientBuilder().WithScheme(sch).WithObjects(objs...).Build(), SystemNamespace: ns}

	for _, tc := range []struct {
		name string
		src  appv2.ChartSource
		kind error
		msg  string
	}{
		{"upload", appv2.ChartSource{ConfigMap: "upload", Digest: "sha256:" + hexSum(archive)}, nil, ""},
		{"upload, tampered", appv2.ChartSource{ConfigMap: "upload", Digest: strings.Repeat("0", 64)}, chartsource.ErrDigestMismatch, "not the recorded digest"},
		{"no ConfigMap", appv2.ChartSource{ConfigMap: "gone"}, chartsource.ErrNotFound, "does not exist"},
		{"no chart.tgz", appv2.ChartSource{ConfigMap: "empty"}, chartsource.ErrNotFound, "has no chart.tgz"},
		{"no source", appv2.ChartSource{}, chartsource.ErrNotFound, "no chart source"},
		{"repository", appv2.ChartSource{Repository: "private", URL: srv.URL + "/charts/c.tgz", Digest: hexSum(archive)}, nil, ""},
		{"repository, tampered", appv2.ChartSource{Repository: "private", URL: srv.URL + "/charts/c.tgz", Digest: strings.Repeat("0", 64)}, chartsource.ErrDigestMismatch, "not the recorded digest"},
		{"credentials stay with the repository's host", appv2.ChartSource{Repository: "private", URL: other + "/charts/c.tgz"}, chartsource.ErrUnavailable, "401"},
		{"unlabelled credentials", appv2.ChartSource{Repository: "alien", URL: srv.URL + "/charts/c.tgz"}, chartsource.ErrUnavailable, "is not labelled"},
		{"not there", appv2.ChartSource{Repository: "private", URL: srv.URL + "/charts/none.tgz"}, chartsource.ErrUnavailable, "404"},
		{"too large", appv2.ChartSource{Repository: "public", URL: srv.URL + "/charts/big.tgz"}, chartsource.ErrTooLarge, "larger than"},
		// A workspace's repository (or a chart whose repository is gone)
		// reaches public addresses only: this one is on loopback.
		{"a workspace's repository on loopback", appv2.ChartSource{Repository: "ws-repo", URL: srv.URL + "/charts/big.tgz"}, chartsource.ErrUnavailable,
			"is not allowed for a workspace's chart repository (loopback)"},
		{"no repository any more", appv2.ChartSource{Repository: "gone", URL: srv.URL + "/charts/big.tgz"}, chartsource.ErrUnavailable,
			"is not allowed for a workspace's chart repository (loopback)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := s.Fetch(ctx, version(tc.src))
			if tc.kind == nil {
				if err != nil || string(data) != string(archive) {
					t.Fatalf("%q, %v", data, err)
				}
				return
			}
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("want %v with %q, got %v", tc.kind, tc.msg, err)
			}
		})
	}
}
