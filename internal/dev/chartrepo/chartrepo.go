// Package chartrepo is ke-dev's demo chart repository: at start it packages
// every chart folder of testdata/charts with the Helm SDK, serves them as
// an HTTP Helm repository on a loopback port, and makes the trusted
// platform Repository "demo" point at it, so that the app store of `make
// run` has apps to install, in the categories "web" and "examples" that
// it creates too.
package chartrepo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/chart"
	"github.com/superkube/super-kubenetes/internal/application/repo"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// Defaults.
const (
	DefaultPort = 9098
	// DefaultDir holds the demo charts' sources, from the repository's root.
	DefaultDir = "testdata/charts"
	// RepositoryName is the Repository ke-dev creates.
	RepositoryName = "demo"
)

// Server is the running repository.
type Server struct {
	// URL is the repository's address.
	URL string
	// Charts are "name version" of the charts served.
	Charts []string
}

// Start packages the charts under dir and serves them on 127.0.0.1:port
// until ctx ends.
func Start(ctx context.Context, port int, dir string) (*Server, error) {
	folders, err := filepath.Glob(filepath.Join(dir, "*", "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	if len(folders) == 0 {
		return nil, fmt.Errorf("no chart in %s: run ke-dev from the repository's root", dir)
	}
	sort.Strings(folders)
	s := &Server{}
	var archives [][]byte
	for _, f := range folders {
		data, err := chart.Package(filepath.Dir(f))
		if err != nil {
			return nil, err
		}
		c, err := chart.Load(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Dir(f), err)
		}
		archives = append(archives, data)
		s.Charts = append(s.Charts, c.Metadata.Name+" "+c.Metadata.Version)
	}
	static, err := repo.NewStatic(archives...)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("port %d for the demo chart repository is already in use on 127.0.0.1 (choose another with --chart-repo-port): %w", port, err)
	}
	s.URL = "http://" + l.Addr().String()
	srv := &http.Server{Handler: static, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return s, nil
}

// Run starts the server and points the Repository demo at it.
func Run(ctx context.Context, rc *rest.Config, port int, dir string) (*Server, error) {
	s, err := Start(ctx, port, dir)
	if err != nil {
		return nil, err
	}
	c, err := client.New(rc, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, err
	}
	if err := EnsureCategories(ctx, c); err != nil {
		return nil, fmt.Errorf("creating the app store's demo categories: %w", err)
	}
	if err := EnsureRepository(ctx, c, s.URL); err != nil {
		return nil, fmt.Errorf("creating the app store's Repository %s: %w", RepositoryName, err)
	}
	return s, nil
}

// Categories are the categories the demo charts name (Chart.yaml
// annotation superkube.io/categories), created when missing.
var Categories = []appv2.Category{
	{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appv2.CategorySpec{
		DisplayName: map[string]string{"en": "Web servers", "ko": "웹 서버", "zh": "Web 服务器"}, Icon: "globe",
		Description: "Web servers and the applications behind them."}},
	{ObjectMeta: metav1.ObjectMeta{Name: "examples"}, Spec: appv2.CategorySpec{
		DisplayName: map[string]string{"en": "Examples", "ko": "예제", "zh": "示例"}, Icon: "book",
		Description: "Charts that show what the app store does: values schemas, CRDs, hooks."}},
}

// EnsureCategories creates the demo categories that do not exist (an
// administrator's changes stay).
func EnsureCategories(ctx context.Context, c client.Client) error {
	for _, cat := range Categories {
		cat := cat.DeepCopy()
		if err := c.Create(ctx, cat); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// EnsureRepository creates the trusted platform Repository "demo" at url,
// or points it there again and asks for a sync (the charts were packaged
// anew, so their digests changed).
func EnsureRepository(ctx context.Context, c client.Client, url string) error {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	want := appv2.RepositorySpec{
		URL:             url,
		DisplayName:     "Demo charts",
		Description:     "The demo charts of testdata/charts, served by ke-dev.",
		Trusted:         true,
		SyncRequestedAt: &now,
	}
	rp := &appv2.Repository{}
	err := c.Get(ctx, client.ObjectKey{Name: RepositoryName}, rp)
	switch {
	case apierrors.IsNotFound(err):
		rp = &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: RepositoryName, Labels: map[string]string{"app.kubernetes.io/managed-by": "ke-dev"}}, Spec: want}
		return c.Create(ctx, rp)
	case err != nil:
		return err
	}
	rp.Spec = want
	return c.Update(ctx, rp)
}

// Exists reports whether dir has charts (ke-dev serves none otherwise,
// for example when it runs outside the repository).
func Exists(dir string) bool {
	m, err := filepath.Glob(filepath.Join(dir, "*", "Chart.yaml"))
	return err == nil && len(m) > 0
}
