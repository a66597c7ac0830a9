// Package names derives the names of pipeline runs from their triggers, so
// that one trigger makes one run: a webhook delivered twice, or a cron slot
// fired by two controller replicas, meets AlreadyExists.
package names

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// maxPipelinePart keeps a run's name within a label value's 63 characters
// when it can, and always within an object name's 253.
const maxPipelinePart = 200

// Run is the name of pipeline's run for a trigger: the pipeline's name, the
// trigger kind's letter and 10 hex digits of a hash of the kind and id.
func Run(pipeline string, kind devopsv1alpha3.TriggerKind, id string) string {
	sum := sha256.Sum256([]byte(string(kind) + "\x00" + id))
	p := pipeline
	if len(p) > maxPipelinePart {
		p = strings.TrimRight(p[:maxPipelinePart], "-.")
	}
	letter := "x"
	if kind != "" {
		letter = string(kind[0])
	}
	return p + "-" + letter + hex.EncodeToString(sum[:5])
}
