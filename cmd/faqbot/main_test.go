package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faqbot/content"
	"faqbot/kb"
	"faqbot/kb/state"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errw)
	return out.String(), errw.String(), err
}

// TestAskStdinAligned: one output line per input line, blank lines included.
func TestAskStdinAligned(t *testing.T) {
	in := "医保卡丢了怎么办\n\n   \nHow do I file for remote care?\n今天天气怎么样\n\xff\xfe\nno newline at end"
	out, _, err := runCmd(t, in, "ask")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d output lines for 7 input lines:\n%s", len(lines), out)
	}
	if !strings.HasPrefix(lines[0], "医保卡丢了怎么去医院看病") {
		t.Errorf("line 1 = %q", lines[0])
	}
	for i, l := range lines {
		if l == "" {
			t.Errorf("line %d empty", i+1)
		}
	}
}

func TestAskJSON(t *testing.T) {
	out, _, err := runCmd(t, "", "ask", "-json", "医保卡丢了怎么办", "hello")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var got []map[string]any
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 2 {
		t.Fatalf("%d objects", len(got))
	}
	for _, key := range []string{"question", "answered", "id", "lang", "title", "score", "snippet", "disclaimer", "text", "alternatives"} {
		if _, ok := got[0][key]; !ok {
			t.Errorf("ask -json lacks %q", key)
		}
	}
	if got[0]["id"] != "lost-card" || got[1]["answered"] != false || got[1]["id"] != "" {
		t.Errorf("got %v / %v", got[0]["id"], got[1])
	}
}

func TestEvalBars(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "q.tsv")
	os.WriteFile(file, []byte("question\texpected\n医保卡丢了怎么办\tlost-card\n南昌废品回收价格表\t-\n医保卡丢了怎么办\tfamily-bind\n"), 0o644)
	out, _, err := runCmd(t, "", "eval", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "top1=0.500 top3=") || !strings.Contains(out, "abstain=1.000 n=3") || !strings.Contains(out, "miss line 4") {
		t.Errorf("eval output:\n%s", out)
	}
	if _, _, err := runCmd(t, "", "eval", "-min-top1", "0.9", file); !errors.Is(err, errFailed) {
		t.Errorf("below the bar: err = %v, want exit 1", err)
	}
	if _, _, err := runCmd(t, "", "eval", "-min-top1", "0.5", "-min-abstain", "1", file); err != nil {
		t.Errorf("at the bar: %v", err)
	}
}

func TestLintBrokenContent(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := k.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "", "lint", "-content", dir); err != nil || !strings.Contains(out, "ok: 48 articles") {
		t.Fatalf("lint of good content: %v %s", err, out)
	}
	os.Remove(filepath.Join(dir, "en", "lost-card.md"))
	_, stderr, err := runCmd(t, "", "lint", "-content", dir)
	if !errors.Is(err, errFailed) || !strings.Contains(stderr, "zh/lost-card.md:2: missing language twin en/lost-card.md") {
		t.Errorf("lint: err=%v stderr=%s", err, stderr)
	}
	if _, stderr, err := runCmd(t, "", "reindex", "-content", dir, "-data", t.TempDir()); !errors.Is(err, errFailed) || !strings.Contains(stderr, "missing language twin") {
		t.Errorf("reindex of broken content: err=%v stderr=%s", err, stderr)
	}
}

func TestConfigErrorsListedTogether(t *testing.T) {
	t.Setenv("WECHAT_AES_KEY", "short")
	t.Setenv("TELEGRAM_WEBHOOK_URL", "ftp://x")
	t.Setenv("TELEGRAM_OPERATORS", "12,abc")
	_, _, err := runCmd(t, "", "serve", "-log-level", "loud")
	if !errors.Is(err, errUsage) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"WECHAT_AES_KEY: want the 43-character", "WECHAT_APPID is not", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_OPERATORS", "-log-level", "TELEGRAM_TOKEN is not"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("config error lacks %s:\n%v", want, err)
		}
	}
}

func TestHelp(t *testing.T) {
	out, _, err := runCmd(t, "", "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help lacks %s", c.name)
		}
		if c.run == nil {
			continue
		}
		h, _, err := runCmd(t, "", "help", c.name)
		if err != nil || !strings.Contains(h, "-content") || !strings.Contains(h, "usage: faqbot "+c.name) {
			t.Errorf("help %s: %v\n%s", c.name, err, h)
		}
	}
	if _, _, err := runCmd(t, "", "frobnicate"); !errors.Is(err, errUsage) {
		t.Errorf("unknown command: %v", err)
	}
}

// TestReindexOffline: the first run builds the on-disk index, the second
// compares against it and reports; the server's data directory is refused.
func TestReindexOffline(t *testing.T) {
	data := t.TempDir()
	out, _, err := runCmd(t, "", "reindex", "-data", data)
	if err != nil || !strings.Contains(out, "built the first index: 48 articles") {
		t.Fatalf("first reindex: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "", "reindex", "-data", data)
	if err != nil || !strings.Contains(out, "changed: 0") || !strings.Contains(out, "titles top-1 96/96") {
		t.Fatalf("second reindex: %v\n%s", err, out)
	}
	s, err := state.Open(data) // as a running server would
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := runCmd(t, "", "reindex", "-data", data); !errors.Is(err, state.ErrLocked) || !strings.Contains(err.Error(), "-server URL") {
		t.Errorf("reindex beside a running server: %v", err)
	}
}
