package application

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v4/pkg/action"
	ri "helm.sh/helm/v4/pkg/release"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/application/chart"
)

// Rendered is a dry run's answer: the manifest the values render to, the
// deployed release's manifest ("" when there is none) and the notes.
type Rendered struct {
	Manifest string `json:"manifest"`
	Current  string `json:"current"`
	Notes    string `json:"notes"`
}

// Render renders a chart as an install of release name in namespace ns
// would (Helm's client-only dry run: nothing is sent to the cluster).
func Render(ctx context.Context, c *chart.Chart, ns, name string, values map[string]any, upgrade bool) (*Rendered, error) {
	inst := action.NewInstall(action.NewConfiguration())
	inst.DryRunStrategy = action.DryRunClient
	inst.Namespace, inst.ReleaseName = ns, name
	inst.IsUpgrade = upgrade
	inst.Replace = true
	inst.IncludeCRDs = true
	rel, err := inst.RunWithContext(ctx, c.Chart, values)
	if err != nil {
		return nil, err
	}
	r, err := asV1(rel)
	if err != nil {
		return nil, err
	}
	out := &Rendered{Manifest: r.Manifest}
	if r.Info != nil {
		out.Notes = r.Info.Notes
	}
	return out, nil
}

// Deployed returns the manifest of a release's deployed revision, read
// from Helm's storage (Secrets in the release's namespace) with the given
// client (the caller's, impersonated): "" when there is none.
func Deployed(secrets corev1client.SecretInterface, name string) (string, error) {
	st := storage.Init(driver.NewSecrets(secrets))
	rel, err := st.Deployed(name)
	if err != nil {
		if errors.Is(err, driver.ErrNoDeployedReleases) || errors.Is(err, driver.ErrReleaseNotFound) {
			return "", nil
		}
		return "", err
	}
	r, err := asV1(rel)
	if err != nil || r == nil {
		return "", err
	}
	return r.Manifest, nil
}

// ErrNoRevision is a revision Helm's storage does not hold (any more).
var ErrNoRevision = errors.New("no such revision of the release in Helm's storage")

// RevisionValues returns the values a revision of a release was given (its
// user-supplied values, as YAML; "" when none), read from Helm's storage
// through secrets (the caller's client).
func RevisionValues(secrets corev1client.SecretInterface, name string, revision int) (string, error) {
	rel, err := storage.Init(driver.NewSecrets(secrets)).Get(name, revision)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return "", ErrNoRevision
	}
	if err != nil {
		return "", err
	}
	r, err := asV1(rel)
	if err != nil || r == nil || len(r.Config) == 0 {
		return "", err
	}
	out, err := yaml.Marshal(r.Config)
	if err != nil {
		return "", fmt.Errorf("the values of revision %d: %w", revision, err)
	}
	return string(out), nil
}

func asV1(rel ri.Releaser) (*releasev1.Release, error) {
	switch r := rel.(type) {
	case *releasev1.Release:
		return r, nil
	case releasev1.Release:
		return &r, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("unsupported release type %T", rel)
}
