package chartrepo

import (
	"context"
	"path/filepath"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/repo"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

func TestServesTheDemoCharts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Start(ctx, 0, filepath.Join("..", "..", "..", DefaultDir))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := repo.List(ctx, s.URL, repo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if idx.Versions() != 5 || len(s.Charts) != 5 {
		t.Fatalf("%d versions, charts %v", idx.Versions(), s.Charts)
	}
	v := idx.Charts["demo-web"][0]
	if _, err := repo.Fetch(ctx, s.URL, v.URL, v.Digest, repo.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(ctx, 0, t.TempDir()); err == nil {
		t.Error("started without charts")
	}
}

func TestEnsureRepository(t *testing.T) {
	ctx := context.Background()
	c := fake.NewClientBuilder().WithScheme(scheme.New()).Build()
	for range 2 {
		if err := EnsureCategories(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Get(ctx, client.ObjectKey{Name: "web"}, &appv2.Category{}); err != nil {
		t.Fatal(err)
	}
	if err := EnsureRepository(ctx, c, "http://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	if err := EnsureRepository(ctx, c, "http://127.0.0.1:2"); err != nil {
		t.Fatal(err)
	}
	rp := &appv2.Repository{}
	if err := c.Get(ctx, client.ObjectKey{Name: RepositoryName}, rp); err != nil {
		t.Fatal(err)
	}
	if rp.Spec.URL != "http://127.0.0.1:2" || !rp.Spec.Trusted || rp.Spec.SyncRequestedAt == nil || rp.Labels[appv2.WorkspaceLabel] != "" {
		t.Errorf("%+v", rp)
	}
}
