package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"faqbot/bot/ops"
)

func runStats(ctx context.Context, cfg *config, args []string, s stdio) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: stats takes no arguments", errUsage)
	}
	store, closeStore, err := openState(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := store.Report(time.Now().Add(-cfg.Since), ops.DefaultReportTop)
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
		if cfg.JSON {
			return json.NewEncoder(s.out).Encode(sugg)
		}
		fmt.Fprintln(s.out, "Proposed new `questions` lines (review before adding; nothing is written):")
		if len(sugg) == 0 {
			fmt.Fprintln(s.out, "  none: no unanswered question is close to an existing article")
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
