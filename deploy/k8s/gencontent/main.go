// Command gencontent turns a faqbot content tree into the Kubernetes
// ConfigMap "faqbot-content" and the Deployment patch that mounts it at
// /content with the tree's layout.
//
// ConfigMap keys cannot contain "/", so zh/lost-card.md is stored under the
// key "zh.lost-card.md" and the volume's items map it back to its path.
// Run from the repository root:
//
//	go run ./deploy/k8s/gencontent [-content content] [-out deploy/k8s/generated] [-rollout]
//	kubectl apply -k deploy/k8s
//
// With -rollout the patch also stamps the content's SHA-256 on the pod
// template, so every content change rolls the pods (the alternative to the
// live reindex Job).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Names shared with deployment.yaml and kustomization.yaml.
const (
	configMapName  = "faqbot-content"
	deploymentName = "faqbot"
	volumeName     = "content"
	hashAnnotation = "faqbot/content-sha256"
	// maxConfigMapBytes is the API server's limit on a ConfigMap's data.
	maxConfigMapBytes = 1 << 20
)

// keyRe is what Kubernetes accepts as a ConfigMap key.
var keyRe = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

func main() {
	content := flag.String("content", "content", "the content tree to pack")
	out := flag.String("out", filepath.Join("deploy", "k8s", "generated"), "directory for content.yaml and content-volume.yaml")
	rollout := flag.Bool("rollout", false, "stamp the content hash on the pod template so a content change rolls the pods")
	flag.Parse()
	if err := run(*content, *out, *rollout); err != nil {
		fmt.Fprintln(os.Stderr, "gencontent:", err)
		os.Exit(1)
	}
}

func run(content, out string, rollout bool) error {
	files, err := collect(os.DirFS(content))
	if err != nil {
		return fmt.Errorf("%s: %w", content, err)
	}
	cm, patch, err := manifests(files, rollout)
	if err != nil {
		return fmt.Errorf("%s: %w", content, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, data := range map[string][]byte{"content.yaml": cm, "content-volume.yaml": patch} {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d files -> %s/content.yaml, %s/content-volume.yaml\n", len(files), out, out)
	return nil
}

// file is one file of the tree: its path in the tree and its ConfigMap key.
type file struct {
	path, key string
	data      []byte
}

// collect reads what faqbot loads from a content tree: the files at the top
// (disclaimers, synonyms, scope, regression questions) and one level of
// directories (zh/, en/). Go sources and hidden files are not content.
func collect(fsys fs.FS) ([]file, error) {
	var files []file
	keys := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := d.Name()
		if p != "." && strings.HasPrefix(base, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		depth := strings.Count(p, "/")
		switch {
		case d.IsDir() && p != "." && depth > 0:
			return fmt.Errorf("%s: nested directories do not fit a ConfigMap volume", p)
		case d.IsDir(), strings.HasSuffix(base, ".go"), !d.Type().IsRegular():
			return nil
		}
		key := strings.ReplaceAll(p, "/", ".")
		if !keyRe.MatchString(key) {
			return fmt.Errorf("%s: %q is not a valid ConfigMap key (want letters, digits, - _ .)", p, key)
		}
		if other, dup := keys[key]; dup {
			return fmt.Errorf("%s and %s both map to the key %q", other, p, key)
		}
		keys[key] = p
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, file{path: p, key: key, data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no content files")
	}
	sort.Slice(files, func(i, j int) bool { return files[i].key < files[j].key })
	return files, nil
}

// manifests renders the ConfigMap and the Deployment patch.
func manifests(files []file, rollout bool) (cm, patch []byte, err error) {
	data, binary := map[string]string{}, map[string][]byte{}
	size := 0
	h := sha256.New()
	for _, f := range files {
		size += len(f.data)
		fmt.Fprintf(h, "%s\x00%d\x00", f.path, len(f.data))
		h.Write(f.data)
		if utf8.Valid(f.data) {
			data[f.key] = string(f.data)
		} else {
			binary[f.key] = f.data
		}
	}
	if size > maxConfigMapBytes {
		return nil, nil, fmt.Errorf("%d bytes of content exceed a ConfigMap's %d: split it or bake it into the image", size, maxConfigMapBytes)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	meta := map[string]any{
		"name":        configMapName,
		"labels":      map[string]string{"app.kubernetes.io/name": "faqbot", "app.kubernetes.io/component": "content"},
		"annotations": map[string]string{hashAnnotation: sum},
	}
	doc := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}
	if len(binary) > 0 {
		doc["binaryData"] = binary
	}
	if cm, err = render("ConfigMap "+configMapName+": the content tree, one key per file (generated by gencontent; do not edit).", doc); err != nil {
		return nil, nil, err
	}

	items := make([]map[string]string, len(files))
	for i, f := range files {
		items[i] = map[string]string{"key": f.key, "path": path.Clean(f.path)}
	}
	template := map[string]any{"spec": map[string]any{"volumes": []any{map[string]any{
		"name": volumeName, "configMap": map[string]any{"name": configMapName, "items": items},
	}}}}
	if rollout {
		template["metadata"] = map[string]any{"annotations": map[string]string{hashAnnotation: sum}}
	}
	doc = map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": deploymentName},
		"spec":     map[string]any{"template": template},
	}
	patch, err = render("Lays the ConfigMap's keys out as the content tree under /content (generated by gencontent; do not edit).", doc)
	return cm, patch, err
}

func render(comment string, doc any) ([]byte, error) {
	var b strings.Builder
	b.WriteString("# " + comment + "\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
