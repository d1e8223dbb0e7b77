package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

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
	if cases, err = labelCases(cases, args[0], cfg); err != nil {
		return err
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
	if len(r.Clusters) > 1 {
		fmt.Fprint(s.out, r.ClusterTable())
	}
	fmt.Fprintln(s.out, r.Summary())
	if r.Top1 < cfg.MinTop1 || r.Abstain < cfg.MinAbstain || r.Precision < cfg.MinPrecision || r.WrongRate > cfg.MaxWrong || r.UncoveredOK < cfg.MinUncovered || r.UsefulRate < cfg.MinUseful {
		fmt.Fprintf(s.err, "below the bar: top1 %.3f (min %.3f), abstain %.3f (min %.3f), precision %.3f (min %.3f), wrong %.3f (max %.3f), uncovered_ok %.3f (min %.3f), useful %.3f (min %.3f)\n",
			r.Top1, cfg.MinTop1, r.Abstain, cfg.MinAbstain, r.Precision, cfg.MinPrecision, r.WrongRate, cfg.MaxWrong, r.UncoveredOK, cfg.MinUncovered, r.UsefulRate, cfg.MinUseful)
		return errFailed
	}
	return nil
}

// labelCases applies a helps file (-helps, or FILE-helps.tsv beside FILE),
// a covers file (-covers) and the part of the fixed split (-part).
func labelCases(cases []kb.Labelled, file string, cfg *config) ([]kb.Labelled, error) {
	var helps map[string]kb.Help
	var covers map[string]kb.Cover
	helpsFile := cfg.Helps
	if helpsFile == "" {
		if def := strings.TrimSuffix(file, ".tsv") + "-helps.tsv"; fileExists(def) {
			helpsFile = def
		}
	}
	if helpsFile != "" {
		f, err := os.Open(helpsFile)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		defer f.Close()
		if helps, err = kb.ParseHelps(f); err != nil {
			return nil, fmt.Errorf("eval %s: %w", helpsFile, err)
		}
	}
	if cfg.Covers != "" {
		f, err := os.Open(cfg.Covers)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		defer f.Close()
		if covers, err = kb.ParseCovers(f); err != nil {
			return nil, fmt.Errorf("eval %s: %w", cfg.Covers, err)
		}
	}
	kb.ApplyHelps(cases, helps, covers)
	switch cfg.Part {
	case kb.PartAll, kb.PartTune, kb.PartBlind:
	default:
		return nil, fmt.Errorf("%w: -part %q: want tune or blind", errUsage, cfg.Part)
	}
	return kb.SplitBlind(cases, cfg.Part), nil
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
