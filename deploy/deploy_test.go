package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// docs reads every YAML document of a file into generic maps.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if m != nil {
			out = append(out, m)
		}
	}
}

// get walks a decoded YAML tree: keys for maps, ints for lists.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

// manifests is every Kubernetes object in deploy/k8s, by kind and name.
func manifests(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in k8s/: %v", err)
	}
	objs := map[string]map[string]any{}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		for _, d := range docs(t, f) {
			kind, name := str(d, "kind"), str(d, "metadata", "name")
			if name == "" {
				name = str(d, "metadata", "generateName")
			}
			if str(d, "apiVersion") == "" || kind == "" || name == "" {
				t.Errorf("%s: a document without apiVersion, kind or metadata.name", f)
				continue
			}
			objs[kind+"/"+name] = d
		}
	}
	return objs
}

func labels(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

// selects reports whether a selector's labels all appear in a pod's labels.
func selects(sel, pod map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if pod[k] != v {
			return false
		}
	}
	return true
}

func container(pod any, name string) any {
	l, _ := get(pod, "spec", "containers").([]any)
	for _, c := range l {
		if str(c, "name") == name {
			return c
		}
	}
	return nil
}

func envValue(c any, name string) (string, bool) {
	l, _ := get(c, "env").([]any)
	for _, e := range l {
		if str(e, "name") == name {
			return str(e, "value"), true
		}
	}
	return "", false
}

