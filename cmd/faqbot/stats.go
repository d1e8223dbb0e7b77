package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faqbot/bot/ops"
	"faqbot/kb/state"
)

func runStats(ctx context.Context, cfg *config, args []string, s stdio) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: stats takes no arguments", errUsage)
	}
	var rep ops.Report
	var err error
	if cfg.Server != "" {
		rep, err = remoteReport(ctx, cfg)
	} else {
		rep, err = localReport(cfg)
	}
	if err != nil {
		return err
	}
	if cfg.Suggest {
		e, err := memEngine(ctx, cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		sugg, err := e.Suggest(ctx, rep.Unanswered)
		if err != nil {
			return err
		}
		sugg = ops.FilterSuggestions(e.KB(), sugg)
		if cfg.JSON {
			return json.NewEncoder(s.out).Encode(sugg)
		}
		fmt.Fprintln(s.out, "Proposed new questions: lines (review before adding; nothing is written):")
		if len(sugg) == 0 {
			fmt.Fprintln(s.out, "  none: no new, in-scope unanswered question is close to an existing article")
		}
		for _, sg := range sugg {
			fmt.Fprintf(s.out, "content/%s/%s.md  (asked %d×, coverage %.2f)\n  - %s\n", sg.Lang, sg.ID, sg.Count, sg.Coverage, sg.Question)
		}
		return nil
	}
	if cfg.JSON {
		return json.NewEncoder(s.out).Encode(rep)
	}
	fmt.Fprint(s.out, ops.FormatReport(rep))
	return nil
}

// localReport reads the report from the state store under -data. A missing
// bbolt store is an error, not an empty report: stats never creates one.
func localReport(cfg *config) (ops.Report, error) {
	if !usesPostgres(cfg) {
		path := filepath.Join(cfg.Data, state.File)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return ops.Report{}, fmt.Errorf("%w: no state store at %s: %s is not where a faqbot server keeps its state.\n"+
				"Give the server's directory with -data DIR (FAQBOT_DATA), its database with -state postgres://... (FAQBOT_STATE),\n"+
				"or ask a running server: FAQBOT_ADMIN_TOKEN=... faqbot stats -server http://127.0.0.1:8080", errUsage, path, cfg.Data)
		}
	}
	store, closeStore, err := openState(context.Background(), cfg)
	if errors.Is(err, state.ErrLocked) {
		return ops.Report{}, fmt.Errorf("%w\na faqbot server is running on %s and holds its store: read its report with\n  FAQBOT_ADMIN_TOKEN=... faqbot stats -server http://127.0.0.1:8080   (the server's address; GET /admin/stats)", err, cfg.Data)
	}
	if err != nil {
		return ops.Report{}, err
	}
	defer closeStore()
	return (&ops.Service{Reports: store}).Report(cfg.Since)
}

// remoteReport reads the report of a running server (GET /admin/stats).
func remoteReport(ctx context.Context, cfg *config) (ops.Report, error) {
	var rep ops.Report
	if cfg.AdminToken == "" {
		return rep, fmt.Errorf("%w: stats -server needs FAQBOT_ADMIN_TOKEN (the server's admin token) in the environment", errUsage)
	}
	u := strings.TrimRight(cfg.Server, "/") + "/admin/stats?since=" + url.QueryEscape(cfg.Since.String())
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return rep, fmt.Errorf("%w: -server: %v", errUsage, err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rep, fmt.Errorf("stats %s: %w", cfg.Server, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("stats %s: HTTP %d: %s", cfg.Server, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return rep, fmt.Errorf("stats %s: %w", cfg.Server, err)
	}
	return rep, nil
}
