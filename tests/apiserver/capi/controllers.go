package main

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/util/sets"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/cluster-api/api/core/v1beta2/index"
	"sigs.k8s.io/cluster-api/controllers"
	"sigs.k8s.io/cluster-api/controllers/clustercache"
	kcpcontrollers "sigs.k8s.io/cluster-api/controlplane/kubeadm/controllers"
)

// setupControllers runs Cluster API's core controllers for Cluster, MachineDeployment,
// MachineSet, Machine and MachineHealthCheck, and the kubeadm control plane's controller, with
// the settings Cluster API's managers use by default. They own what a management cluster's controllers own: finalizers, owner
// references, MachineSets and Machines (with their bootstrap configs and infrastructure
// machines cloned from the templates), status. With no workload cluster and no provider
// controllers (kubeadm bootstrap and control plane, CAPO) nothing ever becomes ready, and the
// cluster cache never connects (it waits for an initialized control plane).
func setupControllers(ctx context.Context, mgr ctrl.Manager) error {
	if err := index.AddDefaultIndexes(ctx, mgr); err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	clusterCache, err := clustercache.SetupWithManager(ctx, mgr, clustercache.Options{
		SecretClient: mgr.GetClient(),
		Client: clustercache.ClientOptions{
			QPS: 20, Burst: 30, UserAgent: "capiform-test-apiserver",
		},
	}, controller.Options{MaxConcurrentReconciles: 2})
	if err != nil {
		return fmt.Errorf("cluster cache: %w", err)
	}
	opts := controller.Options{MaxConcurrentReconciles: 4}
	setups := []struct {
		name  string
		setup func() error
	}{
		{"Cluster", func() error {
			return (&controllers.ClusterReconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), ClusterCache: clusterCache,
				RemoteConnectionGracePeriod: 50 * time.Second,
			}).SetupWithManager(ctx, mgr, opts)
		}},
		{"Machine", func() error {
			return (&controllers.MachineReconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), ClusterCache: clusterCache,
				RemoteConditionsGracePeriod: 5 * time.Minute,
			}).SetupWithManager(ctx, mgr, opts)
		}},
		{"MachineSet", func() error {
			return (&controllers.MachineSetReconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), ClusterCache: clusterCache,
				PreflightChecks: sets.New(clusterv1.MachineSetPreflightCheckAll),
			}).SetupWithManager(ctx, mgr, opts)
		}},
		{"MachineDeployment", func() error {
			return (&controllers.MachineDeploymentReconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
			}).SetupWithManager(ctx, mgr, opts)
		}},
		{"KubeadmControlPlane", func() error {
			return (&kcpcontrollers.KubeadmControlPlaneReconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), SecretCachingClient: mgr.GetClient(),
				ClusterCache:    clusterCache,
				EtcdDialTimeout: 10 * time.Second, EtcdCallTimeout: 15 * time.Second, EtcdLogger: zap.NewNop(),
				RemoteConditionsGracePeriod: 5 * time.Minute,
			}).SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: 2, ReconciliationTimeout: 3 * time.Minute})
		}},
		{"MachineHealthCheck", func() error {
			return (&controllers.MachineHealthCheckReconciler{
				Client: mgr.GetClient(), ClusterCache: clusterCache,
			}).SetupWithManager(ctx, mgr, opts)
		}},
	}
	for _, s := range setups {
		if err := s.setup(); err != nil {
			return fmt.Errorf("controller %s: %w", s.name, err)
		}
	}
	return nil
}
