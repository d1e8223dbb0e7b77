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

// runEval scores the engine on a labelled TSV (rows: an article id, "-" or
// "?[ids]"), prints the misses, the precision/recall trade-off over answer
// thresholds, and the summary line "top1=… top3=… abstain=… n=… …".
func runEval(ctx context.Context, cfg *config, args []string, s stdio) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: eval takes one FILE", errUsage)
	}
	f, err := os.Open(args[0])
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	if pairs, err := kb.IsPairFile(f); err != nil || pairs {
		return runPairEval(ctx, cfg, f, err, s) // first<TAB>follow-up<TAB>expected: eval_pairs.go
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	cases, err := kb.ParseLabelled(f)
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
	fmt.Fprintf(s.out, "answer threshold %.2f (committed); at other thresholds:\n%s", bot.ModelThreshold(), r.CurveTable())
	fmt.Fprintln(s.out, r.Summary())
	if r.Top1 < cfg.MinTop1 || r.Abstain < cfg.MinAbstain || r.Precision < cfg.MinPrecision || r.WrongRate > cfg.MaxWrong || r.UncoveredOK < cfg.MinUncovered {
		fmt.Fprintf(s.err, "below the bar: top1 %.3f (min %.3f), abstain %.3f (min %.3f), precision %.3f (min %.3f), wrong %.3f (max %.3f), uncovered_ok %.3f (min %.3f)\n",
			r.Top1, cfg.MinTop1, r.Abstain, cfg.MinAbstain, r.Precision, cfg.MinPrecision, r.WrongRate, cfg.MaxWrong, r.UncoveredOK, cfg.MinUncovered)
		return errFailed
	}
	return nil
}
