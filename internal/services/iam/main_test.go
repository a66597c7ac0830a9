package iam_test

import (
	"context"
	"testing"

	"k8s.io/utils/clock"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

// The service is tested against a real kube-apiserver, read through a
// cache with the platform's authorizer over it, as ke-apiserver runs it.
var env *servicetest.Env

func TestMain(m *testing.M) { servicetest.Run(m, &env, nil) }

var (
	ctx  = context.Background()
	root = servicetest.Caller(servicetest.Root)
)

// newService returns the service as ke-apiserver builds it, with a token
// store of its own.
func newService() (*iamsvc.Service, *tokenstore.Memory) {
	tokens := tokenstore.NewMemory(clock.RealClock{})
	return &iamsvc.Service{
		Reader: env.Cache, Client: env.Client,
		Authorizer: authz.SelfService{Next: env.Authorizer}, Escalation: env.Authorizer,
		Tokens: tokens, Clock: clock.RealClock{}, BcryptCost: 4, // bcrypt's lowest, for speed
		Passwords:       &passwordsecret.Store{Namespace: servicetest.SystemNamespace, Reader: env.Client, Writer: env.Client},
		SystemNamespace: servicetest.SystemNamespace,
	}, tokens
}

var (
	widgets    = servicetest.Rule("example.com", []string{"widgets"}, "get", "list")
	editWidget = servicetest.Rule("example.com", []string{"widgets"}, "update")
	// anyWidget is held only through the wildcard verb, which a workspace
	// administrator does not hold (its verbs are named).
	anyWidget = servicetest.Rule("example.com", []string{"widgets"}, "*")
)

func at(lv iamv1beta1.Level, name string) iamsvc.At { return iamsvc.At{Level: lv, Name: name} }
