package platform

import (
	"context"
	"fmt"

	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/storage"
	"github.com/superkube/super-kubenetes/internal/storage/simcsi"
	"github.com/superkube/super-kubenetes/internal/storage/snapshotcrds"
)

// snapshotCRDs are the CSI volume snapshot CRDs (external-snapshotter
// v8.7.0) that ke-dev installs with the platform's own.
func snapshotCRDs() ([]*unstructured.Unstructured, error) {
	objs, err := snapshotcrds.Unstructured()
	if err != nil {
		return nil, fmt.Errorf("the snapshot CRDs: %w", err)
	}
	return objs, nil
}

// simulatedStorage creates the simulated CSI driver's objects (its
// CSIDriver, the StorageClass sim-csi, the default class when the cluster
// has none, and its VolumeSnapshotClass) and runs the simulator, a test
// double of the CSI side (package simcsi), in ke-dev until ctx ends: the
// local cluster has no CSI driver.
func simulatedStorage(ctx context.Context, cl client.Client) error {
	var classes storagev1.StorageClassList
	if err := cl.List(ctx, &classes); err != nil {
		return err
	}
	hasDefault := false
	for i := range classes.Items {
		hasDefault = hasDefault || storage.IsDefault(&classes.Items[i])
	}
	for _, o := range simcsi.Objects() {
		if sc, ok := o.(*storagev1.StorageClass); ok && !hasDefault {
			sc.Annotations = map[string]string{storage.DefaultClassAnnotation: "true"}
		}
		if err := cl.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	go (&simcsi.Simulator{Client: cl}).Run(ctx)
	return nil
}
