// Package roletemplate turns role templates into the rules of the roles that
// aggregate them.
package roletemplate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// Lookup returns the role template of a name, or false when none exists.
type Lookup func(name string) (*iamv1beta1.RoleTemplate, bool)

// Aggregate returns the union of the rules of the named templates, in the
// order of the names, without duplicates, and the names that do not exist.
func Aggregate(names []string, lookup Lookup) (rules []rbacv1.PolicyRule, missing []string) {
	rules = []rbacv1.PolicyRule{}
	for _, name := range names {
		t, ok := lookup(name)
		if !ok {
			missing = append(missing, name)
			continue
		}
		for _, r := range t.Spec.Rules {
			if !slices.ContainsFunc(rules, func(have rbacv1.PolicyRule) bool { return equality.Semantic.DeepEqual(have, r) }) {
				rules = append(rules, *r.DeepCopy())
			}
		}
	}
	return rules, missing
}

// NamesFromAnnotation reads the template names of a native ClusterRole or
// Role from its aggregation annotation. It returns nil, nil when the
// annotation is absent.
func NamesFromAnnotation(annotations map[string]string) ([]string, error) {
	v, ok := annotations[iamv1beta1.AggregationAnnotation]
	if !ok {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal([]byte(v), &names); err != nil {
		return nil, fmt.Errorf("annotation %s must be a JSON array of role template names: %w", iamv1beta1.AggregationAnnotation, err)
	}
	return names, nil
}

// Annotation renders template names as the aggregation annotation's value.
func Annotation(names []string) string {
	sorted := slices.Clone(names)
	sort.Strings(sorted)
	data, _ := json.Marshal(sorted)
	return string(data)
}

// Hash fingerprints rules, so that a role's stored rules can be compared
// with the wanted ones from its metadata alone.
func Hash(rules []rbacv1.PolicyRule) string {
	data, _ := json.Marshal(rules)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}
