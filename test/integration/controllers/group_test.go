package controllers

import (
	"fmt"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

func TestGroupMembershipIsKeptOnTheUser(t *testing.T) {
	create(t, newUser("gina"))
	create(t, newUser("hank"))
	create(t, &iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: "devs"}})
	create(t, &iamv1beta1.GroupBinding{ObjectMeta: metav1.ObjectMeta{Name: "devs-1"}, GroupRef: iamv1beta1.GroupRef{Name: "devs"}, Users: []string{"gina", "hank"}})
	for _, name := range []string{"gina", "hank"} {
		eventually(t, name+" lists the group", func() error {
			u := &iamv1beta1.User{}
			if err := get(u, name); err != nil {
				return err
			}
			if !slices.Contains(u.Status.Groups, "devs") {
				return fmt.Errorf("groups %v", u.Status.Groups)
			}
			return nil
		})
	}
	eventually(t, "the group counts two members", func() error {
		g := &iamv1beta1.Group{}
		if err := get(g, "devs"); err != nil {
			return err
		}
		if g.Status.Members != 2 {
			return fmt.Errorf("%d members", g.Status.Members)
		}
		return nil
	})
	// Native RBAC sees the group through impersonation; a group binding to a
	// group that does not exist is reported.
	create(t, &iamv1beta1.GroupBinding{ObjectMeta: metav1.ObjectMeta{Name: "ghosts-1"}, GroupRef: iamv1beta1.GroupRef{Name: "ghosts"}, Users: []string{"gina"}})
	eventually(t, "the missing group is reported", func() error {
		b := &iamv1beta1.GroupBinding{}
		if err := get(b, "ghosts-1"); err != nil {
			return err
		}
		if r := readyReason(b.Status.Conditions); r != iamv1beta1.ReasonGroupNotFound {
			return fmt.Errorf("reason %q", r)
		}
		return nil
	})
}
