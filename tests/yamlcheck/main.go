// Command yamlcheck reads YAML the way kubectl and kustomize read it, for the test suite.
//
//	yamlcheck strict FILE...   every document, and every YAML text embedded in a
//	                           Manifests template, a HelmRelease values template or a
//	                           *.yaml key of a Secret or ConfigMap, decoded with
//	                           sigs.k8s.io/yaml's strict reader (kubectl's): a key
//	                           given twice in one mapping is an error.
//	yamlcheck kustomize DIR    `kustomize build DIR` (a kustomization.yaml listing the
//	                           files of a render's --output-dir), as Flux and Argo CD run it.
//
// It prints one line per problem, naming the file, document and field, then a summary,
// and exits 1 when there is any problem.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: yamlcheck strict FILE... | yamlcheck kustomize DIR")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "strict":
		os.Exit(strict(os.Args[2:]))
	case "kustomize":
		os.Exit(kustomize(os.Args[2]))
	default:
		fmt.Fprintf(os.Stderr, "yamlcheck: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

// documents splits a multi-document text on `---` lines, as
// k8s.io/apimachinery's YAML reader does.
func documents(text []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "---" || strings.HasPrefix(line, "--- ") {
			docs = append(docs, append([]byte(nil), cur.Bytes()...))
			cur.Reset()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	docs = append(docs, cur.Bytes())
	var out [][]byte
	for _, d := range docs {
		if len(bytes.TrimSpace(d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// A text that the addon provider renders as a Jinja template before reading it.
var templated = regexp.MustCompile(`\{\{|\{%`)

type checker struct {
	problems, docs, embedded, templatedSkipped int
}

func (c *checker) fail(format string, args ...any) {
	c.problems++
	fmt.Printf(format+"\n", args...)
}

// text checks every document of a YAML text; where names the text in messages.
func (c *checker) text(where string, text []byte, embedded bool) {
	for i, doc := range documents(text) {
		if embedded {
			c.embedded++
		} else {
			c.docs++
		}
		place := fmt.Sprintf("%s: document %d", where, i+1)
		var obj any
		if err := yaml.UnmarshalStrict(doc, &obj); err != nil {
			c.fail("%s: %v", place, err)
			continue
		}
		c.inner(place, obj)
	}
}

// inner checks the YAML texts that an object carries as strings.
func (c *checker) inner(place string, obj any) {
	m, ok := obj.(map[string]any)
	if !ok {
		return
	}
	kind, _ := m["kind"].(string)
	check := func(field string, v any) {
		s, ok := v.(string)
		if !ok {
			return
		}
		if templated.MatchString(s) {
			c.templatedSkipped++
			return
		}
		c.text(place+": "+field, []byte(s), true)
	}
	spec, _ := m["spec"].(map[string]any)
	switch kind {
	case "Manifests":
		sources, _ := spec["manifestSources"].([]any)
		for i, src := range sources {
			if s, ok := src.(map[string]any); ok {
				check(fmt.Sprintf("spec.manifestSources[%d].template", i), s["template"])
			}
		}
	case "HelmRelease":
		sources, _ := spec["valuesSources"].([]any)
		for i, src := range sources {
			if s, ok := src.(map[string]any); ok {
				check(fmt.Sprintf("spec.valuesSources[%d].template", i), s["template"])
			}
		}
	case "Secret", "ConfigMap":
		for _, field := range []string{"stringData", "data"} {
			data, _ := m[field].(map[string]any)
			for k, v := range data {
				if strings.HasSuffix(k, ".yaml") || strings.HasSuffix(k, ".yml") {
					check(field+"."+k, v)
				}
			}
		}
	}
}

func strict(files []string) int {
	c := &checker{}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			c.fail("%s: %v", f, err)
			continue
		}
		c.text(f, text, false)
	}
	fmt.Printf("yamlcheck strict: %d files, %d documents, %d embedded documents, %d Jinja templates not read, %d problems\n",
		len(files), c.docs, c.embedded, c.templatedSkipped, c.problems)
	if c.problems > 0 {
		return 1
	}
	return 0
}

func kustomize(dir string) int {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		fmt.Printf("%s: kustomize build: %v\n", dir, err)
		return 1
	}
	out, err := res.AsYaml()
	if err != nil {
		fmt.Printf("%s: kustomize build: %v\n", dir, err)
		return 1
	}
	fmt.Printf("yamlcheck kustomize: %s: %d resources, %d bytes\n", dir, res.Size(), len(out))
	return 0
}
