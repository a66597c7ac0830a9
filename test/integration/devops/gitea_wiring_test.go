package devops

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
	"github.com/superkube/super-kubenetes/internal/testutil/giteatest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// A pipeline of a real Gitea repository with discovery: one child per
// matching branch and open pull request, made and removed as Gitea's
// webhook (through ke-apiserver) asks for scans; a push to a branch runs
// its child, and the run's commit status reaches Gitea.
func TestGiteaDiscoveryWebhookAndCommitStatuses(t *testing.T) {
	setup(t)
	ctx := context.Background()
	s := giteatest.StartT(t)
	gc := gitea.New(s.URL, gitea.Auth{Token: s.Token}, nil)
	repo, _, err := gc.EnsureRepo(ctx, gitea.RepoSpec{Name: "multi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gc.PutFile(ctx, repo.Owner, repo.Name, gitea.File{Path: "README.md", Content: []byte("multi\n"), Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"feature/x", "other"} {
		if _, err := gc.CreateBranch(ctx, repo.Owner, repo.Name, b, "main"); err != nil {
			t.Fatal(err)
		}
	}
	for _, sec := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "gitea-multi"}, Type: devopsv1alpha3.CredentialBasicAuth,
			Data: map[string][]byte{"username": []byte(s.AdminUser), "password": []byte(s.AdminPassword)}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "gitea-multi-hook"}, Data: map[string][]byte{"secret": []byte("multi-hook")}},
	} {
		if err := k8s.Create(ctx, sec); err != nil {
			t.Fatal(err)
		}
	}
	createPipeline(t, "multi", map[string]any{
		"source": map[string]any{"url": repo.CloneURL, "credential": "gitea-multi", "provider": "gitea",
			"discovery": map[string]any{"branches": []any{"main", "feature/*"}, "pullRequests": true, "interval": "1h"}},
		"triggers": map[string]any{"webhook": map[string]any{"secretRef": "gitea-multi-hook"}},
		"definition": map[string]any{"stages": []any{
			map[string]any{"name": "checkout", "steps": []any{map[string]any{"name": "clone", "checkout": map[string]any{}}}},
			map[string]any{"name": "s", "steps": []any{sh("readme", `cat README.md; echo "commit $GIT_COMMIT"`)}},
		}},
	})
	children := func(want ...string) {
		t.Helper()
		slices.Sort(want)
		platform.Eventually(t, fmt.Sprintf("the children are %v", want), time.Minute, func() error {
			var list devopsv1alpha3.PipelineList
			if err := k8s.List(ctx, &list, client.InNamespace(project), client.MatchingLabels{devopsv1alpha3.PipelineLabel: "multi"}); err != nil {
				return err
			}
			var got []string
			for _, p := range list.Items {
				if p.DeletionTimestamp == nil {
					got = append(got, p.Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("children %v", got)
			}
			return nil
		})
	}
	// The first scan: main and feature/x, not other.
	children("multi-feature-x", "multi-main")
	child := &devopsv1alpha3.Pipeline{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: project, Name: "multi-feature-x"}, child); err != nil {
		t.Fatal(err)
	}
	if child.Spec.Source.Branch != "feature/x" || child.Spec.Source.Discovery != nil || child.Labels[devopsv1alpha3.BranchLabel] != "feature-x" ||
		child.Annotations[devopsv1alpha3.CreatorAnnotation] != owner || len(child.OwnerReferences) != 1 || child.OwnerReferences[0].Name != "multi" {
		t.Errorf("child %+v %+v", child.ObjectMeta, child.Spec.Source)
	}

	// Gitea's webhook reaches ke-apiserver (its self-signed certificate
	// accepted by SKIP_TLS_VERIFY); a pull request asks for a scan.
	if _, err := gc.EnsureWebhook(ctx, repo.Owner, repo.Name, gitea.Webhook{
		URL: api.URL + "/webhooks/devops/gitea?namespace=" + project + "&pipeline=multi", Secret: "multi-hook"}); err != nil {
		t.Fatal(err)
	}
	pr, err := gc.CreatePullRequest(ctx, repo.Owner, repo.Name, "feature/x", "main", "Feature X")
	if err != nil {
		t.Fatal(err)
	}
	prChild := fmt.Sprintf("multi-pr-%d", pr.Number)
	children("multi-feature-x", "multi-main", prChild)
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: project, Name: prChild}, child); err != nil {
		t.Fatal(err)
	}
	if child.Spec.Source.Branch != "feature/x" {
		t.Errorf("the pull request's child builds %q", child.Spec.Source.Branch)
	}

	// A push to main: a scan (feature/x's branch is gone, and with it its
	// children) and a run of multi-main for the pushed commit.
	if err := gc.DeleteBranch(ctx, repo.Owner, repo.Name, "feature/x"); err != nil {
		t.Fatal(err)
	}
	commit, err := gc.PutFile(ctx, repo.Owner, repo.Name, gitea.File{Path: "README.md", Content: []byte("multi, again\n"), Branch: "main"})
	if err != nil {
		t.Fatal(err)
	}
	children("multi-main")
	var run devopsv1alpha3.PipelineRun
	platform.Eventually(t, "a run of multi-main for the push", time.Minute, func() error {
		var runs devopsv1alpha3.PipelineRunList
		if err := k8s.List(ctx, &runs, client.InNamespace(project), client.MatchingLabels{devopsv1alpha3.PipelineLabel: "multi-main"}); err != nil {
			return err
		}
		for _, r := range runs.Items {
			if r.Spec.Revision.Commit == commit {
				run = r
				return nil
			}
		}
		return fmt.Errorf("%d runs, none for %s", len(runs.Items), commit)
	})
	done := waitPhase(t, run.Name, devopsv1alpha3.PhaseSucceeded, 2*time.Minute)
	if done.Status.Commit != commit {
		t.Errorf("the run built %q, not %q", done.Status.Commit, commit)
	}
	if log := logOf(t, owner, run.Name, "s", "readme"); !strings.Contains(log, "multi, again") || !strings.Contains(log, "commit "+commit) {
		t.Errorf("log %q", log)
	}
	platform.Eventually(t, "the commit's status is success, after pending", 30*time.Second, func() error {
		sts, err := gc.Statuses(ctx, repo.Owner, repo.Name, commit)
		if err != nil {
			return err
		}
		var states []gitea.State
		for _, st := range sts {
			if st.Context == "superkube/multi-main" {
				states = append(states, st.State)
			}
		}
		if len(states) < 2 || states[0] != gitea.StateSuccess || states[len(states)-1] != gitea.StatePending {
			return fmt.Errorf("states (newest first) %v", states)
		}
		if sts[0].Description != "Succeeded" {
			return fmt.Errorf("description %q", sts[0].Description)
		}
		return nil
	})

	p := &devopsv1alpha3.Pipeline{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: project, Name: "multi"}, p); err != nil {
		t.Fatal(err)
	}
	if len(p.Status.Branches) != 1 || p.Status.Branches[0] != "main" {
		t.Errorf("status.branches %v", p.Status.Branches)
	}
	// Turning discovery off removes the children.
	before := p.DeepCopy()
	p.Spec.Source.Discovery = nil
	if err := k8s.Patch(ctx, p, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	children()
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: project, Name: "multi-main"}, child); !apierrors.IsNotFound(err) && child.DeletionTimestamp == nil {
		t.Errorf("multi-main: %v", err)
	}
}
