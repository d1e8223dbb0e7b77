// Command fit fits the engine's confidence model (bot/confidence.json): a
// logistic regression of "the candidate article answers the question" on the
// engine's features (bot.FeatureNames), with k-fold cross-validation, and an
// answer threshold chosen on the out-of-fold probabilities: the least one
// whose wrong answers stay within the bars (3% of paraphrased
// questions, 5% of uncovered ones, 5% of off-topic ones, 5% of real
// questions, taken as a mix of 60% uncovered and 40% covered questions).
//
//	go run ./bot/internal/fit            # fits on the tune sets, writes bot/confidence.json
//	go run ./bot/internal/fit -n         # reports only
//
// It fits only on tune sets: content/regression.tsv, bot/testdata/uncovered.tsv,
// bot/testdata/nearmiss.tsv and the articles' own titles and phrasings. Blind
// sets (*.blind.tsv, heldout.tsv, dev.tsv) are refused: they are for reporting.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"faqbot/bot"
	"faqbot/bot/internal/logit"
	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

type row struct {
	x       []float64
	y       bool
	w       float64
	source  string
	kind    string // kb.WantArticle, WantNone, WantUnsure
	q, cand string
}

func main() {
	out := flag.String("o", "bot/confidence.json", "where to write the model")
	dry := flag.Bool("n", false, "report only, write nothing")
	folds := flag.Int("k", 5, "cross-validation folds")
	seeds := flag.Int("seeds", 3, "cross-validation repeats (fold shuffles); out-of-fold probabilities are averaged")
	maxWrongID := flag.Float64("max-wrong-id", 0.03, "threshold: at most this share of id rows answered wrong (out of fold)")
	maxWrongNone := flag.Float64("max-wrong-none", 0.05, "threshold: at most this share of - rows answered (out of fold)")
	maxWrongReal := flag.Float64("max-wrong-real", 0.05, "threshold: at most this share of real questions answered wrong, real questions being a mix of -uncovered-share ? rows and id rows (out of fold)")
	uncoveredShare := flag.Float64("uncovered-share", 0.6, "share of real questions no article covers (issue 10: 86% answered, 2 in 3 wrong, 35% wrong overall, so about 0.6)")
	// The bar is 5% of uncovered questions; on ~300 tune ? rows the
	// out-of-fold count moves by 2-3 rows between fold shuffles, so the
	// threshold is chosen at 5.5% (see the fine grid it prints).
	maxWrongUnsure := flag.Float64("max-wrong-uncovered", 0.055, "threshold: at most this share of ? rows answered wrong (out of fold)")
	// Self rows are easy positives (an article's own title finds it). CV on
	// the tune rows is about the same with weights 0.05-0.2 (id rows right
	// at the chosen threshold 0.73-0.75); below 0.2 some articles' own
	// phrasings fall under the threshold (TestSelfRetrieval).
	selfWeight := flag.Float64("self", 0.2, "weight of each article title/phrasing row (self-retrieval)")
	// L2: CV is best at 0.001-0.003 (0.01: id rows right 0.70 at the bars
	// against 0.77); 0.003 keeps the borderline questions steady when an
	// article is added or removed (the reindex self-check).
	l2 := flag.Float64("l2", 0.003, "L2 regularization")
	dump := flag.String("dump", "", "write every row (source, label, candidate, features, question) to this TSV")
	drop := flag.String("drop", "", "comma-separated features to leave out (their weight is 0)")
	negWeight := flag.Float64("neg", 1, "weight of a tune row whose candidate is wrong (class balance)")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		files = []string{"content/regression.tsv", "bot/testdata/uncovered.tsv", "bot/testdata/nearmiss.tsv"}
	}
	ctx := context.Background()
	k, err := kb.Load(content.FS)
	if err != nil {
		log.Fatal(err)
	}
	ix, err := index.Build(ctx, k, "")
	if err != nil {
		log.Fatal(err)
	}
	e := bot.NewEngine(ix, bot.DefaultOptions, bot.Deps{})
	var rows []row
	add := func(q, kind string, accept func(string) bool, w float64, source string) {
		_, d, err := e.Decide(ctx, bot.Question{Text: q})
		if err != nil {
			log.Fatal(err)
		}
		if d.Gate != "" || d.Candidate == "" {
			return // a hard rule decides; the model is not asked
		}
		rows = append(rows, row{x: d.Features, y: accept(d.Candidate), w: w, source: source, kind: kind, q: q, cand: d.Candidate})
	}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.Contains(base, ".blind.") || base == "heldout.tsv" || base == "dev.tsv" {
			log.Fatalf("%s is a blind set: report on it with faqbot eval, never fit on it", f)
		}
		r, err := os.Open(f)
		if err != nil {
			log.Fatal(err)
		}
		cases, err := kb.ParseLabelled(r)
		r.Close()
		if err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		for _, c := range cases {
			add(c.Question, c.Kind(), c.Accepts, 1, base)
		}
	}
	if *selfWeight > 0 {
		for _, lang := range kb.Languages {
			for _, a := range k.Articles(lang) {
				for _, q := range append([]string{a.Title}, a.Questions...) {
					id := a.ID
					add(q, kb.WantArticle, func(got string) bool { return got == id }, *selfWeight, "self")
				}
			}
		}
	}
	dropped := map[int]bool{}
	for _, n := range strings.Split(*drop, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		i := slices.Index(bot.FeatureNames, n)
		if i < 0 {
			log.Fatalf("-drop: no feature %q", n)
		}
		dropped[i] = true
	}
	X, y, w := make([][]float64, len(rows)), make([]bool, len(rows)), make([]float64, len(rows))
	pos := 0
	for i, r := range rows {
		x := slices.Clone(r.x)
		for j := range dropped {
			x[j] = 0
		}
		X[i], y[i], w[i] = x, r.y, r.w
		if !r.y && r.source != "self" {
			w[i] *= *negWeight
		}
		if r.y {
			pos++
		}
	}
	fmt.Printf("rows %d (%d where the candidate is right)\n", len(rows), pos)
	o := logit.DefaultOptions
	o.L2 = *l2
	// Repeated CV: the threshold is read off out-of-fold probabilities
	// averaged over several fold shuffles, so that it does not hang on how
	// three or four rows happened to fall into folds.
	p := make([]float64, len(X))
	for s := 1; s <= *seeds; s++ {
		ps, err := logit.CrossValidate(bot.FeatureNames, X, y, w, *folds, o, uint64(s))
		if err != nil {
			log.Fatal(err)
		}
		for i := range p {
			p[i] += ps[i] / float64(*seeds)
		}
	}
	if *dump != "" {
		var b strings.Builder
		b.WriteString("source\ty\tp_cv\tcand\t" + strings.Join(bot.FeatureNames, "\t") + "\tquestion\n")
		for i, r := range rows {
			fmt.Fprintf(&b, "%s\t%v\t%.3f\t%s", r.source, r.y, p[i], r.cand)
			for _, v := range r.x {
				fmt.Fprintf(&b, "\t%.4f", v)
			}
			b.WriteString("\t" + r.q + "\n")
		}
		if err := os.WriteFile(*dump, []byte(b.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%d-fold CV ×%d: log loss %.3f, AUC %.3f\n", *folds, *seeds, logit.LogLoss(p, y), auc(p, y))
	fmt.Println("CV by threshold, tune rows (self-retrieval excluded): wrong answers as a share of id rows / ? rows / - rows")
	fmt.Println("      t answered precision recall wrong_id wrong_? wrong_-")
	best := -1.0
	for t := 0.05; t < 0.96; t += 0.05 {
		var ans, right, answerable int
		wrong, n := map[string]int{}, map[string]int{}
		for i, r := range rows {
			if r.source == "self" {
				continue
			}
			n[r.kind]++
			if r.y {
				answerable++
			}
			if p[i] >= t {
				ans++
				if r.y {
					right++
				} else {
					wrong[r.kind]++
				}
			}
		}
		wid, wq, wn := frac(wrong[kb.WantArticle], n[kb.WantArticle]), frac(wrong[kb.WantUnsure], n[kb.WantUnsure]), frac(wrong[kb.WantNone], n[kb.WantNone])
		fmt.Printf("   %.2f %8d %9.3f %6.3f %8.3f %7.3f %7.3f\n", t, ans, frac(right, ans), frac(right, answerable), wid, wq, wn)
	}
	for t := 0.05; t < 0.96 && best < 0; t += 0.01 {
		wrong, n := map[string]int{}, map[string]int{}
		for i, r := range rows {
			if r.source == "self" {
				continue
			}
			n[r.kind]++
			if p[i] >= t && !r.y {
				wrong[r.kind]++
			}
		}
		wid, wq, wn := frac(wrong[kb.WantArticle], n[kb.WantArticle]), frac(wrong[kb.WantUnsure], n[kb.WantUnsure]), frac(wrong[kb.WantNone], n[kb.WantNone])
		real := *uncoveredShare*wq + (1-*uncoveredShare)*wid
		if wid <= *maxWrongID && wn <= *maxWrongNone && real <= *maxWrongReal && wq <= *maxWrongUnsure {
			best = t
		}
	}
	if best < 0 {
		log.Fatal("no threshold meets the wrong-answer bars")
	}
	// The trade-off the bars are about, on a fine grid: the share of id rows
	// answered right against the wrong answers on ? rows.
	fmt.Println("CV, fine grid: t id_right wrong_id wrong_? wrong_- (id_right: share of id rows answered with their article)")
	for t := best - 0.1; t <= best+0.1001; t += 0.02 {
		var idRight int
		wrong, n := map[string]int{}, map[string]int{}
		for i, r := range rows {
			if r.source == "self" {
				continue
			}
			n[r.kind]++
			if p[i] >= t {
				if r.y {
					if r.kind == kb.WantArticle {
						idRight++
					}
				} else {
					wrong[r.kind]++
				}
			}
		}
		fmt.Printf("   %.2f %.3f %.3f %.3f %.3f\n", t, frac(idRight, n[kb.WantArticle]), frac(wrong[kb.WantArticle], n[kb.WantArticle]), frac(wrong[kb.WantUnsure], n[kb.WantUnsure]), frac(wrong[kb.WantNone], n[kb.WantNone]))
	}
	best = math.Round(best*100) / 100
	m, err := logit.Fit(bot.FeatureNames, X, y, w, o)
	if err != nil {
		log.Fatal(err)
	}
	m.Threshold = best
	fmt.Printf("threshold %.2f: the least (step 0.01) whose out-of-fold wrong answers are at most %.2f of id rows, %.2f of ? rows, %.2f of - rows and %.2f of a real mix (%.0f%% ? rows)\nweights (standardized features):\n", best, *maxWrongID, *maxWrongUnsure, *maxWrongNone, *maxWrongReal, 100**uncoveredShare)
	fmt.Printf("  %-15s %+.3f\n", "bias", m.Bias)
	for i, n := range m.Names {
		fmt.Printf("  %-15s %+.3f  (mean %.3f sd %.3f)\n", n, m.Weights[i], m.Mean[i], m.Std[i])
	}
	if *dry {
		return
	}
	data, err := json.MarshalIndent(round(m), "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", *out)
}

func frac(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// auc is the area under the ROC curve of scores p for labels y.
func auc(p []float64, y []bool) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var rankSum float64
	var npos, nneg int
	for r, i := range idx {
		if y[i] {
			rankSum += float64(r + 1)
			npos++
		} else {
			nneg++
		}
	}
	if npos == 0 || nneg == 0 {
		return 0.5
	}
	return (rankSum - float64(npos*(npos+1))/2) / float64(npos*nneg)
}

// round keeps the committed file readable and stable across platforms.
func round(m *logit.Model) *logit.Model {
	r := func(v []float64) {
		for i := range v {
			v[i] = math.Round(v[i]*1e4) / 1e4
		}
	}
	r(m.Mean)
	r(m.Std)
	r(m.Weights)
	m.Bias = math.Round(m.Bias*1e4) / 1e4
	return m
}
