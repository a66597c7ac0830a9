// Package gitea tests the DevOps module's Gitea client against a real
// Gitea (giteatest): a repository seeded through the contents API, a
// webhook whose signed deliveries reach a receiver on loopback, commit
// statuses, branches and pull requests, and git over HTTP.
package gitea

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/devops/gitea"
	"github.com/superkube/super-kubenetes/internal/testutil/giteatest"
)

type delivery struct {
	event, id, signature string
	body                 []byte
}

// receiver is a webhook endpoint that passes on what it receives.
func receiver(t *testing.T) (string, <-chan delivery) {
	t.Helper()
	ch := make(chan delivery, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ch <- delivery{event: r.Header.Get(gitea.EventHeader), id: r.Header.Get(gitea.DeliveryHeader),
			signature: r.Header.Get(gitea.SignatureHeader), body: b}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hooks/gitea", ch
}

// await returns the first delivery of event that match accepts.
func await(t *testing.T, ch <-chan delivery, event string, match func(delivery) bool) delivery {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case d := <-ch:
			if d.event == event && match(d) {
				return d
			}
		case <-timeout:
			t.Fatalf("no %s delivery within 30s", event)
		}
	}
}

func TestRepositoryWebhookStatusesBranchesAndPullRequests(t *testing.T) {
	s := giteatest.StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := gitea.New(s.URL, gitea.Auth{Token: s.Token}, nil)

	const owner, name = "acme", "app"
	if err := c.EnsureOrg(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureOrg(ctx, owner); err != nil {
		t.Fatalf("a second EnsureOrg: %v", err)
	}
	repo, created, err := c.EnsureRepo(ctx, gitea.RepoSpec{Owner: owner, Name: name, Description: "a test"})
	if err != nil || !created {
		t.Fatalf("EnsureRepo: %v, created %v", err, created)
	}
	if repo.CloneURL != s.CloneURL(owner, name) || repo.DefaultBranch != "main" || repo.Owner != owner {
		t.Errorf("repository %+v", repo)
	}
	if _, created, err := c.EnsureRepo(ctx, gitea.RepoSpec{Owner: owner, Name: name}); err != nil || created {
		t.Fatalf("a second EnsureRepo: %v, created %v", err, created)
	}
	if _, err := c.PutFile(ctx, owner, name, gitea.File{Path: "README.md", Content: []byte("# app\n"), Message: "Add a README"}); err != nil {
		t.Fatal(err)
	}
	if commit, err := c.PutFile(ctx, owner, name, gitea.File{Path: "README.md", Content: []byte("# app\n")}); err != nil || commit != "" {
		t.Fatalf("writing the same content again: commit %q, %v", commit, err)
	}

	hookURL, deliveries := receiver(t)
	secret := []byte("webhook-secret")
	id, err := c.EnsureWebhook(ctx, owner, name, gitea.Webhook{URL: hookURL, Secret: string(secret)})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.EnsureWebhook(ctx, owner, name, gitea.Webhook{URL: hookURL, Secret: string(secret)}); err != nil || again != id {
		t.Fatalf("a second EnsureWebhook: id %d (first %d), %v", again, id, err)
	}

	// A commit through the contents API is a push.
	commit, err := c.PutFile(ctx, owner, name, gitea.File{Path: "README.md", Content: []byte("# app\n\nv2\n"), Message: "Update the README"})
	if err != nil || commit == "" {
		t.Fatalf("updating the README: commit %q, %v", commit, err)
	}
	d := await(t, deliveries, gitea.EventPush, func(d delivery) bool { return strings.Contains(string(d.body), commit) })
	if !gitea.VerifySignature(d.body, secret, d.signature) {
		t.Errorf("the push's signature %q does not verify", d.signature)
	}
	tampered := []byte(strings.Replace(string(d.body), commit, strings.Repeat("f", len(commit)), 1))
	if gitea.VerifySignature(tampered, secret, d.signature) {
		t.Error("a tampered body verified")
	}
	if d.id == "" {
		t.Errorf("no %s header", gitea.DeliveryHeader)
	}
	push, err := gitea.ParsePush(d.body)
	if err != nil {
		t.Fatal(err)
	}
	if push.Branch != "main" || push.Ref != "refs/heads/main" || push.After != commit ||
		push.Repository.CloneURL != s.CloneURL(owner, name) || push.Pusher != s.AdminUser {
		t.Errorf("push %+v, want main at %s by %s", push, commit, s.AdminUser)
	}

	// Commit statuses.
	st := gitea.Status{State: gitea.StatePending, Context: "superkube/ci", TargetURL: "http://127.0.0.1/runs/1", Description: "running"}
	if err := c.SetStatus(ctx, owner, name, commit, st); err != nil {
		t.Fatal(err)
	}
	st.State, st.Description = gitea.StateSuccess, "passed"
	if err := c.SetStatus(ctx, owner, name, commit, st); err != nil {
		t.Fatal(err)
	}
	statuses, err := c.Statuses(ctx, owner, name, commit)
	if err != nil {
		t.Fatal(err)
	}
	if len(statuses) == 0 || statuses[0] != st {
		t.Errorf("statuses %+v, want %+v first", statuses, st)
	}

	// A second branch, with a commit of its own.
	if _, err := c.CreateBranch(ctx, owner, name, "feature", "main"); err != nil {
		t.Fatal(err)
	}
	featureCommit, err := c.PutFile(ctx, owner, name, gitea.File{Path: "feature.txt", Content: []byte("x\n"), Branch: "feature"})
	if err != nil {
		t.Fatal(err)
	}
	branches, err := c.Branches(ctx, owner, name)
	if err != nil {
		t.Fatal(err)
	}
	want := []gitea.Branch{{Name: "feature", Commit: featureCommit}, {Name: "main", Commit: commit}}
	if len(branches) != 2 || branches[0] != want[0] || branches[1] != want[1] {
		t.Errorf("branches %+v, want %+v", branches, want)
	}
	if b, err := c.GetBranch(ctx, owner, name, "feature"); err != nil || b.Commit != featureCommit {
		t.Errorf("branch feature: %+v, %v", b, err)
	}
	if _, err := c.GetBranch(ctx, owner, name, "nope"); !isNotFound(err) {
		t.Errorf("a missing branch: %v", err)
	}

	// A pull request, listed and announced.
	pr, err := c.CreatePullRequest(ctx, owner, name, "feature", "main", "Add a feature")
	if err != nil {
		t.Fatal(err)
	}
	open, err := c.OpenPullRequests(ctx, owner, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Number != pr.Number || open[0].Head != "feature" || open[0].HeadSHA != featureCommit || open[0].Base != "main" {
		t.Errorf("open pull requests %+v, want #%d of feature at %s", open, pr.Number, featureCommit)
	}
	d = await(t, deliveries, gitea.EventPullRequest, func(delivery) bool { return true })
	if !gitea.VerifySignature(d.body, secret, d.signature) {
		t.Error("the pull request's signature does not verify")
	}
	ev, err := gitea.ParsePullRequest(d.body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Action != "opened" || ev.Number != pr.Number || ev.Head != "feature" || ev.HeadSHA != featureCommit || ev.Base != "main" {
		t.Errorf("pull request event %+v", ev)
	}

	// Git over HTTP serves the same heads.
	out, err := exec.CommandContext(ctx, "git", "ls-remote", "--heads", s.CloneURL(owner, name)).CombinedOutput()
	if err != nil {
		t.Fatalf("git ls-remote: %v: %s", err, out)
	}
	if !strings.Contains(string(out), featureCommit+"\trefs/heads/feature") || !strings.Contains(string(out), commit+"\trefs/heads/main") {
		t.Errorf("git ls-remote:\n%s", out)
	}
}

func isNotFound(err error) bool { return errors.Is(err, gitea.ErrNotFound) }
