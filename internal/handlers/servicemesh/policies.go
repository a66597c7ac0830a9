package servicemesh

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/servicemesh/validation"
)

var policyList = listquery.Spec{SortBy: []string{"service"}, Filters: []string{"service", "ready"}}

var policyColumns = listquery.Columns[*meshv1.ServicePolicy]{
	"service": func(p *meshv1.ServicePolicy) string { return p.Spec.Service },
}

var policyFilters = listquery.Filters[*meshv1.ServicePolicy]{
	"service": func(p *meshv1.ServicePolicy, v string) bool { return p.Spec.Service == v },
	"ready":   func(p *meshv1.ServicePolicy, v string) bool { return policyReady(p) == v },
}

// policyReady is the status of the policy's Ready condition: True, False
// or Unknown (not yet seen by the controller).
func policyReady(p *meshv1.ServicePolicy) string {
	if c := meta.FindStatusCondition(p.Status.Conditions, meshv1.ConditionReady); c != nil {
		return string(c.Status)
	}
	return string(metav1.ConditionUnknown)
}

// policies are the ServicePolicy endpoints' differences from the strategies'.
var policies = &kind[*meshv1.ServicePolicy, *meshv1.ServicePolicyList]{
	name: "ServicePolicy", resource: "servicepolicies", list: policyList, columns: policyColumns, filters: policyFilters,
	newObj:       func() *meshv1.ServicePolicy { return &meshv1.ServicePolicy{} },
	newList:      func() *meshv1.ServicePolicyList { return &meshv1.ServicePolicyList{} },
	items:        func(l *meshv1.ServicePolicyList) []*meshv1.ServicePolicy { return pointers(l.Items) },
	validate:     func(p *meshv1.ServicePolicy) field.ErrorList { return validation.ServicePolicy(&p.Spec) },
	clearStatus:  func(p *meshv1.ServicePolicy) { p.Status = meshv1.ServicePolicyStatus{} },
	service:      func(p *meshv1.ServicePolicy) string { return p.Spec.Service },
	beforeCreate: onePerService,
}

// onePerService refuses a second policy for a service (409 naming the
// first). Two creates at the same moment can both pass this check; the
// controller then reports the conflict in the second one's status.
func onePerService(ctx context.Context, c client.Client, p *meshv1.ServicePolicy) error {
	var list meshv1.ServicePolicyList
	if err := c.List(ctx, &list, client.InNamespace(p.Namespace)); err != nil {
		return err
	}
	for i := range list.Items {
		if o := &list.Items[i]; o.Spec.Service == p.Spec.Service && o.Name != p.Name {
			return apistatus.New(http.StatusConflict, metav1.StatusReasonConflict,
				fmt.Sprintf("service %s already has a ServicePolicy, %s: a service has at most one; edit that one", p.Spec.Service, o.Name),
				apistatus.About(meshv1.GroupVersion.WithResource("servicepolicies").GroupResource(), p.Name),
				apistatus.Cause(metav1.CauseTypeFieldValueDuplicate, "spec.service", p.Spec.Service))
		}
	}
	return nil
}
