package v2beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is a rule group of any of the three levels, so that the code
// that reads or writes them needs no table of per-kind accessors.
// +kubebuilder:object:generate=false
type Object interface {
	metav1.Object
	runtime.Object
	// GroupSpec and GroupStatus return the group's spec and status to read
	// or change in place.
	GroupSpec() *RuleGroupSpec
	GroupStatus() *RuleGroupStatus
}

// GroupSpec returns the group's spec.
func (g *RuleGroup) GroupSpec() *RuleGroupSpec { return &g.Spec }

// GroupStatus returns the group's status.
func (g *RuleGroup) GroupStatus() *RuleGroupStatus { return &g.Status }

// GroupSpec returns the group's spec.
func (g *ClusterRuleGroup) GroupSpec() *RuleGroupSpec { return &g.Spec }

// GroupStatus returns the group's status.
func (g *ClusterRuleGroup) GroupStatus() *RuleGroupStatus { return &g.Status }

// GroupSpec returns the group's spec.
func (g *GlobalRuleGroup) GroupSpec() *RuleGroupSpec { return &g.Spec }

// GroupStatus returns the group's status.
func (g *GlobalRuleGroup) GroupStatus() *RuleGroupStatus { return &g.Status }

var (
	_ Object = &RuleGroup{}
	_ Object = &ClusterRuleGroup{}
	_ Object = &GlobalRuleGroup{}
)