func TestKubernetes(t *testing.T) {
	objs := manifests(t)
	dep := objs["Deployment/faqbot"]
	if dep == nil {
		t.Fatalf("no Deployment faqbot; have %v", slices.Sorted(maps.Keys(objs)))
	}
	pod := get(dep, "spec", "template")
	podLabels := labels(get(pod, "metadata", "labels"))
	c := container(pod, "faqbot")

	checks := []struct {
		what      string
		got, want any
	}{
		{"replicas", get(dep, "spec", "replicas"), 3},
		{"rollout keeps every replica", get(dep, "spec", "strategy", "rollingUpdate", "maxUnavailable"), 0},
		{"liveness probe", str(c, "livenessProbe", "httpGet", "path"), "/healthz"},
		{"readiness probe", str(c, "readinessProbe", "httpGet", "path"), "/readyz"},
		{"startup probe", str(c, "startupProbe", "httpGet", "path"), "/healthz"},
		{"runAsNonRoot", get(pod, "spec", "securityContext", "runAsNonRoot"), true},
		{"readOnlyRootFilesystem", get(c, "securityContext", "readOnlyRootFilesystem"), true},
		{"allowPrivilegeEscalation", get(c, "securityContext", "allowPrivilegeEscalation"), false},
		{"capabilities", get(c, "securityContext", "capabilities", "drop", 0), "ALL"},
		{"memory limit", str(c, "resources", "limits", "memory") != "", true},
		{"cpu request", str(c, "resources", "requests", "cpu") != "", true},
		{"service links off (FAQBOT_* collisions)", get(pod, "spec", "enableServiceLinks"), false},
		{"PDB minAvailable", get(objs["PodDisruptionBudget/faqbot"], "spec", "minAvailable"), 2},
		// Telegram off until configured: a webhook URL without a token
		// would stop every pod from starting.
		{"no Telegram webhook URL by default", get(objs["ConfigMap/faqbot-env"], "data", "TELEGRAM_WEBHOOK_URL"), nil},
		// The ingress is the TCP peer: without trusted proxies every
		// visitor shares one client's limits.
		{"trusted proxies set", str(objs["ConfigMap/faqbot-env"], "data", "FAQBOT_TRUSTED_PROXIES") != "", true},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.what, ch.got, ch.want)
		}
	}

	// Every selector picks the server pods, and only them.
	for _, sel := range []struct{ name string }{{"Deployment/faqbot"}, {"PodDisruptionBudget/faqbot"}} {
		if !selects(labels(get(objs[sel.name], "spec", "selector", "matchLabels")), podLabels) {
			t.Errorf("%s does not select the pods %v", sel.name, podLabels)
		}
	}
	for _, svc := range []string{"Service/faqbot", "Service/faqbot-pods"} {
		if !selects(labels(get(objs[svc], "spec", "selector")), podLabels) {
			t.Errorf("%s does not select the pods %v", svc, podLabels)
		}
		if str(objs[svc], "spec", "ports", 0, "targetPort") != str(c, "ports", 0, "name") {
			t.Errorf("%s targets a port the container does not name", svc)
		}
	}
	if str(objs["Service/faqbot-pods"], "spec", "clusterIP") != "None" {
		t.Errorf("Service faqbot-pods must be headless (the reindex Job resolves every pod)")
	}

	// -data is a writable per-pod volume; content is mounted where FAQBOT_CONTENT says.
	mounts := map[string]string{}
	for _, m := range get(c, "volumeMounts").([]any) {
		mounts[str(m, "mountPath")] = str(m, "name")
	}
	vols := map[string]any{}
	for _, v := range get(pod, "spec", "volumes").([]any) {
		vols[str(v, "name")] = v
	}
	if data, _ := envValue(c, "FAQBOT_DATA"); data != "/data" || vols[mounts["/data"]] == nil || get(vols[mounts["/data"]], "emptyDir") == nil {
		t.Errorf("FAQBOT_DATA=%q: want /data on an emptyDir volume", data)
	}
	if cdir, _ := envValue(c, "FAQBOT_CONTENT"); cdir != "/content" || str(vols[mounts["/content"]], "configMap", "name") != "faqbot-content" {
		t.Errorf("FAQBOT_CONTENT=%q: want /content mounted from the ConfigMap faqbot-content", cdir)
	}
	if !slices.Contains(anyStrings(get(c, "args")), "serve") {
		t.Errorf("the container does not run `faqbot serve`: %v", get(c, "args"))
	}

	// The reindex Job: its pods are not server pods, it reindexes every
	// pod behind the headless Service with the admin token from the Secret.
	// It is the template of a suspended CronJob (kustomize sets its image;
	// runs are `kubectl create job --from=cronjob/faqbot-reindex`).
	cron := objs["CronJob/faqbot-reindex"]
	if cron == nil {
		t.Fatal("no reindex CronJob faqbot-reindex")
	}
	if get(cron, "spec", "suspend") != true {
		t.Error("the reindex CronJob must be suspended: it is a template, runs are created by hand")
	}
	job := get(cron, "spec", "jobTemplate").(map[string]any)
	jpod := get(job, "spec", "template")
	if selects(labels(get(dep, "spec", "selector", "matchLabels")), labels(get(jpod, "metadata", "labels"))) {
		t.Errorf("the Deployment's selector picks the Job's pods")
	}
	jc := get(jpod, "spec", "containers", 0)
	script := strings.Join(anyStrings(get(jc, "args")), "\n")
	for _, want := range []string{"faqbot reindex -server", "$PODS", "HTTP 409"} {
		if !strings.Contains(script, want) {
			t.Errorf("the Job's script lacks %q", want)
		}
	}
	if pods, _ := envValue(jc, "PODS"); "Service/"+pods != "Service/faqbot-pods" {
		t.Errorf("the Job resolves %q, want the headless Service faqbot-pods", pods)
	}
	tok := envRef(jc, "FAQBOT_ADMIN_TOKEN")
	if str(tok, "secretKeyRef", "name") != "faqbot-secrets" || str(tok, "secretKeyRef", "key") != "FAQBOT_ADMIN_TOKEN" {
		t.Errorf("the Job's FAQBOT_ADMIN_TOKEN does not come from the Secret: %v", tok)
	}

	// The example Secret holds no real values.
	sec := objs["Secret/faqbot-secrets"]
	data, _ := get(sec, "stringData").(map[string]any)
	if len(data) == 0 {
		t.Fatal("the example Secret lists no keys")
	}
	for k, v := range data {
		if v != "" {
			t.Errorf("secret.example.yaml: %s has a value; the example must hold none", k)
		}
	}
	for _, k := range []string{"FAQBOT_ADMIN_TOKEN", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WECHAT_TOKEN", "WECHAT_AES_KEY"} {
		if _, ok := data[k]; !ok {
			t.Errorf("secret.example.yaml lacks %s", k)
		}
	}
}

