package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faqbot/bot/bottest"
	"faqbot/content"
	"faqbot/kb"
	"faqbot/kb/state/postgres/pgtest"
)

// TestServe starts the real server on loopback: probes, the relay, metrics,
// the admin reindex, then a graceful shutdown; the logs must hold no secret
// and no raw user id.
func TestServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an on-disk index and serves every route: skipped with -short")
	}
	const adminToken = "admin-token-do-not-log"
	const rawUser = "wx-user-raw-id-12345"
	cfg := defaultConfig()
	cfg.Data = t.TempDir()
	cfg.AdminToken = adminToken
	cfg.Web.Secret = ""
	var logs bottest.LogBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	srv, err := newServer(ctx, cfg, log, stdio{strings.NewReader(""), io.Discard, &stderr})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, ln); srv.close() }()
	base := "http://" + ln.Addr().String()

	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", p, resp, err)
		}
		resp.Body.Close()
	}
	body := `{"question":"医保卡丢了怎么办","user":"` + rawUser + `"}`
	resp, err := http.Post(base+"/api/ask", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Answered   bool
		ID         string
		Disclaimer string
	}
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != 200 || !a.Answered || a.ID != "lost-card" || a.Disclaimer == "" {
		t.Errorf("/api/ask: %d %+v", resp.StatusCode, a)
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/admin/reindex", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin reindex: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest(http.MethodPost, base+"/admin/reindex", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("admin with a wrong token: %v %v", resp.StatusCode, err)
	}

	// The operator command switches the running server.
	t.Setenv("FAQBOT_ADMIN_TOKEN", adminToken)
	if out, _, err := runCmd(t, "", "reindex", "-server", base); err != nil || !strings.Contains(out, "titles top-1 220/220") {
		t.Errorf("reindex -server: %v\n%s", err, out)
	}
	if out, _, err := runCmd(t, "", "reindex", "-server", base); err != nil || !strings.Contains(out, "published: ") {
		t.Errorf("reindex -server of the content it serves: %v\n%s", err, out)
	}
	// Content the server does not serve is not published, and the command says so.
	edited := t.TempDir()
	k, _ := kb.Load(content.FS)
	k.WriteSnapshot(edited)
	card := filepath.Join(edited, "zh", "lost-card.md")
	data, _ := os.ReadFile(card)
	os.WriteFile(card, []byte(strings.Replace(string(data), "questions:\n", "questions:\n  - 医保卡在公交车上弄丢了\n", 1)), 0o644)
	if _, stderr, err := runCmd(t, "", "reindex", "-content", edited, "-server", base); !errors.Is(err, errFailed) || !strings.Contains(stderr, "NOT PUBLISHED") || !strings.Contains(stderr, "FAQBOT_CONTENT") {
		t.Errorf("reindex -content DIR -server of other content: %v\n%s", err, stderr)
	}
	// stats through the server, while it holds the store.
	if out, _, err := runCmd(t, "", "stats", "-server", base, "-since", "1d"); err != nil || !strings.Contains(out, "lost-card") || !strings.Contains(out, "answered with low confidence") {
		t.Errorf("stats -server: %v\n%s", err, out)
	}
	t.Setenv("FAQBOT_ADMIN_TOKEN", "wrong")
	if _, stderr, err := runCmd(t, "", "reindex", "-server", base); err == nil || !strings.Contains(stderr, "HTTP 401") {
		t.Errorf("reindex -server with a wrong token: %v %s", err, stderr)
	}

	req, _ = http.NewRequest(http.MethodGet, base+"/admin/stats?since=1d", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin stats: %v %v", resp, err)
	}
	var rep struct {
		Questions   int
		TopArticles []struct{ ID string } `json:"top_articles"`
	}
	json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if rep.Questions != 1 || len(rep.TopArticles) != 1 || rep.TopArticles[0].ID != "lost-card" {
		t.Errorf("/admin/stats = %+v", rep)
	}

	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`faqbot_questions_total{channel="api",lang="zh",outcome="answered"} 1`, `faqbot_reindex_total{result="ok"} 4`, "faqbot_index_documents",
		"faqbot_conversation_contexts ", "faqbot_conversation_contexts_dropped_total 0"} {
		if !bytes.Contains(metrics, []byte(m)) {
			t.Errorf("/metrics lacks %s", m)
		}
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s")
	}
	t.Logf("shutdown took %s", time.Since(start))

	all := logs.String() + stderr.String()
	for _, secret := range []string{adminToken, rawUser} {
		if strings.Contains(all, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	if !strings.Contains(all, `"msg":"question"`) || !strings.Contains(all, `"channel":"api"`) {
		t.Errorf("no structured question log line:\n%s", all)
	}

	// The question is in the curator's report, without its user.
	out, _, err := runCmd(t, "", "stats", "-data", cfg.Data, "-json")
	if err != nil || !strings.Contains(out, `"lost-card"`) || strings.Contains(out, rawUser) {
		t.Errorf("stats: %v\n%s", err, out)
	}
}

// TestSecondServerFailsFast: a second server on the -data of a running one
// exits with a clear error within seconds, on both state backends (with
// PostgreSQL the bbolt store is not there to refuse it: the data
// directory's lock does), and its port is never opened.
func TestSecondServerFailsFast(t *testing.T) {
	backends := map[string]string{"bbolt": ""}
	if pg, err := pgtest.Start(); err == nil {
		t.Cleanup(func() { pg.Close() })
		backends["postgres"] = pg.URL("postgres")
	} else if !errors.Is(err, pgtest.ErrNotInstalled) {
		t.Fatal(err)
	}
	for name, url := range backends {
		data := t.TempDir()
		startServer(t, "first", func(cfg *config) { cfg.Data, cfg.State = data, url })
		cfg := defaultConfig()
		cfg.Data, cfg.State = data, url
		start := time.Now()
		srv, err := newServer(context.Background(), cfg, slog.New(slog.DiscardHandler), stdio{strings.NewReader(""), io.Discard, io.Discard})
		took := time.Since(start)
		if err == nil {
			srv.close()
			t.Fatalf("%s: a second server started on the same -data", name)
		}
		if !errors.Is(err, errDataInUse) || !strings.Contains(err.Error(), "own -data") {
			t.Errorf("%s: error %q, want a clear one", name, err)
		}
		if took > 10*time.Second {
			t.Errorf("%s: refused after %s, want within 10 s", name, took)
		}
		t.Logf("%s: refused after %s: %v", name, took.Round(time.Millisecond), err)
	}
}
