package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/dev/gitea"
	"github.com/superkube/super-kubenetes/internal/devops/definition"
	devopsgitea "github.com/superkube/super-kubenetes/internal/devops/gitea"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// The DevOps demo's objects.
const (
	DemoWorkspace     = "demo"
	DemoDevOpsProject = "demo-ci"
	DemoPipeline      = "hello"
	DemoCredential    = "gitea"
	DemoWebhookSecret = "gitea-webhook" //nolint:gosec // the name of a Secret, not a secret
	demoAdmin         = "admin"
)

// DemoWebhookURL is the Gitea webhook of the demo pipeline at ke-apiserver.
func DemoWebhookURL(apiServerURL string) string {
	return strings.TrimSuffix(apiServerURL, "/") + "/webhooks/devops/gitea?namespace=" + DemoDevOpsProject + "&pipeline=" + DemoPipeline
}

// SeedDevOpsDemo makes, unless they exist, the platform's side of the
// sample repository: workspace demo, its project hello (where the sample
// deploys), the DevOps project demo-ci owned by admin with a basic-auth
// credential for Gitea's administrator and a webhook secret, the pipeline
// hello of the sample's .superkube/pipeline.yaml, and the repository's
// webhook to ke-apiserver. Objects that exist are left as they are (a
// pipeline you edited stays edited); the credential's password and the
// webhook follow Gitea's.
func SeedDevOpsDemo(ctx context.Context, rc *rest.Config, giteaURL, passwordFile, apiServerURL string) error {
	cl, err := client.New(rc, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	pw, err := os.ReadFile(passwordFile)
	if err != nil {
		return err
	}
	password := strings.TrimSpace(string(pw))
	creator := map[string]string{tenantv1beta1.CreatorAnnotation: demoAdmin}
	for _, o := range []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: DemoWorkspace, Annotations: creator}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gitea.SampleProject, Annotations: creator,
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: DemoWorkspace}}},
		&devopsv1alpha3.DevOpsProject{ObjectMeta: metav1.ObjectMeta{Name: DemoDevOpsProject, Annotations: creator,
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: DemoWorkspace}},
			Spec: devopsv1alpha3.DevOpsProjectSpec{Description: "CI/CD of the sample repository superkube/hello in Gitea (made by ke-dev)"}},
	} {
		if err := createUnlessExists(ctx, cl, o); err != nil {
			return err
		}
	}
	// The project's namespace is the controller's to make.
	ns := &corev1.Namespace{}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := cl.Get(ctx, types.NamespacedName{Name: DemoDevOpsProject}, ns)
		if err == nil && ns.Labels[devopsv1alpha3.ProjectLabel] == DemoDevOpsProject {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the namespace of the DevOps project %s did not appear: %w", DemoDevOpsProject, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}

	// The credential follows the administrator's password.
	cred := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: DemoDevOpsProject, Name: DemoCredential}}
	if err := cl.Get(ctx, client.ObjectKeyFromObject(cred), cred); apierrors.IsNotFound(err) {
		cred.Type = devopsv1alpha3.CredentialBasicAuth
		cred.Data = map[string][]byte{"username": []byte(gitea.AdminUser), "password": []byte(password)}
		if err := cl.Create(ctx, cred); err != nil {
			return fmt.Errorf("creating the credential %s: %w", DemoCredential, err)
		}
	} else if err != nil {
		return err
	} else if string(cred.Data["password"]) != password || string(cred.Data["username"]) != gitea.AdminUser {
		cred.Data = map[string][]byte{"username": []byte(gitea.AdminUser), "password": []byte(password)}
		if err := cl.Update(ctx, cred); err != nil {
			return err
		}
	}
	hook := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: DemoDevOpsProject, Name: DemoWebhookSecret}}
	if err := cl.Get(ctx, client.ObjectKeyFromObject(hook), hook); apierrors.IsNotFound(err) {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		hook.Data = map[string][]byte{devopsv1alpha3.WebhookSecretKey: []byte(hex.EncodeToString(b))}
		if err := cl.Create(ctx, hook); err != nil {
			return fmt.Errorf("creating the webhook secret %s: %w", DemoWebhookSecret, err)
		}
	} else if err != nil {
		return err
	}
	secret := string(hook.Data[devopsv1alpha3.WebhookSecretKey])
	if secret == "" {
		return fmt.Errorf("the webhook secret %s/%s has no key %q", DemoDevOpsProject, DemoWebhookSecret, devopsv1alpha3.WebhookSecretKey)
	}

	gc := devopsgitea.New(giteaURL, devopsgitea.Auth{Username: gitea.AdminUser, Password: password}, nil)
	repo, _, err := gc.EnsureRepo(ctx, devopsgitea.RepoSpec{Name: gitea.SampleRepo})
	if err != nil {
		return err
	}
	p := &devopsv1alpha3.Pipeline{}
	if err := cl.Get(ctx, types.NamespacedName{Namespace: DemoDevOpsProject, Name: DemoPipeline}, p); apierrors.IsNotFound(err) {
		text, err := gc.GetFile(ctx, repo.Owner, repo.Name, "", gitea.PipelineFile)
		if err != nil {
			return fmt.Errorf("reading the sample's pipeline: %w", err)
		}
		def, errs := definition.Parse(text, field.NewPath(gitea.PipelineFile))
		if len(errs) > 0 {
			return fmt.Errorf("the sample's pipeline: %w", errs.ToAggregate())
		}
		p = &devopsv1alpha3.Pipeline{
			ObjectMeta: metav1.ObjectMeta{Namespace: DemoDevOpsProject, Name: DemoPipeline,
				Annotations: map[string]string{devopsv1alpha3.CreatorAnnotation: demoAdmin}},
			Spec: devopsv1alpha3.PipelineSpec{
				Description: "Test, build and deploy the sample repository " + repo.Owner + "/" + repo.Name,
				Source:      &devopsv1alpha3.Source{URL: repo.CloneURL, Branch: "main", Credential: DemoCredential, Provider: "gitea"},
				Triggers:    devopsv1alpha3.Triggers{Webhook: &devopsv1alpha3.WebhookTrigger{SecretRef: DemoWebhookSecret}},
				Definition:  *def,
			},
		}
		if err := cl.Create(ctx, p); err != nil {
			return fmt.Errorf("creating the pipeline %s: %w", DemoPipeline, err)
		}
	} else if err != nil {
		return err
	}
	if _, err := url.Parse(apiServerURL); err != nil || apiServerURL == "" {
		return fmt.Errorf("ke-apiserver's URL %q", apiServerURL)
	}
	if _, err := gc.EnsureWebhook(ctx, repo.Owner, repo.Name, devopsgitea.Webhook{URL: DemoWebhookURL(apiServerURL), Secret: secret}); err != nil {
		return fmt.Errorf("the sample repository's webhook: %w", err)
	}
	return nil
}

func createUnlessExists(ctx context.Context, cl client.Client, o client.Object) error {
	if err := cl.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
	}
	return nil
}
