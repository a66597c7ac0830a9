package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
