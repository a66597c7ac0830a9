//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	devgitea "github.com/superkube/super-kubenetes/internal/dev/gitea"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
)

// TestDevOpsDemo is docs/devops.md's "Try it": ke-dev's DevOps demo runs
// the sample repository's pipeline on a push made through Gitea's contents
// API, waits at the approval, deploys to the project hello once admin
// approves, and Gitea shows the commit's status.
func TestDevOpsDemo(t *testing.T) {
	if os.Getenv("GITEA_BIN_DIR") == "" {
		t.Fatal("GITEA_BIN_DIR is not set: run the e2e tests with `make test-e2e`")
	}
	d := newDevCluster(t)
	d.extra = []string{"--no-prometheus", "--no-logs", "--no-alerting"}
	t.Cleanup(func() {
		if d.cmd == nil || d.cmd.Process == nil {
			return
		}
		d.stop()
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	})
	d.up()
	if !strings.Contains(d.out.String(), "DevOps demo: pipeline demo-ci/hello") {
		t.Fatalf("no DevOps demo in the summary:\n%s", d.out)
	}
	ctx := context.Background()
	url := strings.TrimSpace(readFile(t, devgitea.URLFile(filepath.Join(d.dataDir, "gitea"))))
	password := strings.TrimSpace(readFile(t, devgitea.PasswordFile(filepath.Join(d.dataDir, "gitea"))))
	gc := gitea.New(url, gitea.Auth{Username: devgitea.AdminUser, Password: password}, nil)
	waitFor(t, "the pipeline hello is Ready", func() bool {
		out, err := d.kubectl("-n", "demo-ci", "get", "pipeline", "hello", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
		return err == nil && out == "True"
	})

	commit, err := gc.PutFile(ctx, devgitea.AdminUser, devgitea.SampleRepo, gitea.File{Path: "README.md",
		Content: []byte("# hello\n\nChanged by the e2e test.\n"), Branch: "main", Message: "Try the pipeline"})
	if err != nil || commit == "" {
		t.Fatalf("commit %q: %v", commit, err)
	}
	var run string
	waitLong(t, time.Minute, "a run for the push", func() bool {
		out, _ := d.kubectl("-n", "demo-ci", "get", "pipelineruns", "-o", "json")
		var list struct {
			Items []struct {
				Metadata struct{ Name string }
				Spec     struct{ Revision struct{ Commit string } }
			}
		}
		_ = json.Unmarshal([]byte(out), &list)
		for _, r := range list.Items {
			if r.Spec.Revision.Commit == commit {
				run = r.Metadata.Name
				return true
			}
		}
		return false
	})
	waitLong(t, 4*time.Minute, "the run waits at the approval", func() bool {
		out, _ := d.kubectl("-n", "demo-ci", "get", "pipelinerun", run, "-o", `jsonpath={range .status.stages[*]}{.name}={.phase} {end}`)
		return strings.Contains(out, "build=Succeeded approval=Waiting")
	})
	statuses := func() []gitea.Status {
		sts, err := gc.Statuses(ctx, devgitea.AdminUser, devgitea.SampleRepo, commit)
		if err != nil {
			t.Fatal(err)
		}
		return sts
	}
	if sts := statuses(); len(sts) == 0 || sts[0].State != gitea.StatePending || sts[0].Context != "superkube/hello" {
		t.Errorf("statuses while it waits: %+v", sts)
	}

	initial := d.initialAdminPassword(t)
	a := d.api(t)
	tok := a.login("admin", initial)
	a.must(http.StatusOK, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/admin/password", tok,
		map[string]string{"currentPassword": initial, "password": "E2e-DevOps-Passw0rd!"})
	tok = a.login("admin", "E2e-DevOps-Passw0rd!")
	a.must(http.StatusOK, http.MethodPost, "/kapis/devops.superkube.io/v1alpha3/namespaces/demo-ci/pipelineruns/"+run+"/approve", tok,
		map[string]string{"step": "approval/approve", "message": "ship it"})
	waitLong(t, 2*time.Minute, "the run succeeds", func() bool {
		out, _ := d.kubectl("-n", "demo-ci", "get", "pipelinerun", run, "-o", "jsonpath={.status.phase}")
		if out == "Failed" || out == "Cancelled" {
			t.Fatalf("the run is %s: %s", out, d.mustKubectl("-n", "demo-ci", "get", "pipelinerun", run, "-o", "yaml"))
		}
		return out == "Succeeded"
	})
	d.mustKubectl("-n", "hello", "get", "deployment", "hello")
	d.mustKubectl("-n", "hello", "get", "service", "hello")
	waitFor(t, "Gitea shows the commit's success", func() bool {
		sts := statuses()
		return len(sts) > 0 && sts[0].State == gitea.StateSuccess && sts[0].Context == "superkube/hello" &&
			strings.HasSuffix(sts[0].TargetURL, "/devops/demo-ci/runs/"+run)
	})
}
