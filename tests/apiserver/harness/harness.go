// Package harness is what the test API server's webhook programs (Cluster API's, CAPO's) have
// in common: it installs a provider's CRDs and webhook configurations as the provider's own
// config folders describe them, pointed at a webhook server on 127.0.0.1, and reports when that
// server is ready.
//
// A provider's config folder (e.g. cluster-api's config/, bootstrap/kubeadm/config/) is read
// in place from the Go module cache:
//
//   - crd/kustomization.yaml: the CRD files (resources), the labels they carry (e.g. the
//     Cluster API contract label `cluster.x-k8s.io/v1beta1: v1beta1`) and which CRDs convert
//     through the webhook (patches named webhook_in_*.yaml);
//   - webhook/manifests.yaml: the Mutating/ValidatingWebhookConfigurations, whose service
//     references become https://127.0.0.1:PORT/path URLs.
package harness

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// Flags are the command line every webhook program takes.
type Flags struct {
	Kubeconfig string // admin kubeconfig of the test API server
	Dir        string // the test API server's folder: pki/ is read, NAME.ready is written
	ModuleDir  string // the provider's Go module in the module cache
	SharedCRDs string // folder of CRD files that replace the module's files of the same name
	PlainCRDs  multiFlag
	// Controllers asks for the provider's controllers besides its webhooks.
	Controllers bool
	// FeatureGates are the provider's feature gates, as its --feature-gates flag takes them
	// (e.g. KubeadmBootstrapFormatIgnition=true).
	FeatureGates string
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// ParseFlags reads the common flags from the command line.
func ParseFlags() *Flags {
	f := &Flags{}
	// Not the global flag set: controller-runtime registers its own --kubeconfig there.
	fs := flag.NewFlagSet(os.Args[0], flag.ExitOnError)
	fs.StringVar(&f.Kubeconfig, "kubeconfig", "", "admin kubeconfig of the API server")
	fs.StringVar(&f.Dir, "dir", "", "the test API server's folder (pki/ in it)")
	fs.StringVar(&f.ModuleDir, "module-dir", "", "the provider's Go module folder")
	fs.StringVar(&f.SharedCRDs, "shared-crds", "", "folder of CRD files preferred over the module's own")
	fs.Var(&f.PlainCRDs, "plain-crd", "a CRD file installed as it is (repeatable)")
	fs.BoolVar(&f.Controllers, "controllers", false, "run the provider's controllers too")
	fs.StringVar(&f.FeatureGates, "feature-gates", "", "the provider's feature gates (A=true,B=false)")
	_ = fs.Parse(os.Args[1:])
	for name, v := range map[string]string{"kubeconfig": f.Kubeconfig, "dir": f.Dir, "module-dir": f.ModuleDir} {
		if v == "" {
			fmt.Fprintf(os.Stderr, "missing --%s\n", name)
			os.Exit(2)
		}
	}
	return f
}

// RestConfig is the admin client configuration.
func (f *Flags) RestConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", f.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	return cfg, nil
}

// CABundle is the PEM of the CA that signed the webhook servers' certificate.
func (f *Flags) CABundle() ([]byte, error) {
	return os.ReadFile(filepath.Join(f.Dir, "pki", "ca.crt"))
}

// WebhookOptions serve on 127.0.0.1:port with the harness's serving certificate.
func (f *Flags) WebhookOptions(port int) webhook.Options {
	return webhook.Options{
		Host:     "127.0.0.1",
		Port:     port,
		CertDir:  filepath.Join(f.Dir, "pki"),
		CertName: "serving.crt",
		KeyName:  "serving.key",
	}
}

// FreePort asks the kernel for a free port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Run starts the manager and, once its webhook server answers TLS on port, writes
// DIR/NAME.ready (the port); it returns when the manager stops.
func Run(ctx context.Context, mgr manager.Manager, f *Flags, name string, port int) error {
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	go stopWhenRemoved(f.Dir, name)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-done:
			return fmt.Errorf("manager stopped before its webhook server answered: %v", err)
		default:
		}
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr,
			&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only probes that TLS answers
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook server on %s not answering after 2 minutes: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ready := filepath.Join(f.Dir, name+".ready")
	if err := os.WriteFile(ready+".tmp", []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.Rename(ready+".tmp", ready); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: webhooks ready on https://%s\n", name, addr)
	return <-done
}

// stopWhenRemoved stops the process (as SIGTERM does) once dir is gone: a test that deleted its
// temporary folder without `scripts/test-apiserver stop` leaves no server behind.
func stopWhenRemoved(dir, name string) {
	for {
		time.Sleep(2 * time.Second)
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			fmt.Fprintf(os.Stderr, "%s: %s removed, stopping\n", name, dir)
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			return
		}
	}
}
