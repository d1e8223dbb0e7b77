package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"faqbot/bot"
	"faqbot/kb"
)

// runPairEval scores follow-up pairs (first<TAB>follow-up<TAB>expected): each
// follow-up asked after its first question by the same user, and alone for
// comparison. -min-top1 and -min-abstain apply to the follow-ups in context,
// -max-changed to the follow-ups whose outcome differs from their own alone
// (for a set of standalone questions after unrelated ones: the hijacks).
func runPairEval(ctx context.Context, cfg *config, f *os.File, sniffErr error, s stdio) error {
	if sniffErr != nil {
		return fmt.Errorf("eval %s: %w", f.Name(), sniffErr)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	cases, err := kb.ParsePairs(f)
	if err != nil {
		return fmt.Errorf("eval %s: %w", f.Name(), err)
	}
	e, err := memEngine(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	r, err := bot.EvaluatePairs(ctx, e, cases, func(q string) bot.Question {
		return bot.Question{Text: q, Lang: cfg.Lang, Channel: "eval"}
	})
	if err != nil {
		return err
	}
	for _, m := range r.With.Misses {
		fmt.Fprintln(s.out, m)
	}
	for _, c := range r.Changes {
		fmt.Fprintln(s.out, c)
	}
	fmt.Fprintln(s.out, r.Summary())
	if r.With.Top1 < cfg.MinTop1 || r.With.Abstain < cfg.MinAbstain || cfg.MaxChanged >= 0 && len(r.Changes) > cfg.MaxChanged {
		fmt.Fprintf(s.err, "below the bar: followup top1 %.3f (min %.3f), abstain %.3f (min %.3f), changed %d (max %d)\n", r.With.Top1, cfg.MinTop1, r.With.Abstain, cfg.MinAbstain, len(r.Changes), cfg.MaxChanged)
		return errFailed
	}
	return nil
}
