package tenant_test

import (
	"context"
	"testing"

	"github.com/superkube/super-kubenetes/internal/authz"
	tenantsvc "github.com/superkube/super-kubenetes/internal/services/tenant"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

// The service is tested against a real kube-apiserver, read through a
// cache with the service's field indexes and the platform's authorizer, as
// ke-apiserver runs it.
var env *servicetest.Env

func TestMain(m *testing.M) { servicetest.Run(m, &env, tenantsvc.Setup) }

var (
	ctx  = context.Background()
	root = servicetest.Caller(servicetest.Root)
)

func newService() *tenantsvc.Service {
	return &tenantsvc.Service{Reader: env.Cache, Writer: env.Client, Authorizer: authz.SelfService{Next: env.Authorizer}}
}
