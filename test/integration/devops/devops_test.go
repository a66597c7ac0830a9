package devops

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/devops/local"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const project = "acme-ci"

var (
	setupOnce sync.Once
	tokens    = map[string]string{}
)

// setup makes the users, the owner's DevOps project (through the API) and
// the members' bindings, once.
func setup(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() {
		for _, u := range []string{owner, maintainer, developer, reporter, outsider} {
			platform.NewUser(t, k8s, u, password)
			tokens[u] = api.Token(t, u)
		}
		// Nobody but those who may create projects in the workspace makes one.
		r := api.DoJSON(t, http.MethodPost, prefix+"/workspaces/"+workspace+"/devopsprojects", tokens[outsider],
			map[string]any{"metadata": map[string]any{"name": "sneaky"}})
		platform.ExpectStatus(t, r, http.StatusForbidden)
		r = api.DoJSON(t, http.MethodPost, prefix+"/workspaces/"+workspace+"/devopsprojects", tokens[owner],
			map[string]any{"metadata": map[string]any{"name": project}, "spec": map[string]any{"description": "CI of acme"}})
		expectCode(t, r, http.StatusCreated)
		platform.Eventually(t, "the owner holds the owner role in the project's namespace", time.Minute, func() error {
			ns := &corev1.Namespace{}
			if err := k8s.Get(context.Background(), types.NamespacedName{Name: project}, ns); err != nil {
				return err
			}
			if ns.Labels[devopsv1alpha3.ProjectLabel] != project || ns.Labels["superkube.io/workspace"] != workspace {
				return fmt.Errorf("labels %v", ns.Labels)
			}
			rb := &rbacv1.RoleBinding{}
			return k8s.Get(context.Background(), types.NamespacedName{Namespace: project, Name: owner + "-owner"}, rb)
		})
		for user, role := range map[string]string{maintainer: "maintainer", developer: "developer", reporter: "reporter"} {
			rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: user + "-" + role,
				Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
				Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}
			if err := k8s.Create(context.Background(), rb); err != nil {
				t.Fatalf("binding %s: %v", user, err)
			}
		}
		platform.Eventually(t, "the developer may list pipelines", time.Minute, func() error {
			r := api.Do(t, http.MethodGet, prefix+"/namespaces/"+project+"/pipelines", tokens[developer], nil)
			if r.Code != http.StatusOK {
				return fmt.Errorf("%d %s", r.Code, r.Body)
			}
			return nil
		})
	})
	if len(tokens) == 0 {
		t.Fatal("the setup failed")
	}
}

func sh(name, script string) map[string]any {
	return map[string]any{"name": name, "shell": map[string]any{"script": script}}
}

// createPipeline creates a pipeline as the owner.
func createPipeline(t *testing.T, name string, spec map[string]any) {
	t.Helper()
	r := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+project+"/pipelines", tokens[owner],
		map[string]any{"metadata": map[string]any{"name": name}, "spec": spec})
	expectCode(t, r, http.StatusCreated)
}

func getRun(t *testing.T, name string) *devopsv1alpha3.PipelineRun {
	t.Helper()
	run := &devopsv1alpha3.PipelineRun{}
	if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: project, Name: name}, run); err != nil {
		t.Fatal(err)
	}
	return run
}

// waitPhase waits until the run is in the phase.
func waitPhase(t *testing.T, name string, phase devopsv1alpha3.RunPhase, timeout time.Duration) *devopsv1alpha3.PipelineRun {
	t.Helper()
	var run *devopsv1alpha3.PipelineRun
	platform.Eventually(t, "run "+name+" is "+string(phase), timeout, func() error {
		run = getRun(t, name)
		if run.Status.Phase != phase {
			return fmt.Errorf("phase %q: %s", run.Status.Phase, run.Status.Message)
		}
		return nil
	})
	return run
}

// startRun starts a run through the API and returns its name.
func startRun(t *testing.T, user, pipeline string, body map[string]any) string {
	t.Helper()
	r := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+project+"/pipelines/"+pipeline+"/run", tokens[user], body)
	expectCode(t, r, http.StatusCreated)
	return r.JSON["metadata"].(map[string]any)["name"].(string)
}

func logOf(t *testing.T, user, run, stage, step string) string {
	t.Helper()
	r := api.Do(t, http.MethodGet, prefix+"/namespaces/"+project+"/pipelineruns/"+run+"/log?stage="+stage+"&step="+step, tokens[user], nil)
	expectCode(t, r, http.StatusOK)
	return string(r.Body)
}

