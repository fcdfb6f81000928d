// Command capi serves Cluster API's own webhooks (core, kubeadm bootstrap, kubeadm control
// plane: defaulting, validation, conversion) to the test API server, from the
// sigs.k8s.io/cluster-api module itself, and installs their CRDs and webhook configurations.
// With --controllers it also runs Cluster API's core controllers (controllers.go).
//
//	capi --kubeconfig K --dir DIR --module-dir MODULE [--shared-crds D] [--plain-crd F]... [--controllers] [--feature-gates G]
//	capi check --kubeconfig K
//
// `check` proves the webhooks answer through the API server (see check.go).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	addonsv1beta1 "sigs.k8s.io/cluster-api/api/addons/v1beta1"
	addonsv1 "sigs.k8s.io/cluster-api/api/addons/v1beta2"
	bootstrapv1beta1 "sigs.k8s.io/cluster-api/api/bootstrap/kubeadm/v1beta1"
	bootstrapv1 "sigs.k8s.io/cluster-api/api/bootstrap/kubeadm/v1beta2"
	controlplanev1beta1 "sigs.k8s.io/cluster-api/api/controlplane/kubeadm/v1beta1"
	controlplanev1 "sigs.k8s.io/cluster-api/api/controlplane/kubeadm/v1beta2"
	clusterv1beta1 "sigs.k8s.io/cluster-api/api/core/v1beta1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ipamv1alpha1 "sigs.k8s.io/cluster-api/api/ipam/v1alpha1"
	ipamv1beta1 "sigs.k8s.io/cluster-api/api/ipam/v1beta1"
	ipamv1 "sigs.k8s.io/cluster-api/api/ipam/v1beta2"
	runtimev1alpha1 "sigs.k8s.io/cluster-api/api/runtime/v1alpha1"
	runtimev1 "sigs.k8s.io/cluster-api/api/runtime/v1beta2"
	bootstrapwebhooks "sigs.k8s.io/cluster-api/bootstrap/kubeadm/webhooks"
	controlplanewebhooks "sigs.k8s.io/cluster-api/controlplane/kubeadm/webhooks"
	"sigs.k8s.io/cluster-api/feature"
	"sigs.k8s.io/cluster-api/util/contract"
	"sigs.k8s.io/cluster-api/webhooks"

	"capiform.test/apiserver/harness"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "check" {
		if err := runCheck(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "capi check:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(harness.ParseFlags()); err != nil {
		fmt.Fprintln(os.Stderr, "capi:", err)
		os.Exit(1)
	}
}

// configDirs are Cluster API's three config folders: core, kubeadm bootstrap, kubeadm control
// plane.
func configDirs(moduleDir string) []string {
	return []string{
		filepath.Join(moduleDir, "config"),
		filepath.Join(moduleDir, "bootstrap", "kubeadm", "config"),
		filepath.Join(moduleDir, "controlplane", "kubeadm", "config"),
	}
}

func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme,
		clusterv1beta1.AddToScheme, clusterv1.AddToScheme,
		addonsv1beta1.AddToScheme, addonsv1.AddToScheme,
		runtimev1alpha1.AddToScheme, runtimev1.AddToScheme,
		ipamv1alpha1.AddToScheme, ipamv1beta1.AddToScheme, ipamv1.AddToScheme,
		bootstrapv1beta1.AddToScheme, bootstrapv1.AddToScheme,
		controlplanev1beta1.AddToScheme, controlplanev1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

func run(f *harness.Flags) error {
	ctrl.SetLogger(klog.NewKlogr())
	if err := feature.MutableGates.Set(f.FeatureGates); err != nil {
		return fmt.Errorf("--feature-gates: %w", err)
	}
	ctx := ctrl.SetupSignalHandler()
	cfg, err := f.RestConfig()
	if err != nil {
		return err
	}
	port, err := harness.FreePort()
	if err != nil {
		return err
	}
	installer, err := harness.NewInstaller(cfg, f, port)
	if err != nil {
		return err
	}
	for _, dir := range configDirs(f.ModuleDir) {
		if err := installer.InstallComponent(ctx, dir); err != nil {
			return fmt.Errorf("installing %s: %w", dir, err)
		}
	}
	for _, path := range f.PlainCRDs {
		if err := installer.InstallPlainCRD(ctx, path); err != nil {
			return fmt.Errorf("installing %s: %w", path, err)
		}
	}

	scheme, err := newScheme()
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		WebhookServer:          webhook.NewServer(f.WebhookOptions(port)),
	})
	if err != nil {
		return err
	}
	versionGetter := func(gk schema.GroupKind) (string, error) {
		return contractAPIVersion(ctx, mgr.GetClient(), gk)
	}
	clusterv1beta1.SetAPIVersionGetter(versionGetter)
	controlplanev1beta1.SetAPIVersionGetter(versionGetter)
	if err := setupWebhooks(mgr); err != nil {
		return err
	}
	if f.Controllers {
		if err := setupControllers(ctx, mgr); err != nil {
			return err
		}
	}
	return harness.Run(ctx, mgr, f, "capi", port)
}

