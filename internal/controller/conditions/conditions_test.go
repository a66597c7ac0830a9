package conditions

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

const secret = "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"

func TestAFailedReconcileIsNeverReadyAndKeepsTheObservedGeneration(t *testing.T) {
	tests := []struct {
		name           string
		ready          bool
		reason         string
		err            error
		wantReady      bool
		wantReason     string
		wantObservedAt int64
	}{
		{"a ready object without error is ready at its generation", true, "Reconciled", nil, true, "Reconciled", 2},
		{"an error turns a ready outcome into ReconcileFailed", true, "Reconciled", errors.New("boom"), false, ReasonReconcileFailed, 1},
		{"an error keeps the specific reason the reconciler set", false, "MirrorFailed", errors.New("boom"), false, "MirrorFailed", 1},
		{"a not-ready object without error keeps its generation", false, "UserNotFound", nil, false, "UserNotFound", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conds []metav1.Condition
			observed := int64(1)
			Finish(&conds, &observed, 2, tt.ready, tt.reason, "", tt.err)
			if IsReady(conds) != tt.wantReady || conds[0].Reason != tt.wantReason || observed != tt.wantObservedAt {
				t.Fatalf("ready=%v reason=%s observedGeneration=%d", IsReady(conds), conds[0].Reason, observed)
			}
			if tt.err != nil && tt.ready && conds[0].Message != "boom" {
				t.Fatalf("message %q", conds[0].Message)
			}
		})
	}
}

func TestMessagesLeaveOutWhatTheAPIRepeatsOfTheObject(t *testing.T) {
	gk := schema.GroupKind{Group: "iam.superkube.io", Kind: "User"}
	invalid := apierrors.NewInvalid(gk, "alice", field.ErrorList{field.Invalid(field.NewPath("spec", "password"), secret, "must be a hash")})
	tests := []struct {
		name string
		err  error
		want []string // substrings of the message
	}{
		{"an invalid object names its fields, not their values", fmt.Errorf("storing the password hash of user alice: %w", invalid),
			[]string{"storing the password hash of user alice: ", "Invalid", "spec.password"}},
		{"an internal error says only its reason", apierrors.NewInternalError(errors.New("etcd said " + secret)), []string{"InternalError", "500"}},
		{"an aggregate is cleaned error by error", kerrors.NewAggregate([]error{errors.New("role a: fine"), apierrors.NewBadRequest("bad " + secret)}),
			[]string{"role a: fine", "BadRequest"}},
		{"a forbidden answer is kept: it says who may not do what", apierrors.NewForbidden(schema.GroupResource{Resource: "users"}, "alice", errors.New("no")),
			[]string{`users "alice" is forbidden: no`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Message(tt.err)
			if strings.Contains(got, secret) {
				t.Fatalf("the message repeats the secret: %s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Fatalf("%q does not say %q", got, w)
				}
			}
		})
	}
}

func TestTheAPIPackagesPublishTheSameReason(t *testing.T) {
	if iamv1beta1.ReasonReconcileFailed != ReasonReconcileFailed || tenantv1beta1.ReasonReconcileFailed != ReasonReconcileFailed {
		t.Fatal("the reason constants differ")
	}
}