func TestARunWithParametersAndACredentialRunsWithItsValuesMasked(t *testing.T) {
	setup(t)
	const secret = "s3cr3t-token-7f2a"
	r := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+project+"/credentials", tokens[owner], map[string]any{
		"metadata": map[string]any{"name": "api-token"}, "type": devopsv1alpha3.CredentialSecretText, "data": map[string]any{"secret": secret}})
	expectCode(t, r, http.StatusCreated)
	for _, user := range []string{owner, developer} {
		r = api.Do(t, http.MethodGet, prefix+"/namespaces/"+project+"/credentials/api-token", tokens[user], nil)
		expectCode(t, r, http.StatusOK)
		if strings.Contains(string(r.Body), secret) || !strings.Contains(string(r.Body), `"keys":["secret"]`) {
			t.Errorf("credential as %s: %s", user, r.Body)
		}
	}
	// A reporter does not even see the credentials' names.
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+project+"/credentials", tokens[reporter], nil), http.StatusForbidden)

	createPipeline(t, "params", map[string]any{
		"parameters": []any{map[string]any{"name": "TARGET", "default": "staging", "choices": []any{"staging", "production"}}},
		"definition": map[string]any{"stages": []any{map[string]any{"name": "build",
			"environment": []any{map[string]any{"name": "TOKEN", "credential": map[string]any{"name": "api-token", "key": "secret"}}},
			"steps":       []any{sh("say", `echo "deploying to $TARGET with $TOKEN"; echo "$TOKEN" | base64`)}}}},
	})
	// A value outside the choices is refused, naming the field.
	r = api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+project+"/pipelines/params/run", tokens[developer],
		map[string]any{"parameters": []any{map[string]any{"name": "TARGET", "value": "moon"}}})
	platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.Body), "parameters[0].value") {
		t.Errorf("the error names no field: %s", r.Body)
	}
	name := startRun(t, developer, "params", map[string]any{"parameters": []any{map[string]any{"name": "TARGET", "value": "production"}}})
	run := waitPhase(t, name, devopsv1alpha3.PhaseSucceeded, time.Minute)
	if run.Spec.Trigger.User != developer || run.Status.StartTime == nil || run.Status.CompletionTime == nil {
		t.Errorf("run %+v %+v", run.Spec.Trigger, run.Status)
	}
	log := logOf(t, reporter, name, "build", "say")
	if !strings.Contains(log, "deploying to production with ****") || strings.Contains(log, secret) || strings.Contains(log, "czNjcjN0") {
		t.Errorf("log %q", log)
	}
	// The file on disk is masked too.
	b, err := os.ReadFile(filepath.Join(workDir, project, name, "logs", "build", "say.log"))
	if err != nil || strings.Contains(string(b), secret) {
		t.Errorf("the stored log (%v) holds the secret: %q", err, b)
	}
}

func sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestAWebhookDeliveryMakesExactlyOneRun(t *testing.T) {
	setup(t)
	if err := k8s.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "hook"},
		Data: map[string][]byte{"secret": []byte("hook-secret")}}); err != nil {
		t.Fatal(err)
	}
	createPipeline(t, "hooked", map[string]any{
		"triggers":   map[string]any{"webhook": map[string]any{"secretRef": "hook"}},
		"definition": map[string]any{"stages": []any{map[string]any{"name": "s", "steps": []any{sh("branch", `echo "branch $BRANCH_NAME"`)}}}},
	})
	body := []byte(`{"ref":"refs/heads/feature-x","after":"0123456789abcdef0123456789abcdef01234567"}`)
	deliver := func(signature string) *platform.Response {
		return api.Do(t, http.MethodPost, "/webhooks/devops/gitea?namespace="+project+"&pipeline=hooked", "", strings.NewReader(string(body)),
			"X-Gitea-Delivery", "d-1", "X-Gitea-Event", "push", "X-Gitea-Signature", signature, "Content-Type", "application/json")
	}
	platform.ExpectStatus(t, deliver(sign(body, "wrong")), http.StatusUnauthorized)
	expectCode(t, deliver(sign(body, "hook-secret")), http.StatusCreated)
	expectCode(t, deliver(sign(body, "hook-secret")), http.StatusOK)
	var runs devopsv1alpha3.PipelineRunList
	if err := k8s.List(context.Background(), &runs, client.InNamespace(project), client.MatchingLabels{devopsv1alpha3.PipelineLabel: "hooked"}); err != nil {
		t.Fatal(err)
	}
	if len(runs.Items) != 1 {
		t.Fatalf("%d runs for one delivery", len(runs.Items))
	}
	run := runs.Items[0]
	if run.Spec.Trigger.Kind != devopsv1alpha3.TriggerWebhook || run.Spec.Trigger.User != owner || run.Spec.Revision.Branch != "feature-x" {
		t.Errorf("run %+v", run.Spec)
	}
	// The commit does not exist anywhere (no source), but the run starts
	// and ends: it is never left pending.
	waitPhase(t, run.Name, devopsv1alpha3.PhaseSucceeded, time.Minute)
	if log := logOf(t, owner, run.Name, "s", "branch"); !strings.Contains(log, "branch feature-x") {
		t.Errorf("log %q", log)
	}
}

