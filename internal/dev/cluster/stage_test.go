package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// KWOK's own pod stage gets a container ID on each container status (the
// simulated containers' logs are named after it), and nothing else changes.
func TestThePodStageGivesContainersAnID(t *testing.T) {
	dir := os.Getenv("KWOK_BIN_DIR")
	if dir == "" {
		t.Fatal("KWOK_BIN_DIR is not set: run the tests with `make test`")
	}
	stage, err := os.ReadFile(filepath.Join(dir, "stages", podReadyStage))
	if err != nil {
		t.Fatal(err)
	}
	got, err := withContainerIDs(stage)
	if err != nil {
		t.Fatal(err)
	}
	const id = `        containerID: {{ printf "kwok://%s-%s" $.metadata.uid .name | Quote }}` + "\n"
	if n := strings.Count(string(got), id); n != 2 {
		t.Fatalf("%d container IDs, want one for containers and one for init containers:\n%s", n, got)
	}
	if strings.ReplaceAll(string(got), id, "") != string(stage) {
		t.Fatal("the stage changed beyond its container IDs")
	}
	if _, err := withContainerIDs([]byte("kind: Stage\n")); err == nil {
		t.Fatal("a stage without container statuses passed")
	}
}

// The crash-loop stage is a KWOK Stage that selects pods by the label and
// writes each restart count plus one.
func TestTheCrashLoopStage(t *testing.T) {
	var stage struct {
		Kind string `json:"kind"`
		Spec struct {
			Selector struct {
				MatchExpressions []struct {
					Key    string   `json:"key"`
					Values []string `json:"values"`
				} `json:"matchExpressions"`
			} `json:"selector"`
			Next struct {
				StatusTemplate string `json:"statusTemplate"`
			} `json:"next"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(strings.TrimPrefix(crashLoopStage, "---\n")), &stage); err != nil {
		t.Fatal(err)
	}
	if stage.Kind != "Stage" || len(stage.Spec.Selector.MatchExpressions) == 0 ||
		stage.Spec.Selector.MatchExpressions[0].Key != `.metadata.labels["`+CrashLoopLabel+`"]` {
		t.Fatalf("the stage does not select by %s: %+v", CrashLoopLabel, stage)
	}
	if !strings.Contains(stage.Spec.Next.StatusTemplate, "restartCount: {{ add (or .restartCount 0) 1 }}") ||
		!strings.Contains(stage.Spec.Next.StatusTemplate, "containerID: {{ or .containerID") {
		t.Fatalf("the stage does not count restarts and keep container IDs:\n%s", stage.Spec.Next.StatusTemplate)
	}
}
