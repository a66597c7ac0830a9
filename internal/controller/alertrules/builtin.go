package alertrules

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/alerting/rules"
)

// Builtins creates, once elected, each built-in GlobalRuleGroup that does
// not exist. One that exists is never changed: an administrator may have
// disabled its rules or changed their thresholds.
type Builtins struct {
	Client client.Client
	Log    logr.Logger
}

// NeedLeaderElection is true: the elected replica creates them.
func (b *Builtins) NeedLeaderElection() bool { return true }

// Start creates the missing groups, retrying until it could.
func (b *Builtins) Start(ctx context.Context) error {
	err := wait.ExponentialBackoffWithContext(ctx, wait.Backoff{Duration: time.Second, Factor: 2, Cap: 30 * time.Second, Steps: 1 << 30},
		func(ctx context.Context) (bool, error) {
			if err := b.ensure(ctx); err != nil {
				b.Log.Error(err, "creating the built-in alert rule groups; trying again")
				return false, nil
			}
			return true, nil
		})
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

func (b *Builtins) ensure(ctx context.Context) error {
	for _, g := range rules.Builtin() {
		err := b.Client.Create(ctx, g)
		switch {
		case err == nil:
			b.Log.Info("Created a built-in alert rule group", "name", g.Name)
		case apierrors.IsAlreadyExists(err):
		default:
			return fmt.Errorf("creating %s: %w", g.Name, err)
		}
	}
	return nil
}