// as is a client straight at kube-apiserver as a user (what kubectl with
// the user's kubeconfig does).
func as(t *testing.T, user string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(restCfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOnlyAnApproverAnswersAnInputStepOnEveryPath(t *testing.T) {
	setup(t)
	createPipeline(t, "gated", map[string]any{"definition": map[string]any{"stages": []any{
		map[string]any{"name": "gate", "steps": []any{map[string]any{"name": "ok", "input": map[string]any{"message": "Ship it?"}}}},
		map[string]any{"name": "ship", "steps": []any{sh("", "echo shipped")}},
	}}})
	name := startRun(t, developer, "gated", nil)
	waitPhase(t, name, devopsv1alpha3.PhaseRunning, time.Minute)
	platform.Eventually(t, "the input step waits", time.Minute, func() error {
		for _, s := range getRun(t, name).Status.Stages {
			if s.Name == "gate" && len(s.Steps) == 1 && s.Steps[0].Phase == devopsv1alpha3.PhaseWaiting {
				return nil
			}
		}
		return fmt.Errorf("not waiting")
	})
	approve := func(user string) *platform.Response {
		return api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+project+"/pipelineruns/"+name+"/approve", tokens[user],
			map[string]any{"step": "gate/ok", "message": "lgtm"})
	}
	platform.ExpectStatus(t, approve(reporter), http.StatusForbidden)
	platform.ExpectStatus(t, approve(developer), http.StatusForbidden)
	// Straight at kube-apiserver: a developer may update runs, but the
	// admission policy refuses the approval.
	run := getRun(t, name)
	before := run.DeepCopy()
	run.Spec.Approvals = append(run.Spec.Approvals, devopsv1alpha3.Approval{Step: "gate/ok", Approved: true, User: developer})
	err := as(t, developer).Patch(context.Background(), run, client.MergeFrom(before))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "may not answer the input steps") {
		t.Fatalf("a developer's approval with kubectl: %v", err)
	}
	// Nor may anyone approve under another's name.
	run = getRun(t, name)
	before = run.DeepCopy()
	run.Spec.Approvals = append(run.Spec.Approvals, devopsv1alpha3.Approval{Step: "gate/ok", Approved: true, User: owner})
	if err := as(t, maintainer).Patch(context.Background(), run, client.MergeFrom(before)); !apierrors.IsForbidden(err) {
		t.Fatalf("an approval under another's name: %v", err)
	}
	expectCode(t, approve(maintainer), http.StatusOK)
	run = waitPhase(t, name, devopsv1alpha3.PhaseSucceeded, time.Minute)
	if len(run.Spec.Approvals) != 1 || run.Spec.Approvals[0].User != maintainer {
		t.Errorf("approvals %+v", run.Spec.Approvals)
	}
}

