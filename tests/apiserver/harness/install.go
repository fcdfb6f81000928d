package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of a provider's kustomization.yaml files the harness reads.
type kustomization struct {
	NamePrefix string `json:"namePrefix"`
	Labels     []struct {
		Pairs map[string]string `json:"pairs"`
	} `json:"labels"`
	Resources []string `json:"resources"`
	Patches   []struct {
		Path string `json:"path"`
	} `json:"patches"`
}

// Installer writes CRDs and webhook configurations through an admin client.
type Installer struct {
	Client     client.Client
	BaseURL    string // https://127.0.0.1:PORT
	CABundle   []byte
	SharedCRDs string
}

// NewInstaller makes an installer whose webhooks point at 127.0.0.1:port.
func NewInstaller(cfg *rest.Config, f *Flags, port int) (*Installer, error) {
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := admissionregistrationv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	ca, err := f.CABundle()
	if err != nil {
		return nil, err
	}
	return &Installer{
		Client:     c,
		BaseURL:    "https://127.0.0.1:" + strconv.Itoa(port),
		CABundle:   ca,
		SharedCRDs: f.SharedCRDs,
	}, nil
}

// InstallComponent installs the CRDs and webhook configurations of a provider's config folder
// (e.g. MODULE/bootstrap/kubeadm/config) and waits until the CRDs are established. The webhook
// configurations are named as the folder's default/kustomization.yaml names them (namePrefix).
func (in *Installer) InstallComponent(ctx context.Context, configDir string) error {
	names, err := in.installCRDs(ctx, filepath.Join(configDir, "crd"))
	if err != nil {
		return err
	}
	deployment, err := readKustomization(filepath.Join(configDir, "default", "kustomization.yaml"))
	if err != nil {
		return err
	}
	manifests := filepath.Join(configDir, "webhook", "manifests.yaml")
	if err := in.installWebhooks(ctx, manifests, deployment.NamePrefix); err != nil {
		return fmt.Errorf("%s: %w", manifests, err)
	}
	return in.waitEstablished(ctx, names)
}

func readKustomization(path string) (*kustomization, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var k kustomization
	if err := yaml.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &k, nil
}

// InstallPlainCRD installs a CRD file as it is (no conversion webhook, no labels).
func (in *Installer) InstallPlainCRD(ctx context.Context, path string) error {
	crd, err := readCRD(path)
	if err != nil {
		return err
	}
	if err := in.apply(ctx, crd); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return in.waitEstablished(ctx, []string{crd.Name})
}

