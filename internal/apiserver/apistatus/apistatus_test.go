package apistatus_test

import (
	"errors"
	"net/http"
	"reflect"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

func status(t *testing.T, err error) metav1.Status {
	t.Helper()
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		t.Fatalf("%v is not an API status", err)
	}
	return se.Status()
}

func TestStatuses(t *testing.T) {
	users := schema.GroupResource{Group: "iam.superkube.io", Resource: "users"}
	tests := []struct {
		name string
		err  error
		want metav1.Status
	}{
		{"New names the code, reason and message", apistatus.New(http.StatusConflict, metav1.StatusReasonConflict, "taken"),
			metav1.Status{Code: 409, Reason: metav1.StatusReasonConflict, Message: "taken"}},
		{"options add the object, the causes and a retry hint",
			apistatus.New(http.StatusConflict, metav1.StatusReasonConflict, "last admin", apistatus.About(users, "alice"),
				apistatus.Cause("LastAdmin", "role", "the level needs an admin"), apistatus.RetryAfter(3)),
			metav1.Status{Code: 409, Reason: metav1.StatusReasonConflict, Message: "last admin", Details: &metav1.StatusDetails{
				Group: "iam.superkube.io", Kind: "users", Name: "alice", RetryAfterSeconds: 3,
				Causes: []metav1.StatusCause{{Type: "LastAdmin", Field: "role", Message: "the level needs an admin"}}}}},
		{"BadRequest names the parameter in the message and the cause", apistatus.BadRequest("limit", "must be a whole number"),
			metav1.Status{Code: 400, Reason: metav1.StatusReasonBadRequest, Message: "limit: must be a whole number", Details: &metav1.StatusDetails{
				Causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueInvalid, Field: "limit", Message: "must be a whole number"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := status(t, tt.err)
			tt.want.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
			tt.want.Status = metav1.StatusFailure
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	t.Run("Invalid is a 422 with a cause per field", func(t *testing.T) {
		st := status(t, apistatus.Invalid("User", "alice", field.ErrorList{field.Required(field.NewPath("spec", "email"), "")}))
		if st.Code != 422 || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != "spec.email" {
			t.Fatalf("%+v", st)
		}
	})
	t.Run("Deleted is a success naming the object", func(t *testing.T) {
		st := apistatus.Deleted(users, "alice")
		if st.Kind != "Status" || st.Status != metav1.StatusSuccess || st.Code != 200 || st.Details.Kind != "users" || st.Details.Name != "alice" {
			t.Fatalf("%+v", st)
		}
	})
}