func TestNobodyMakesARunActAsSomeoneElse(t *testing.T) {
	setup(t)
	createPipeline(t, "identity", map[string]any{"definition": map[string]any{"stages": []any{
		map[string]any{"name": "s", "steps": []any{sh("", "true")}}}}})
	run := &devopsv1alpha3.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "identity-forged"},
		Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: "identity", Trigger: devopsv1alpha3.Trigger{Kind: devopsv1alpha3.TriggerManual, ID: "x", User: owner}}}
	if err := as(t, developer).Create(context.Background(), run); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "may not make runs act as olga") {
		t.Fatalf("a run acting as another user: %v", err)
	}
	run.Spec.Trigger.User = developer
	if err := as(t, developer).Create(context.Background(), run); err != nil {
		t.Fatalf("a run acting as its creator: %v", err)
	}
	// A reporter creates no run at all.
	run2 := &devopsv1alpha3.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "identity-reporter"},
		Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: "identity", Trigger: devopsv1alpha3.Trigger{Kind: devopsv1alpha3.TriggerManual, ID: "y"}}}
	if err := as(t, reporter).Create(context.Background(), run2); !apierrors.IsForbidden(err) {
		t.Fatalf("a reporter's run: %v", err)
	}
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestCancelKillsTheStepAndQueuedRunsWaitTheirTurn(t *testing.T) {
	setup(t)
	createPipeline(t, "long", map[string]any{"maxConcurrentRuns": 1, "definition": map[string]any{"stages": []any{
		map[string]any{"name": "s", "steps": []any{sh("sleep", `echo $$ > "$WORKSPACE/pid"; sleep 300`)}}}}})
	first := startRun(t, developer, "long", nil)
	second := startRun(t, developer, "long", nil)
	waitPhase(t, first, devopsv1alpha3.PhaseRunning, time.Minute)
	if q := waitPhase(t, second, devopsv1alpha3.PhaseQueued, time.Minute); !strings.Contains(q.Status.Message, "1 of the pipeline's 1") {
		t.Errorf("queued run's message %q", q.Status.Message)
	}
	pidFile := filepath.Join(workDir, project, first, "workspace", "pid")
	var pid int
	platform.Eventually(t, "the step runs", time.Minute, func() error {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			return err
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err
	})
	if !alive(pid) {
		t.Fatal("the step's process is not running")
	}
	// A reporter may not cancel; a developer may.
	platform.ExpectStatus(t, api.Do(t, http.MethodPost, prefix+"/namespaces/"+project+"/pipelineruns/"+first+"/cancel", tokens[reporter], nil), http.StatusForbidden)
	expectCode(t, api.Do(t, http.MethodPost, prefix+"/namespaces/"+project+"/pipelineruns/"+first+"/cancel", tokens[developer], nil), http.StatusOK)
	waitPhase(t, first, devopsv1alpha3.PhaseCancelled, time.Minute)
	platform.Eventually(t, "the step's process is gone after the cancel", 5*time.Second, func() error {
		if alive(pid) {
			return fmt.Errorf("process %d is still there", pid)
		}
		return nil
	})
	// The queued run starts once the first has ended.
	waitPhase(t, second, devopsv1alpha3.PhaseRunning, time.Minute)
	expectCode(t, api.Do(t, http.MethodPost, prefix+"/namespaces/"+project+"/pipelineruns/"+second+"/cancel", tokens[developer], nil), http.StatusOK)
	waitPhase(t, second, devopsv1alpha3.PhaseCancelled, time.Minute)
}

func TestACronScheduleMakesOneRunPerSlot(t *testing.T) {
	setup(t)
	createPipeline(t, "nightly", map[string]any{"triggers": map[string]any{"cron": "* * * * *"},
		"definition": map[string]any{"stages": []any{map[string]any{"name": "s", "steps": []any{sh("", "echo tick")}}}}})
	var runs devopsv1alpha3.PipelineRunList
	platform.Eventually(t, "the first slot makes a run", 90*time.Second, func() error {
		if err := k8s.List(context.Background(), &runs, client.InNamespace(project), client.MatchingLabels{devopsv1alpha3.PipelineLabel: "nightly"}); err != nil {
			return err
		}
		if len(runs.Items) == 0 {
			return fmt.Errorf("no run yet")
		}
		return nil
	})
	run := runs.Items[0]
	if run.Spec.Trigger.Kind != devopsv1alpha3.TriggerCron || run.Spec.Trigger.User != owner {
		t.Errorf("run %+v", run.Spec.Trigger)
	}
	slot, err := time.Parse(time.RFC3339, run.Spec.Trigger.ID)
	if err != nil || slot.Second() != 0 {
		t.Errorf("slot %q: %v", run.Spec.Trigger.ID, err)
	}
	waitPhase(t, run.Name, devopsv1alpha3.PhaseSucceeded, time.Minute)
	if len(runs.Items) != 1 {
		t.Errorf("%d runs for one slot", len(runs.Items))
	}
}

func TestABadDefinitionIsRefusedWithItsLineAndField(t *testing.T) {
	setup(t)
	r := api.Do(t, http.MethodPost, prefix+"/definitions/parse", tokens[developer],
		strings.NewReader("stages:\n  - name: a\n    steps:\n      - shell: {script: ls}\n        retry: often\n"), "Content-Type", "application/yaml")
	platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.Body), "line 5") || !strings.Contains(string(r.Body), "spec.definition.stages[0].steps[0].retry") {
		t.Errorf("answer %s", r.Body)
	}
	// A pipeline whose run names a missing credential fails at once, saying so.
	createPipeline(t, "missing-cred", map[string]any{"definition": map[string]any{"stages": []any{map[string]any{"name": "s",
		"environment": []any{map[string]any{"name": "X", "credential": map[string]any{"name": "nope", "key": "secret"}}},
		"steps":       []any{sh("", "true")}}}}})
	name := startRun(t, developer, "missing-cred", nil)
	if run := waitPhase(t, name, devopsv1alpha3.PhaseFailed, time.Minute); !strings.Contains(run.Status.Message, `credential "nope" does not exist`) {
		t.Errorf("message %q", run.Status.Message)
	}
}