// setupWebhooks registers every webhook the three Cluster API managers register, so that
// every path of their webhook manifests is served.
func setupWebhooks(mgr ctrl.Manager) error {
	c := mgr.GetClient()
	for name, w := range map[string]interface{ SetupWebhookWithManager(ctrl.Manager) error }{
		"ClusterClass":                &webhooks.ClusterClass{Client: c},
		"Cluster":                     &webhooks.Cluster{Client: c, ClusterCacheReader: noWorkloadClusters{}},
		"Machine":                     &webhooks.Machine{},
		"MachineSet":                  &webhooks.MachineSet{},
		"MachineDeployment":           &webhooks.MachineDeployment{},
		"MachineDrainRule":            &webhooks.MachineDrainRule{},
		"MachinePool":                 &webhooks.MachinePool{},
		"ClusterResourceSet":          &webhooks.ClusterResourceSet{},
		"ClusterResourceSetBinding":   &webhooks.ClusterResourceSetBinding{},
		"MachineHealthCheck":          &webhooks.MachineHealthCheck{},
		"ExtensionConfig":             &webhooks.ExtensionConfig{},
		"IPAddress":                   &webhooks.IPAddress{Client: mgr.GetAPIReader()},
		"IPAddressClaim":              &webhooks.IPAddressClaim{},
		"KubeadmConfig":               &bootstrapwebhooks.KubeadmConfig{},
		"KubeadmConfigTemplate":       &bootstrapwebhooks.KubeadmConfigTemplate{},
		"KubeadmControlPlane":         &controlplanewebhooks.KubeadmControlPlane{},
		"KubeadmControlPlane scale":   &controlplanewebhooks.ScaleValidator{Client: c},
		"KubeadmControlPlaneTemplate": &controlplanewebhooks.KubeadmControlPlaneTemplate{},
	} {
		if err := w.SetupWebhookWithManager(mgr); err != nil {
			return fmt.Errorf("webhook %s: %w", name, err)
		}
	}
	return nil
}

// noWorkloadClusters stands for Cluster API's cluster cache: the test API server has no
// workload clusters to read.
type noWorkloadClusters struct{}

func (noWorkloadClusters) GetReader(_ context.Context, cluster client.ObjectKey) (client.Reader, error) {
	return nil, fmt.Errorf("no workload cluster for %s on the test API server", cluster)
}

// contractAPIVersion is the apiVersion Cluster API uses for a referenced kind (e.g. an
// infrastructure cluster): the newest version the kind's CRD lists under the label of the newest
// Cluster API contract it declares (`cluster.x-k8s.io/v1beta2`, then `cluster.x-k8s.io/v1beta1`;
// versions separated by `_`). Like Cluster API's managers, it reads only the CRD's metadata,
// by its name, through the manager's cache: the conversion webhook calls it for every
// reference of every object it converts, and listing whole CRDs from the API server each time
// made every v1beta1 request cost seconds of CPU.
func contractAPIVersion(ctx context.Context, reader client.Reader, gk schema.GroupKind) (string, error) {
	crd := &metav1.PartialObjectMetadata{}
	crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	name := contract.CalculateCRDName(gk.Group, gk.Kind)
	if err := reader.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
		return "", fmt.Errorf("CRD %s for %s: %w", name, gk, err)
	}
	for _, contractVersion := range []string{"v1beta2", "v1beta1"} {
		value := crd.Labels[clusterv1.GroupVersion.Group+"/"+contractVersion]
		if value == "" {
			continue
		}
		versions := strings.Split(value, "_")
		sort.Slice(versions, func(i, j int) bool {
			return version.CompareKubeAwareVersionStrings(versions[i], versions[j]) > 0 // newest first
		})
		return schema.GroupVersion{Group: gk.Group, Version: versions[0]}.String(), nil
	}
	return "", fmt.Errorf("CRD %s has no Cluster API contract label", name)
}
