package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
	if out, _, err := runCmd(t, "", "lint", "-content", dir); err != nil || !strings.Contains(out, fmt.Sprintf("ok: %d articles", len(k.Articles("zh")))) {
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
	// Every problem is on its own indented line.
	lines := strings.Split(err.Error(), "\n")
	if len(lines) < 7 {
		t.Errorf("want one line per problem:\n%v", err)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "  ") {
			t.Errorf("line not indented: %q", l)
		}
	}
}

// TestConfigErrorNamesTheSource: a setting is named the way the user set
// it, by its environment variable or by its flag.
func TestConfigErrorNamesTheSource(t *testing.T) {
	t.Setenv("FAQBOT_LOG_LEVEL", "loud")
	_, _, err := runCmd(t, "", "lint")
	if err == nil || !strings.Contains(err.Error(), `  FAQBOT_LOG_LEVEL "loud"`) {
		t.Errorf("from the environment: %v", err)
	}
	_, _, err = runCmd(t, "", "lint", "-log-level", "louder")
	if err == nil || !strings.Contains(err.Error(), `  -log-level "louder"`) {
		t.Errorf("from a flag: %v", err)
	}
	t.Setenv("FAQBOT_LOG_LEVEL", "info")
	t.Setenv("FAQBOT_ADDR", "nonsense")
	_, _, err = runCmd(t, "", "serve", "-data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), `FAQBOT_ADDR "nonsense"`) {
		t.Errorf("address from the environment: %v", err)
	}
}

// TestServeBadAddress: a bad address or a busy port fails at once, before
// the index is built.
func TestServeBadAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, addr := range []string{"nonsense", busy.Addr().String()} {
		start := time.Now()
		_, stderr, err := runCmd(t, "", "serve", "-addr", addr, "-data", t.TempDir())
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), `-addr "`+addr+`": cannot listen`) {
			t.Errorf("serve -addr %s: err = %v", addr, err)
		}
		if took > 2*time.Second || strings.Contains(stderr, "relay") {
			t.Errorf("serve -addr %s failed after %s, front ends started: %q", addr, took, stderr)
		}
	}
}

// TestHelpServe: usage lines read [flags], boolean flags take no value and
// serve lists its environment-only settings by name, never their values.
func TestHelpServe(t *testing.T) {
	t.Setenv("TELEGRAM_TOKEN", "secret-telegram-token")
	out, _, err := runCmd(t, "", "help", "serve")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "usage: faqbot serve [flags]\n") {
		t.Errorf("usage line: %q", strings.SplitN(out, "\n", 2)[0])
	}
	for _, env := range []string{"TELEGRAM_TOKEN", "TELEGRAM_API_ENDPOINT", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_OPERATORS",
		"WECHAT_TOKEN", "WECHAT_AES_KEY", "WECHAT_APPID", "FAQBOT_ADMIN_TOKEN", "FAQBOT_RELAY_SECRET", "FAQBOT_ADDR"} {
		if !strings.Contains(out, env) {
			t.Errorf("help serve lacks %s", env)
		}
	}
	// Every variable config.go reads is in the help (a flag's [VAR] or the environment list).
	src, _ := os.ReadFile("config.go")
	for _, m := range regexp.MustCompile(`"((?:FAQBOT|TELEGRAM|WECHAT)_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		if !strings.Contains(out, m[1]) {
			t.Errorf("help serve lacks %s, which faqbot reads", m[1])
		}
	}
	if strings.Contains(out, "secret-telegram-token") {
		t.Error("help serve prints a secret")
	}
	out, _, _ = runCmd(t, "", "help", "stats")
	if !strings.Contains(out, "  -suggest\n") || !strings.Contains(out, "usage: faqbot stats [flags]\n") {
		t.Errorf("help stats:\n%s", out)
	}
}

// TestChat: the terminal conversation's commands.
func TestChat(t *testing.T) {
	in := "/help\n谢谢\nthanks!\n1\n/lang\n/lang en\n/lang\n/lang auto\n异地就医备案怎么办理\n5\n"
	out, _, err := runCmd(t, in, "chat")
	if err != nil {
		t.Fatal(err)
	}
	replies := strings.Split(out, "\n> ")
	reply := func(i int) string { return replies[i+1] }
	if !strings.Contains(reply(0), "/lang zh|en") || !strings.Contains(reply(0), "/a <id>") || !strings.Contains(reply(0), "1, 2, 3") {
		t.Errorf("/help: %q", reply(0))
	}
	if !strings.Contains(reply(1), "不客气") || strings.Contains(reply(1), "您好") {
		t.Errorf("谢谢: %q", reply(1))
	}
	if !strings.Contains(reply(2), "You're welcome") || strings.Contains(reply(2), "Hello") {
		t.Errorf("thanks: %q", reply(2))
	}
	if !strings.Contains(reply(3), "no suggestion") {
		t.Errorf("1 without suggestions: %q", reply(3))
	}
	if !strings.Contains(reply(4), "language: auto") || !strings.Contains(reply(6), "language: en") || !strings.Contains(reply(7), "language: auto") {
		t.Errorf("/lang: %q %q %q", reply(4), reply(6), reply(7))
	}
	answer := reply(8)
	if !strings.Contains(answer, "[1] ") || !strings.Contains(answer, "[/a remote-filing: full article]") {
		t.Fatalf("answer: %q", answer)
	}
	first := strings.SplitN(strings.SplitN(answer, "[1] ", 2)[1], "\n", 2)[0]
	if strings.Count(answer, first) != 1 {
		t.Errorf("runner-up %q printed more than once:\n%s", first, answer)
	}
	if !strings.Contains(reply(9), "no suggestion 5") {
		t.Errorf("5: %q", reply(9))
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
	if err != nil || !strings.Contains(out, "built the first index: 110 articles") {
		t.Fatalf("first reindex: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "", "reindex", "-data", data)
	if err != nil || !strings.Contains(out, "changed: 0") || !strings.Contains(out, "titles top-1 220/220") {
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
	if _, _, err := runCmd(t, "", "stats", "-data", data); !errors.Is(err, state.ErrLocked) || !strings.Contains(err.Error(), "faqbot stats -server") {
		t.Errorf("stats beside a running server: %v", err)
	}
}
