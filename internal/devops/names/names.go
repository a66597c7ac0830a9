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

// maxBranchPipeline keeps a branch pipeline's name a label value (its
// runs carry it in a label).
const maxBranchPipeline = 63

// BranchLabel is the label value of a branch (or "pr-<n>"): characters a
// label value may not hold become "-"; a long one is cut and keeps a hash.
func BranchLabel(ref string) string {
	return fit(sanitize(ref, true), ref, maxBranchPipeline)
}

// BranchPipeline is the name of the child pipeline of parent for a branch
// (or "pr-<n>"): "<parent>-<branch>", lower case, what a name may not
// hold as "-", cut with a hash to 63 characters when longer.
func BranchPipeline(parent, ref string) string {
	return fit(parent+"-"+sanitize(ref, false), parent+"\x00"+ref, maxBranchPipeline)
}

func sanitize(s string, label bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			if label {
				b.WriteRune(r)
			} else {
				b.WriteRune(r - 'A' + 'a')
			}
		case label && (r == '.' || r == '_'):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := b.String()
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	return strings.Trim(out, "-._")
}

// fit cuts s to max characters with a hash of whole when it is longer
// (or empty).
func fit(s, whole string, maxLen int) string {
	if s != "" && len(s) <= maxLen {
		return s
	}
	sum := sha256.Sum256([]byte(whole))
	h := hex.EncodeToString(sum[:4])
	cut := maxLen - len(h) - 1
	if len(s) > cut {
		s = s[:cut]
	}
	s = strings.TrimRight(s, "-._")
	if s == "" {
		return h
	}
	return s + "-" + h
}
