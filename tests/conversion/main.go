// Command conversion is the referee of capiform's template set 2.0.0: it converts a
// v1beta1 render to Cluster API v1beta2 with Cluster API's own conversion functions,
// the ones its conversion webhook calls.
//
// It reads multi-document YAML on stdin. Each Cluster API object of the v1beta1 kinds
// capiform emits (Cluster, MachineDeployment, MachineHealthCheck, KubeadmControlPlane,
// KubeadmConfigTemplate) is decoded as the webhook decodes it (case-sensitive JSON into
// the v1beta1 type), converted with its ConvertTo, and printed as v1beta2. Every other
// document is printed as it came. Output: multi-document YAML, one document per input
// document, in input order.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"encoding/json"
	"os"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	bootstrapv1beta1 "sigs.k8s.io/cluster-api/api/bootstrap/kubeadm/v1beta1"
	bootstrapv1 "sigs.k8s.io/cluster-api/api/bootstrap/kubeadm/v1beta2"
	controlplanev1beta1 "sigs.k8s.io/cluster-api/api/controlplane/kubeadm/v1beta1"
	controlplanev1 "sigs.k8s.io/cluster-api/api/controlplane/kubeadm/v1beta2"
	clusterv1beta1 "sigs.k8s.io/cluster-api/api/core/v1beta1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// spoke is a v1beta1 object that converts to its hub.
type spoke interface {
	conversion.Convertible
}

// pair gives a new v1beta1 object and a new v1beta2 object of one kind.
type pair struct {
	spoke func() spoke
	hub   func() conversion.Hub
	gv    schema.GroupVersion
}

var kinds = map[string]pair{
	"cluster.x-k8s.io/v1beta1/Cluster": {
		func() spoke { return &clusterv1beta1.Cluster{} },
		func() conversion.Hub { return &clusterv1.Cluster{} },
		clusterv1.GroupVersion,
	},
	"cluster.x-k8s.io/v1beta1/MachineDeployment": {
		func() spoke { return &clusterv1beta1.MachineDeployment{} },
		func() conversion.Hub { return &clusterv1.MachineDeployment{} },
		clusterv1.GroupVersion,
	},
	"cluster.x-k8s.io/v1beta1/MachineHealthCheck": {
		func() spoke { return &clusterv1beta1.MachineHealthCheck{} },
		func() conversion.Hub { return &clusterv1.MachineHealthCheck{} },
		clusterv1.GroupVersion,
	},
	"controlplane.cluster.x-k8s.io/v1beta1/KubeadmControlPlane": {
		func() spoke { return &controlplanev1beta1.KubeadmControlPlane{} },
		func() conversion.Hub { return &controlplanev1.KubeadmControlPlane{} },
		controlplanev1.GroupVersion,
	},
	"bootstrap.cluster.x-k8s.io/v1beta1/KubeadmConfigTemplate": {
		func() spoke { return &bootstrapv1beta1.KubeadmConfigTemplate{} },
		func() conversion.Hub { return &bootstrapv1.KubeadmConfigTemplate{} },
		bootstrapv1.GroupVersion,
	},
}

// documents splits multi-document YAML at lines that are exactly "---".
func documents(r io.Reader) ([][]byte, error) {
	var docs [][]byte
	var cur bytes.Buffer
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	flush := func() {
		if len(bytes.TrimSpace(cur.Bytes())) > 0 {
			docs = append(docs, append([]byte(nil), cur.Bytes()...))
		}
		cur.Reset()
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "---" {
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return docs, sc.Err()
}

// convert gives the v1beta2 JSON of one v1beta1 document, or the document as it came
// when its kind is not one Cluster API converts.
func convert(doc []byte) ([]byte, error) {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(js, &head); err != nil {
		return nil, err
	}
	p, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return js, nil
	}
	src := p.spoke()
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(js, src); err != nil {
		return nil, fmt.Errorf("%s: %w", head.Kind, err)
	}
	dst := p.hub()
	if err := src.ConvertTo(dst); err != nil {
		return nil, fmt.Errorf("%s: ConvertTo: %w", head.Kind, err)
	}
	dst.GetObjectKind().SetGroupVersionKind(p.gv.WithKind(head.Kind))
	return json.Marshal(dst)
}

func main() {
	docs, err := documents(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conversion: reading stdin:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for i, doc := range docs {
		js, err := convert(doc)
		if err != nil {
			fmt.Fprintf(os.Stderr, "conversion: document %d: %v\n", i+1, err)
			os.Exit(1)
		}
		y, err := yaml.JSONToYAML(js)
		if err != nil {
			fmt.Fprintf(os.Stderr, "conversion: document %d: %v\n", i+1, err)
			os.Exit(1)
		}
		out.WriteString("---\n")
		out.Write(y)
	}
}