func (in *Installer) installCRDs(ctx context.Context, crdDir string) ([]string, error) {
	k, err := readKustomization(filepath.Join(crdDir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, l := range k.Labels {
		for key, v := range l.Pairs {
			labels[key] = v
		}
	}
	converting, err := conversionWebhookCRDs(crdDir, *k)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, resource := range k.Resources {
		path := filepath.Join(crdDir, resource)
		if shared := filepath.Join(in.SharedCRDs, filepath.Base(resource)); in.SharedCRDs != "" && fileExists(shared) {
			path = shared
		}
		crd, err := readCRD(path)
		if err != nil {
			return nil, err
		}
		if len(labels) > 0 && crd.Labels == nil {
			crd.Labels = map[string]string{}
		}
		for key, v := range labels {
			crd.Labels[key] = v
		}
		if converting[crd.Name] {
			crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{
				Strategy: apiextensionsv1.WebhookConverter,
				Webhook: &apiextensionsv1.WebhookConversion{
					ClientConfig: &apiextensionsv1.WebhookClientConfig{
						URL:      ptr(in.BaseURL + "/convert"),
						CABundle: in.CABundle,
					},
					ConversionReviewVersions: []string{"v1", "v1beta1"},
				},
			}
		}
		if err := in.apply(ctx, crd); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		names = append(names, crd.Name)
	}
	return names, nil
}

// conversionWebhookCRDs are the names of the CRDs a kustomization's webhook_in_* patches switch
// to webhook conversion.
func conversionWebhookCRDs(crdDir string, k kustomization) (map[string]bool, error) {
	out := map[string]bool{}
	for _, p := range k.Patches {
		if !strings.HasPrefix(filepath.Base(p.Path), "webhook_in_") {
			continue
		}
		path := filepath.Join(crdDir, p.Path)
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var patch apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(raw, &patch); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if patch.Spec.Conversion != nil && patch.Spec.Conversion.Strategy == apiextensionsv1.WebhookConverter {
			out[patch.Name] = true
		}
	}
	return out, nil
}

func (in *Installer) installWebhooks(ctx context.Context, manifests, prefix string) error {
	raw, err := os.ReadFile(manifests)
	if err != nil {
		return err
	}
	for _, doc := range splitYAML(raw) {
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return err
		}
		switch meta.Kind {
		case "MutatingWebhookConfiguration":
			var c admissionregistrationv1.MutatingWebhookConfiguration
			if err := yaml.Unmarshal(doc, &c); err != nil {
				return err
			}
			c.Name = prefix + c.Name
			for i := range c.Webhooks {
				if err := in.pointAtServer(&c.Webhooks[i].ClientConfig); err != nil {
					return fmt.Errorf("webhook %s: %w", c.Webhooks[i].Name, err)
				}
			}
			if err := in.apply(ctx, &c); err != nil {
				return err
			}
		case "ValidatingWebhookConfiguration":
			var c admissionregistrationv1.ValidatingWebhookConfiguration
			if err := yaml.Unmarshal(doc, &c); err != nil {
				return err
			}
			c.Name = prefix + c.Name
			for i := range c.Webhooks {
				if err := in.pointAtServer(&c.Webhooks[i].ClientConfig); err != nil {
					return fmt.Errorf("webhook %s: %w", c.Webhooks[i].Name, err)
				}
			}
			if err := in.apply(ctx, &c); err != nil {
				return err
			}
		case "":
		default:
			return fmt.Errorf("unexpected kind %q", meta.Kind)
		}
	}
	return nil
}

// pointAtServer turns an in-cluster service reference into the URL of the local server.
func (in *Installer) pointAtServer(cc *admissionregistrationv1.WebhookClientConfig) error {
	if cc.Service == nil || cc.Service.Path == nil {
		return fmt.Errorf("no service path in clientConfig")
	}
	cc.URL = ptr(in.BaseURL + *cc.Service.Path)
	cc.Service = nil
	cc.CABundle = in.CABundle
	return nil
}

// apply creates obj or replaces the stored one (a restart of the harness on the same folder).
func (in *Installer) apply(ctx context.Context, obj client.Object) error {
	err := in.Client.Create(ctx, obj)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return fmt.Errorf("%T is not a client.Object", obj)
	}
	if err := in.Client.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
		return err
	}
	obj.SetResourceVersion(existing.GetResourceVersion())
	return in.Client.Update(ctx, obj)
}

func (in *Installer) waitEstablished(ctx context.Context, names []string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, name := range names {
		for {
			var crd apiextensionsv1.CustomResourceDefinition
			if err := in.Client.Get(ctx, client.ObjectKey{Name: name}, &crd); err != nil {
				return fmt.Errorf("CRD %s: %w", name, err)
			}
			if established(&crd) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CRD %s not established: %w", name, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

func readCRD(path string) (*apiextensionsv1.CustomResourceDefinition, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if crd.Kind != "CustomResourceDefinition" {
		return nil, fmt.Errorf("%s: kind %q, want CustomResourceDefinition", path, crd.Kind)
	}
	return &crd, nil
}

// splitYAML splits a multi-document YAML stream on its `---` lines.
func splitYAML(raw []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if bytes.Equal(bytes.TrimRight(line, " \r\n"), []byte("---")) {
			docs = append(docs, bytes.Clone(cur.Bytes()))
			cur.Reset()
			continue
		}
		cur.Write(line)
	}
	return append(docs, cur.Bytes())
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func ptr[T any](v T) *T { return &v }
