package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"faqbot/kb"
)

// contentDir is the repository's content tree, from this package's directory.
const contentDir = "../../../content"

// mountedFS lays a generated ConfigMap out as the kubelet does: each item's
// key's value at the item's path.
func mountedFS(t *testing.T, cm, patch []byte) fstest.MapFS {
	t.Helper()
	var c struct {
		Kind string `yaml:"kind"`
		Meta struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
		BinaryData map[string][]byte `yaml:"binaryData"`
	}
	if err := yaml.Unmarshal(cm, &c); err != nil {
		t.Fatalf("ConfigMap is not YAML: %v", err)
	}
	if c.Kind != "ConfigMap" || c.Meta.Name != configMapName {
		t.Fatalf("got %s %q, want ConfigMap %q", c.Kind, c.Meta.Name, configMapName)
	}
	var p struct {
		Kind string `yaml:"kind"`
		Meta struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			Template struct {
				Spec struct {
					Volumes []struct {
						Name      string `yaml:"name"`
						ConfigMap struct {
							Name  string `yaml:"name"`
							Items []struct{ Key, Path string }
						} `yaml:"configMap"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(patch, &p); err != nil {
		t.Fatalf("patch is not YAML: %v", err)
	}
	vols := p.Spec.Template.Spec.Volumes
	if p.Kind != "Deployment" || p.Meta.Name != deploymentName || len(vols) != 1 || vols[0].Name != volumeName || vols[0].ConfigMap.Name != configMapName {
		t.Fatalf("patch does not target volume %q of Deployment %q: %+v", volumeName, deploymentName, p)
	}
	fsys := fstest.MapFS{}
	for _, it := range vols[0].ConfigMap.Items {
		if s, ok := c.Data[it.Key]; ok {
			fsys[it.Path] = &fstest.MapFile{Data: []byte(s)}
		} else if b, ok := c.BinaryData[it.Key]; ok {
			fsys[it.Path] = &fstest.MapFile{Data: b}
		} else {
			t.Fatalf("item %q names no key of the ConfigMap", it.Key)
		}
	}
	if len(fsys) != len(c.Data)+len(c.BinaryData) {
		t.Errorf("%d items for %d keys: a key is not mounted", len(fsys), len(c.Data)+len(c.BinaryData))
	}
	return fsys
}

// The content as mounted from the generated ConfigMap is the same knowledge
// base, byte for byte, as the checkout it was generated from.
func TestGeneratedContentLoads(t *testing.T) {
	want, err := kb.Load(os.DirFS(contentDir))
	if err != nil {
		t.Fatalf("load %s: %v", contentDir, err)
	}
	out := t.TempDir()
	if err := run(contentDir, out, true); err != nil {
		t.Fatal(err)
	}
	cm, err := os.ReadFile(filepath.Join(out, "content.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	patch, err := os.ReadFile(filepath.Join(out, "content-volume.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mounted := mountedFS(t, cm, patch)
	got, err := kb.Load(mounted)
	if err != nil {
		t.Fatalf("the mounted ConfigMap does not load: %v", err)
	}
	if got.Hash() != want.Hash() || len(got.IDs()) != len(want.IDs()) {
		t.Errorf("mounted content differs: %d articles hash %s, want %d articles hash %s", len(got.IDs()), got.Hash(), len(want.IDs()), want.Hash())
	}
	for name, f := range mounted {
		disk, err := os.ReadFile(filepath.Join(contentDir, name))
		if err != nil || string(disk) != string(f.Data) {
			t.Errorf("%s: mounted bytes differ from the checkout (%v)", name, err)
		}
	}
	if !strings.Contains(string(patch), hashAnnotation) {
		t.Errorf("-rollout: the pod template lacks the %s annotation", hashAnnotation)
	}
}

func TestCollect(t *testing.T) {
	big := strings.Repeat("x", maxConfigMapBytes/2+1)
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr string // "" = success
		keys    []string
	}{
		{"layout", fstest.MapFS{
			"zh/a.md": {Data: []byte("zh")}, "en/a.md": {Data: []byte("en")},
			"synonyms.txt": {Data: []byte("s")}, "doc.go": {Data: []byte("package content")},
			".hidden": {Data: []byte("h")}, ".git/x": {Data: []byte("g")},
			"bin.dat": {Data: []byte{0xff, 0xfe}},
		}, "", []string{"bin.dat", "en.a.md", "synonyms.txt", "zh.a.md"}},
		{"nested", fstest.MapFS{"zh/x/a.md": {Data: []byte("a")}}, "nested directories", nil},
		{"bad key", fstest.MapFS{"zh/a b.md": {Data: []byte("a")}}, "not a valid ConfigMap key", nil},
		{"duplicate key", fstest.MapFS{"zh/a.md": {Data: []byte("a")}, "zh.a.md": {Data: []byte("b")}}, "both map to the key", nil},
		{"empty", fstest.MapFS{"doc.go": {Data: []byte("package content")}}, "no content files", nil},
		{"too big", fstest.MapFS{"a.txt": {Data: []byte(big)}, "b.txt": {Data: []byte(big)}}, "exceed a ConfigMap", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := collect(tt.fsys)
			if err == nil {
				_, _, err = manifests(files, false)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, f := range files {
				keys = append(keys, f.key)
			}
			if strings.Join(keys, " ") != strings.Join(tt.keys, " ") {
				t.Errorf("keys = %v, want %v", keys, tt.keys)
			}
			cm, patch, err := manifests(files, false)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(patch), hashAnnotation) {
				t.Errorf("without -rollout the pod template must not carry %s", hashAnnotation)
			}
			mounted := mountedFS(t, cm, patch)
			for p, f := range tt.fsys {
				if m, ok := mounted[p]; ok && string(m.Data) != string(f.Data) {
					t.Errorf("%s: mounted %q, want %q", p, m.Data, f.Data)
				}
			}
			if _, ok := mounted["bin.dat"]; !ok {
				t.Errorf("binary file not mounted")
			}
		})
	}
}