func envRef(c any, name string) any {
	l, _ := get(c, "env").([]any)
	for _, e := range l {
		if str(e, "name") == name {
			return get(e, "valueFrom")
		}
	}
	return nil
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestCompose(t *testing.T) {
	d := docs(t, "compose.yaml")
	if len(d) != 1 {
		t.Fatalf("compose.yaml: %d documents, want 1", len(d))
	}
	svc := get(d[0], "services", "faqbot")
	checks := []struct {
		what      string
		got, want any
	}{
		{"dockerfile", str(svc, "build", "dockerfile"), "deploy/Dockerfile"},
		{"env_file", str(svc, "env_file", 0, "path"), "./faqbot.env"},
		{"restart", str(svc, "restart"), "unless-stopped"},
		{"data volume", str(svc, "volumes", 0), "faqbot-data:/data"},
		{"FAQBOT_DATA", str(svc, "environment", "FAQBOT_DATA"), "/data"},
		{"read_only", get(svc, "read_only"), true},
		{"named volume declared", get(d[0], "volumes") != nil && slices.Contains(slices.Collect(maps.Keys(get(d[0], "volumes").(map[string]any))), "faqbot-data"), true},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.what, ch.got, ch.want)
		}
	}
}

// unit parses a systemd unit into directive → values (repeats kept).
func unit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not a directive", path, line)
			continue
		}
		out[k] = append(out[k], v)
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	u := unit(t, "systemd/faqbot.service")
	want := map[string]string{
		"DynamicUser":             "yes",
		"ProtectSystem":           "strict",
		"StateDirectory":          "faqbot",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"MemoryDenyWriteExecute":  "yes",
		"SystemCallFilter":        "@system-service",
		"ExecStart":               "/usr/local/bin/faqbot serve -data /var/lib/faqbot",
		"ExecReload":              "/bin/kill -HUP $MAINPID",
		"EnvironmentFile":         "-/etc/faqbot/faqbot.env",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	}
	for k, v := range want {
		if !slices.Contains(u[k], v) {
			t.Errorf("%s=%q: got %q", k, v, u[k])
		}
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(s, -1)
	if len(froms) < 2 || froms[len(froms)-1][1] != "scratch" {
		t.Errorf("want a multi-stage build ending FROM scratch (the default target), got %v", froms)
	}
	for _, want := range []string{
		"CGO_ENABLED=0", "go build -trimpath -ldflags='-s -w'", "./cmd/faqbot",
		"ca-certificates.crt", "USER 65532:65532", `VOLUME ["/data"]`, "EXPOSE 8080", `ENTRYPOINT ["/faqbot"]`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?m)^HEALTHCHECK`).MatchString(s) {
		t.Errorf("a HEALTHCHECK cannot run in an image with no shell or probe command")
	}
}

// Every variable that the deploy files set is one faqbot reads: a typo here
// would be silently ignored by the server.
func TestKnownVariables(t *testing.T) {
	src, err := os.ReadFile("../cmd/faqbot/config.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"GOMEMLIMIT": true, "PODS": true, "PORT": true, "EXPECTED_REPLICAS": true, "SETTLE_SECONDS": true}
	for _, m := range regexp.MustCompile(`"((?:FAQBOT|TELEGRAM|WECHAT)_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		known[m[1]] = true
	}
	if !known["FAQBOT_ADMIN_TOKEN"] || !known["TELEGRAM_TOKEN"] {
		t.Fatalf("config.go no longer names the variables as string literals: %v", known)
	}
	varRe := regexp.MustCompile(`\b((?:FAQBOT|TELEGRAM|WECHAT)_[A-Z_]+)\b\s*[:=]|name:\s*((?:FAQBOT|TELEGRAM|WECHAT)_[A-Z_]+)\b`)
	files, _ := filepath.Glob("k8s/*.yaml")
	files = append(files, "compose.yaml", "faqbot.env.example", "systemd/faqbot.service")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range varRe.FindAllStringSubmatch(string(data), -1) {
			name := m[1] + m[2]
			if !known[name] {
				t.Errorf("%s sets %s, which faqbot does not read", f, name)
			}
		}
	}
}

