// Command capo serves the OpenStack provider's own webhooks (CAPO: defaulting, validation,
// conversion) to the test API server, from the sigs.k8s.io/cluster-api-provider-openstack
// module itself, and installs its CRDs and webhook configurations. CAPO's controllers, which
// would call OpenStack, do not run.
//
//	capo --kubeconfig K --dir DIR --module-dir MODULE [--shared-crds D]
package main

import (
	"fmt"
	"os"
	"path/filepath"

	orcv1alpha1 "github.com/k-orc/openstack-resource-controller/v2/api/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ipamv1 "sigs.k8s.io/cluster-api/api/ipam/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	infrav1alpha1 "sigs.k8s.io/cluster-api-provider-openstack/api/v1alpha1"
	infrav1 "sigs.k8s.io/cluster-api-provider-openstack/api/v1beta1"
	"sigs.k8s.io/cluster-api-provider-openstack/feature"
	"sigs.k8s.io/cluster-api-provider-openstack/pkg/webhooks"

	"capiform.test/apiserver/harness"
)

func main() {
	if err := run(harness.ParseFlags()); err != nil {
		fmt.Fprintln(os.Stderr, "capo:", err)
		os.Exit(1)
	}
}

// newScheme holds the kinds CAPO's manager knows.
func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme,
		clusterv1.AddToScheme, ipamv1.AddToScheme,
		infrav1.AddToScheme, infrav1alpha1.AddToScheme, orcv1alpha1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

func run(f *harness.Flags) error {
	if f.Controllers {
		return fmt.Errorf("--controllers: CAPO's controllers call OpenStack; only its webhooks run here")
	}
	if err := feature.MutableGates.Set(f.FeatureGates); err != nil {
		return fmt.Errorf("--feature-gates: %w", err)
	}
	ctrl.SetLogger(klog.NewKlogr())
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
	configDir := filepath.Join(f.ModuleDir, "config")
	if err := installer.InstallComponent(ctx, configDir); err != nil {
		return fmt.Errorf("installing %s: %w", configDir, err)
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
	if errs := webhooks.RegisterAllWithManager(mgr); len(errs) > 0 {
		return fmt.Errorf("webhooks: %v", errs)
	}
	return harness.Run(ctx, mgr, f, "capo", port)
}
