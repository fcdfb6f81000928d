package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// probe is an object created with a server-side dry run and what the answer must show.
type probe struct {
	object map[string]any
	// want is a field path and the value the webhooks must have put there (empty: none).
	wantPath  []string
	wantValue string
}

// probes go through Cluster API's webhooks at v1beta1: the API server converts each object to
// the storage version v1beta2 (conversion webhook), then calls the v1beta2 defaulting and
// validating webhooks, and converts the answer back to v1beta1.
func probes(openstack bool) []probe {
	meta := map[string]any{"name": "capiform-harness-check", "namespace": "default"}
	out := []probe{
		{object: map[string]any{
			"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": meta,
			"spec": map[string]any{},
		}},
		{
			object: map[string]any{
				"apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1", "kind": "KubeadmConfigTemplate", "metadata": meta,
				"spec": map[string]any{"template": map[string]any{"spec": map[string]any{}}},
			},
			// KubeadmConfigTemplate's defaulting webhook sets the bootstrap data format.
			wantPath:  []string{"spec", "template", "spec", "format"},
			wantValue: "cloud-config",
		},
	}
	if openstack {
		out = append(out, probe{object: map[string]any{
			"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackCluster", "metadata": meta,
			"spec": map[string]any{},
		}})
	}
	return out
}

// runCheck creates each probe with dryRun=All until the webhooks answer (their
// configurations reach the API server's informers within a second or two) or a minute passed.
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "admin kubeconfig")
	openstack := fs.Bool("openstack", false, "also probe CAPO's webhooks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, p := range probes(*openstack) {
		var lastErr error
		for {
			lastErr = tryProbe(ctx, c, p)
			if lastErr == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if lastErr != nil {
			return fmt.Errorf("%s %s: %w", p.object["apiVersion"], p.object["kind"], lastErr)
		}
		fmt.Fprintf(os.Stderr, "check: %s %s ok\n", p.object["apiVersion"], p.object["kind"])
	}
	return nil
}

func tryProbe(ctx context.Context, c client.Client, p probe) error {
	obj := &unstructured.Unstructured{Object: deepCopy(p.object)}
	if err := c.Create(ctx, obj, client.DryRunAll); err != nil {
		return err
	}
	if p.wantPath == nil {
		return nil
	}
	got, _, _ := unstructured.NestedString(obj.Object, p.wantPath...)
	if got != p.wantValue {
		return fmt.Errorf("%v is %q after defaulting, want %q", p.wantPath, got, p.wantValue)
	}
	return nil
}

func deepCopy(m map[string]any) map[string]any {
	return (&unstructured.Unstructured{Object: m}).DeepCopy().Object
}
