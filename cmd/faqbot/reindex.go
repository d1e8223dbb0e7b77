package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"faqbot/bot/ops"
	"faqbot/index"
	"faqbot/kb"
	"faqbot/kb/state"
)

func runReindex(ctx context.Context, cfg *config, args []string, s stdio) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: reindex takes no arguments", errUsage)
	}
	// Lint first, locally, whichever way the index is rebuilt.
	p := newProgress(cfg.stderr)
	p.stage("linting %s", contentName(cfg))
	k, err := loadKB(cfg)
	p.done()
	if err != nil {
		fmt.Fprintln(s.err, err)
		return errFailed
	}
	if cfg.Server != "" {
		p.stage("asking %s to reindex", cfg.Server)
		defer p.done()
		return remoteReindex(ctx, cfg, k, s)
	}
	// Offline: refuse when a server owns the data directory.
	store, err := state.Open(cfg.Data)
	if errors.Is(err, state.ErrLocked) {
		return fmt.Errorf("%w\na faqbot server is running on %s: use `faqbot reindex -server URL` to switch it without a restart", err, cfg.Data)
	}
	if err != nil {
		return err
	}
	defer store.Close()

	old, err := index.OpenCurrent(cfg.Data)
	if errors.Is(err, index.ErrNoIndex) {
		// The first build has nothing to compare with.
		p.stage("building the first index")
		ix, err := index.BuildOnDisk(ctx, k, cfg.Data)
		p.done()
		if err != nil {
			return err
		}
		docs, _ := ix.DocCount()
		fmt.Fprintf(s.out, "built the first index: %d articles, %d documents\n", len(k.IDs()), docs)
		return ix.Close()
	}
	if err != nil {
		return err
	}
	live := index.NewLive(old)
	defer live.Close()
	r := &ops.Reindexer{
		Live:           live,
		Load:           func() (*kb.KB, error) { return loadKB(cfg) },
		Build:          func(ctx context.Context, k *kb.KB) (*index.Index, error) { return index.BuildOnDisk(ctx, k, cfg.Data) },
		LoadRegression: func() ([]kb.Labelled, error) { return loadRegression(cfg) },
		Source:         contentName(cfg),
		Progress:       func(stage string) { p.stage("reindex: %s", stage) },
	}
	rep, err := r.Run(ctx)
	p.done()
	fmt.Fprint(s.out, rep.String())
	if err != nil {
		fmt.Fprintln(s.err, err)
		return errFailed
	}
	return nil
}

// remoteReindex asks a running server to reindex and prints its report. The
// server reindexes the content it was started with (its FAQBOT_CONTENT or
// -content), not the files here. With -content DIR (or FAQBOT_CONTENT) the
// command fails unless the server then serves exactly DIR (same
// kb.KB.Hash), so an edit is never silently left unpublished; without it,
// the server's own content is what was asked for.
func remoteReindex(ctx context.Context, cfg *config, local *kb.KB, s stdio) error {
	if cfg.AdminToken == "" {
		return fmt.Errorf("%w: reindex -server needs FAQBOT_ADMIN_TOKEN", errUsage)
	}
	url := strings.TrimRight(cfg.Server, "/") + "/admin/reindex"
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(nil))
	if err != nil {
		return fmt.Errorf("%w: -server: %v", errUsage, err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reindex %s: %w", cfg.Server, err)
	}
	defer resp.Body.Close()
	var body struct {
		OK          bool   `json:"ok"`
		Report      string `json:"report"`
		Error       string `json:"error"`
		ContentHash string `json:"content_hash"`
		Content     string `json:"content"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(data, &body); err != nil {
		return fmt.Errorf("reindex %s: HTTP %d: %s", cfg.Server, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	fmt.Fprint(s.out, body.Report)
	if !body.OK {
		fmt.Fprintf(s.err, "reindex refused (HTTP %d): %s\n", resp.StatusCode, body.Error)
		return errFailed
	}
	if body.ContentHash != local.Hash() && cfg.Content == "" {
		// No directory named: the server rebuilt from its own content (a
		// mounted directory in Kubernetes, say), which is what was asked.
		fmt.Fprintf(s.out, "reindexed: %s rebuilt from %s (content %s; not the embedded content linted here)\n",
			cfg.Server, orDefault(body.Content, "its own content"), shortHash(body.ContentHash))
		return nil
	}
	if body.ContentHash != local.Hash() {
		served := body.Content
		if served == "" {
			served = "its own content"
		}
		fmt.Fprintf(s.err, `NOT PUBLISHED: %s reindexed %s, which differs from %s (content %s there, %s here).
The server rebuilds from the content it was started with; it does not receive files. To publish %s:
  - point the server at it: set FAQBOT_CONTENT (or -content) of the server to this directory, restart it once,
    and from then on run this command (or send SIGHUP on the server's host) after each edit; or
  - copy the files into the server's content directory (%s) and run this command again.
`, cfg.Server, served, contentName(cfg), shortHash(body.ContentHash), shortHash(local.Hash()), contentName(cfg), served)
		return errFailed
	}
	fmt.Fprintf(s.out, "published: %s now serves %s (content %s)\n", cfg.Server, contentName(cfg), shortHash(local.Hash()))
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "unknown"
	}
	return h
}
