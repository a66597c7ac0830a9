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

// The crash-loop stage is a KWOK Stage of pods with the annotation, that
// adds one to each container's restartCount.
func TestTheCrashLoopStage(t *testing.T) {
	var stage struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			ResourceRef map[string]string `json:"resourceRef"`
			Selector    struct {
				MatchExpressions []struct {
					Key      string   `json:"key"`
					Operator string   `json:"operator"`
					Values   []string `json:"values"`
				} `json:"matchExpressions"`
			} `json:"selector"`
			Delay struct {
				DurationMilliseconds int64 `json:"durationMilliseconds"`
			} `json:"delay"`
			Next struct {
				StatusTemplate string `json:"statusTemplate"`
			} `json:"next"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict([]byte(crashLoopStage()), &stage); err != nil {
		t.Fatalf("%v\n%s", err, crashLoopStage())
	}
	if stage.Kind != "Stage" || stage.Spec.Delay.DurationMilliseconds != CrashLoopInterval.Milliseconds() ||
		!strings.Contains(stage.Spec.Selector.MatchExpressions[0].Key, CrashLoopAnnotation) ||
		!strings.Contains(stage.Spec.Next.StatusTemplate, "restartCount: {{ add1 (or .restartCount 0) }}") {
		t.Fatalf("stage %+v", stage)
	}
}
