package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"faqbot/bot"
)

func runEval(ctx context.Context, cfg *config, args []string, s stdio) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: eval takes one FILE", errUsage)
	}
	f, err := os.Open(args[0])
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	if pairs, err := bot.IsPairFile(f); err != nil || pairs {
		return runPairEval(ctx, cfg, f, err, s) // first<TAB>follow-up<TAB>expected: eval_pairs.go
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	cases, err := bot.ParseEval(f)
	if err != nil {
		return fmt.Errorf("eval %s: %w", args[0], err)
	}
	e, err := memEngine(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	r, err := bot.Evaluate(ctx, e, cases, func(q string) bot.Question {
		return bot.Question{Text: q, Lang: cfg.Lang, Channel: "eval"}
	})
	if err != nil {
		return err
	}
	for _, m := range r.Misses {
		fmt.Fprintln(s.out, m)
	}
	fmt.Fprintln(s.out, r.Summary())
	if r.Top1 < cfg.MinTop1 || r.Abstain < cfg.MinAbstain {
		fmt.Fprintf(s.err, "below the bar: top1 %.3f (min %.3f), abstain %.3f (min %.3f)\n", r.Top1, cfg.MinTop1, r.Abstain, cfg.MinAbstain)
		return errFailed
	}
	return nil
}