var _ = local.RunDir

// expectCode checks an answer's code (ExpectStatus is for errors).
func expectCode(t *testing.T, r *platform.Response, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("answer %d, want %d: %s", r.Code, code, r.Body)
	}
}

func TestAJenkinsfileIsImportedOrRefusedWithItsLine(t *testing.T) {
	setup(t)
	ok := "pipeline {\n  agent any\n  stages {\n    stage('Test') {\n      steps {\n        sh 'go test ./...'\n      }\n    }\n  }\n}\n"
	r := api.Do(t, http.MethodPost, prefix+"/jenkinsfile", tokens[developer], strings.NewReader(ok), "Content-Type", "text/plain")
	expectCode(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"script":"go test ./..."`) {
		t.Errorf("import %s", r.Body)
	}
	bad := "pipeline {\n  agent any\n  stages {\n    stage('x') {\n      steps {\n        script { echo 'hi' }\n      }\n    }\n  }\n}\n"
	r = api.Do(t, http.MethodPost, prefix+"/jenkinsfile", tokens[developer], strings.NewReader(bad), "Content-Type", "text/plain")
	platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.Body), "line 6") || !strings.Contains(string(r.Body), "script") {
		t.Errorf("refusal %s", r.Body)
	}
}

func TestADevOpsProjectIsNotListedAmongTheWorkspacesProjects(t *testing.T) {
	setup(t)
	r := api.Do(t, http.MethodGet, "/kapis/tenant.superkube.io/v1beta1/workspaces/"+workspace+"/namespaces", tokens[owner], nil)
	expectCode(t, r, http.StatusOK)
	if strings.Contains(string(r.Body), `"name":"`+project+`"`) {
		t.Errorf("the DevOps project's namespace is listed as a project: %s", r.Body)
	}
	r = api.Do(t, http.MethodGet, prefix+"/workspaces/"+workspace+"/devopsprojects", tokens[reporter], nil)
	expectCode(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"name":"`+project+`"`) || !strings.Contains(string(r.Body), `"totalItems":1`) {
		t.Errorf("a member's list of DevOps projects: %s", r.Body)
	}
	r = api.Do(t, http.MethodGet, prefix+"/workspaces/"+workspace+"/devopsprojects", tokens[outsider], nil)
	expectCode(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"totalItems":0`) {
		t.Errorf("an outsider's list of DevOps projects: %s", r.Body)
	}
}

func TestAKeptFileIsDownloadedWithItsChecksum(t *testing.T) {
	setup(t)
	createPipeline(t, "keeper", map[string]any{"definition": map[string]any{"stages": []any{map[string]any{"name": "s", "steps": []any{
		sh("make", `mkdir -p out && printf 'report of the build\n' > out/report.txt`),
		map[string]any{"name": "keep", "artifacts": map[string]any{"paths": []any{"out/*.txt"}}},
	}}}}})
	name := startRun(t, developer, "keeper", nil)
	run := waitPhase(t, name, devopsv1alpha3.PhaseSucceeded, time.Minute)
	if len(run.Status.Artifacts) != 1 || run.Status.Artifacts[0].Path != "out/report.txt" || run.Status.Artifacts[0].Size != 20 {
		t.Fatalf("artifacts %+v", run.Status.Artifacts)
	}
	r := api.Do(t, http.MethodGet, prefix+"/namespaces/"+project+"/pipelineruns/"+name+"/artifact?path=out/report.txt", tokens[reporter], nil)
	expectCode(t, r, http.StatusOK)
	sum := sha256.Sum256(r.Body)
	if string(r.Body) != "report of the build\n" || hex.EncodeToString(sum[:]) != run.Status.Artifacts[0].SHA256 {
		t.Errorf("download %q", r.Body)
	}
	for _, p := range []string{"../../../etc/passwd", "out/other.txt", ""} {
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+project+"/pipelineruns/"+name+"/artifact?path="+p, tokens[reporter], nil), http.StatusNotFound)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+project+"/pipelineruns/"+name+"/artifact?path=out/report.txt", tokens[outsider], nil), http.StatusForbidden)
}
