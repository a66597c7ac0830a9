package gitea

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
)

const (
	// SampleRepo is the sample repository ke-dev seeds, owned by AdminUser.
	SampleRepo = "hello"
	// SampleProject is the project the sample pipeline deploys to.
	SampleProject = "hello"
	// PipelineFile is where a repository keeps its pipeline definition.
	PipelineFile = ".superkube/pipeline.yaml"
)

// SampleFiles are the sample repository's files: a Go program with a test
// and no dependencies, its Kubernetes manifests, and its pipeline.
func SampleFiles() map[string][]byte {
	return map[string][]byte{
		"README.md":              []byte(sampleReadme),
		"go.mod":                 []byte(sampleGoMod),
		"main.go":                []byte(sampleMain),
		"main_test.go":           []byte(sampleMainTest),
		"deploy/deployment.yaml": []byte(sampleDeployment),
		PipelineFile:             []byte(samplePipelineYAML),
	}
}

// SamplePipeline is the sample's pipeline: check out, test, build the
// image, wait for an approval, deploy.
func SamplePipeline() devopsv1alpha3.Definition {
	return devopsv1alpha3.Definition{
		Timeout: &metav1.Duration{Duration: 30 * time.Minute},
		Stages: []devopsv1alpha3.Stage{
			{Name: "checkout", Steps: []devopsv1alpha3.Step{{Name: "clone", Checkout: &devopsv1alpha3.CheckoutStep{}}}},
			{Name: "test", Steps: []devopsv1alpha3.Step{{Name: "go-test", Shell: &devopsv1alpha3.ShellStep{Script: "go test ./...\n"}}}},
			{Name: "build", Steps: []devopsv1alpha3.Step{{Name: "image", BuildImage: &devopsv1alpha3.BuildImageStep{
				Context: ".", Image: "hello:${COMMIT}",
			}}}},
			{Name: "approval", Steps: []devopsv1alpha3.Step{{Name: "approve", Input: &devopsv1alpha3.InputStep{
				Message: "Deploy hello to the project " + SampleProject + "?",
			}}}},
			{Name: "deploy", When: &devopsv1alpha3.When{Branch: "main"}, Steps: []devopsv1alpha3.Step{{Name: "apply", Deploy: &devopsv1alpha3.DeployStep{
				Project: SampleProject, Manifests: []string{"deploy/"},
			}}}},
		},
	}
}

// samplePipelineYAML is SamplePipeline as a person would write it (a test
// checks that they agree).
const samplePipelineYAML = `# The pipeline of this repository: a devops.superkube.io/v1alpha3 Definition.
# ${COMMIT} is the commit the run builds.
timeout: 30m
stages:
  - name: checkout
    steps:
      - name: clone
        checkout: {}
  - name: test
    steps:
      - name: go-test
        shell:
          script: |
            go test ./...
  - name: build
    steps:
      - name: image
        buildImage:
          context: .
          image: hello:${COMMIT}
  - name: approval
    steps:
      - name: approve
        input:
          message: Deploy hello to the project hello?
  - name: deploy
    when:
      branch: main
    steps:
      - name: apply
        deploy:
          project: hello
          manifests:
            - deploy/
`

// Seed makes the sample repository (AdminUser's SampleRepo) and writes
// each of its files that is missing, one commit each; files that exist
// are left as they are, so seeding again changes nothing.
func Seed(ctx context.Context, c *gitea.Client) (gitea.Repo, error) {
	files := SampleFiles()
	repo, _, err := c.EnsureRepo(ctx, gitea.RepoSpec{Name: SampleRepo,
		Description: "A sample Go program with its Super Kubenetes pipeline (seeded by ke-dev)"})
	if err != nil {
		return gitea.Repo{}, err
	}
	for _, path := range sampleOrder {
		_, err := c.GetFile(ctx, repo.Owner, repo.Name, "", path)
		if err == nil {
			continue
		}
		if !errors.Is(err, gitea.ErrNotFound) {
			return repo, err
		}
		if _, err := c.PutFile(ctx, repo.Owner, repo.Name, gitea.File{Path: path, Content: files[path], Message: "Add " + path}); err != nil {
			return repo, fmt.Errorf("seeding %s/%s: %w", repo.Owner, repo.Name, err)
		}
	}
	return repo, nil
}

// sampleOrder is the order of the commits (the README first, the pipeline
// last).
var sampleOrder = []string{"README.md", "go.mod", "main.go", "main_test.go", "deploy/deployment.yaml", PipelineFile}

const sampleReadme = `# hello

A tiny Go program that answers HTTP requests, seeded by ke-dev as the
sample of Super Kubenetes' DevOps module.

- ` + "`main.go`" + `: the server (port 8080, or $PORT); ` + "`main_test.go`" + `: its test.
- ` + "`deploy/deployment.yaml`" + `: a Deployment and a Service.
- ` + "`.superkube/pipeline.yaml`" + `: the pipeline: checkout, test, build the image,
  approval, deploy.
`

const sampleGoMod = `module hello

go 1.26
`

const sampleMain = `// Command hello answers every HTTP request with a greeting.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

// greeting greets name, or the world.
func greeting(name string) string {
	if name == "" {
		name = "world"
	}
	return "Hello, " + name + "!\n"
}

func handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, greeting(r.URL.Query().Get("name")))
}

func main() {
	addr := ":8080"
	if p := os.Getenv("PORT"); p != "" {
		addr = ":" + p
	}
	http.HandleFunc("/", handler)
	log.Printf("hello listens on %s", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}
`

const sampleMainTest = `package main

import (
	"io"
	"net/http/httptest"
	"testing"
)

func TestGreeting(t *testing.T) {
	for name, want := range map[string]string{"": "Hello, world!\n", "Ada": "Hello, Ada!\n"} {
		if got := greeting(name); got != want {
			t.Errorf("greeting(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest("GET", "/?name=Ada", nil))
	body, _ := io.ReadAll(rec.Body)
	if string(body) != "Hello, Ada!\n" {
		t.Errorf("body %q", body)
	}
}
`

const sampleDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels:
    app: hello
spec:
  replicas: 1
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
        - name: hello
          image: hello:latest
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /
              port: http
---
apiVersion: v1
kind: Service
metadata:
  name: hello
  labels:
    app: hello
spec:
  selector:
    app: hello
  ports:
    - name: http
      port: 80
      targetPort: http
`