// README.md documents every variable faqbot reads.
func TestReadmeListsEveryVariable(t *testing.T) {
	src, err := os.ReadFile("../cmd/faqbot/config.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`"((?:FAQBOT|TELEGRAM|WECHAT)_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(vars) < 10 {
		t.Fatalf("found only %d variables in config.go", len(vars))
	}
	for _, m := range vars {
		if !strings.Contains(string(readme), "| `"+m[1]+"` |") {
			t.Errorf("README.md's configuration table lacks %s", m[1])
		}
	}
}

// The example Ingresses route only public paths, to the Service faqbot.
func TestIngressExample(t *testing.T) {
	objs := manifests(t)
	n := 0
	for k, ing := range objs {
		if !strings.HasPrefix(k, "Ingress/") {
			continue
		}
		rules, _ := get(ing, "spec", "rules").([]any)
		for _, r := range rules {
			paths, _ := get(r, "http", "paths").([]any)
			for _, p := range paths {
				n++
				path := str(p, "path")
				if strings.HasPrefix(path, "/admin") || strings.HasPrefix(path, "/metrics") || path == "/" && str(p, "pathType") != "Exact" {
					t.Errorf("%s exposes %s (%s)", k, path, str(p, "pathType"))
				}
				if str(p, "backend", "service", "name") != "faqbot" || str(p, "backend", "service", "port", "name") != "http" {
					t.Errorf("%s routes %s elsewhere than Service faqbot port http", k, path)
				}
			}
		}
		if path := str(get(ing, "spec", "rules", 0, "http", "paths", 0), "path"); path == "/wechat" &&
			str(ing, "metadata", "annotations", "nginx.ingress.kubernetes.io/upstream-hash-by") != "$arg_openid" {
			t.Errorf("%s: /wechat must hash on the openid so a user's session stays on one replica", k)
		}
	}
	if n < 4 {
		t.Errorf("the example routes %d paths, want /, /api/, /telegram, /wechat", n)
	}
}

// TestKustomizeSetsEveryImage: every container image in the resources
// kustomization.yaml lists (the server's and the reindex Job's) is named in
// its images list, so `kustomize edit set image` points all of them at the
// registry; and the Job is among the resources.
func TestKustomizeSetsEveryImage(t *testing.T) {
	k := docs(t, "k8s/kustomization.yaml")[0]
	named := map[string]bool{}
	for _, im := range get(k, "images").([]any) {
		named[str(im, "name")] = true
	}
	var images []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["image"].(string); ok {
				images = append(images, s)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	resources := anyStrings(get(k, "resources"))
	if !slices.Contains(resources, "reindex-job.yaml") {
		t.Errorf("kustomization.yaml does not list reindex-job.yaml: %v", resources)
	}
	for _, r := range resources {
		if strings.HasPrefix(r, "generated/") {
			continue
		}
		for _, d := range docs(t, filepath.Join("k8s", r)) {
			walk(d)
		}
	}
	if len(images) < 2 {
		t.Fatalf("images found: %v", images)
	}
	for _, im := range images {
		name, _, _ := strings.Cut(im, ":")
		if !named[name] {
			t.Errorf("image %q is not in kustomization.yaml's images: kustomize would leave it as is", im)
		}
	}
}
