package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// probe is an object created with a server-side dry run and what the answer must show.
type probe struct {
	object map[string]any
	want   []field
}

// field is a path in the answer and the value the webhooks must have put there ("" for any
// non-empty value).
type field struct {
	path  []string
	value string
}

// probes go through the webhooks at v1beta1: the API server converts Cluster API's objects to
// the storage version v1beta2 (conversion webhook, which keeps what v1beta2 cannot hold in an
// annotation), calls the v1beta2 defaulting and validating webhooks, and converts the answer
// back to v1beta1.
func probes(openstack bool) []probe {
	const name, cluster = "capiform-harness-check", "capiform-harness-check"
	meta := map[string]any{"name": name, "namespace": "default"}
	ref := func(apiVersion, kind string) map[string]any {
		return map[string]any{"apiVersion": apiVersion, "kind": kind, "name": name}
	}
	out := []probe{
		{
			object: map[string]any{
				"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": meta,
				"spec": map[string]any{
					"infrastructureRef": ref("infrastructure.cluster.x-k8s.io/v1beta1", "OpenStackCluster"),
				},
			},
			want: []field{{path: []string{"metadata", "annotations", "cluster.x-k8s.io/conversion-data"}}},
		},
		{
			object: map[string]any{
				"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "MachineDeployment", "metadata": meta,
				"spec": map[string]any{
					"clusterName": cluster,
					"template": map[string]any{"spec": map[string]any{
						"clusterName": cluster,
						"bootstrap": map[string]any{
							"configRef": ref("bootstrap.cluster.x-k8s.io/v1beta1", "KubeadmConfigTemplate"),
						},
						"infrastructureRef": ref("infrastructure.cluster.x-k8s.io/v1beta1", "OpenStackMachineTemplate"),
					}},
				},
			},
			// MachineDeployment's defaulting webhook labels it with its cluster and picks the
			// rollout strategy.
			want: []field{
				{path: []string{"metadata", "labels", "cluster.x-k8s.io/cluster-name"}, value: cluster},
				{path: []string{"spec", "strategy", "type"}, value: "RollingUpdate"},
			},
		},
		{object: map[string]any{
			"apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1", "kind": "KubeadmConfigTemplate", "metadata": meta,
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{}}},
		}},
	}
	if openstack {
		out = append(out, probe{object: map[string]any{
			"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackCluster", "metadata": meta,
			"spec": map[string]any{"identityRef": map[string]any{"name": name, "cloudName": "openstack"}},
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
	ctrl.SetLogger(klog.NewKlogr())
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
		for attempt := 1; ; attempt++ {
			lastErr = tryProbe(ctx, c, p)
			if lastErr == nil || ctx.Err() != nil {
				break
			}
			if attempt%25 == 0 {
				fmt.Fprintf(os.Stderr, "check: %s %s: still failing: %v\n", p.object["apiVersion"], p.object["kind"], lastErr)
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
	for _, want := range p.want {
		got, _, _ := unstructured.NestedString(obj.Object, want.path...)
		if got == "" || (want.value != "" && got != want.value) {
			return fmt.Errorf("%v is %q in the answer, want %q", want.path, got, want.value)
		}
	}
	return nil
}

func deepCopy(m map[string]any) map[string]any {
	return (&unstructured.Unstructured{Object: m}).DeepCopy().Object
}
