package bot

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"faqbot/kb"
)

// EvalResult is the score of an engine on labelled questions.
type EvalResult struct {
	N                   int // questions scored
	Positives, Negative int // rows with an (existing) id, rows with "-"
	Uncovered           int // rows with "?" or "?ids"
	Skipped             int // rows whose id is not in the knowledge base
	Top1, Top3, Abstain float64
	Top1Hits, Abstained int // the counts behind Top1 and Abstain

	// Answered, Right and Wrong count the questions answered with an
	// article, with an article the row accepts, and with another one.
	Answered, Right, Wrong int
	Unsured                int // questions answered "unsure"
	Answerable             int // rows some article answers (ids and "?ids")
	// Precision is Right/Answered, Recall Right/Answerable; UnsureRate and
	// WrongRate are shares of N; UncoveredOK is the share of "?" rows
	// answered unsure or with an accepted article.
	Precision, Recall, UnsureRate, WrongRate, UncoveredOK float64
	// Curve is precision and recall at other answer thresholds.
	Curve  []CurvePoint
	Misses []string

	// Useful counts the "?" rows that got help: an unsure reply suggesting
	// an article the row's Helps lists (or one it accepts), or an answer
	// with an article it accepts; UsefulRate is their share of "?" rows.
	Useful     int
	UsefulRate float64
	// Clusters breaks the figures down by the rows' demand cluster.
	Clusters map[string]*ClusterResult
}

// ClusterResult is the score of the rows of one demand cluster.
type ClusterResult struct {
	N, Answered, Right, Wrong, Unsure, Useful int
}

// ClusterTable renders Clusters, largest first, one cluster a line.
func (r EvalResult) ClusterTable() string {
	names := make([]string, 0, len(r.Clusters))
	for n := range r.Clusters {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := r.Clusters[names[i]], r.Clusters[names[j]]
		return a.N > b.N || a.N == b.N && names[i] < names[j]
	})
	var b strings.Builder
	b.WriteString("cluster                     n answered right wrong unsure useful\n")
	for _, n := range names {
		c := r.Clusters[n]
		fmt.Fprintf(&b, "%-24s %4d %8d %5d %5d %6d %6d\n", n, c.N, c.Answered, c.Right, c.Wrong, c.Unsure, c.Useful)
	}
	return b.String()
}

// CurvePoint is the engine's score were it to answer at Threshold.
type CurvePoint struct {
	Threshold                                 float64
	Precision, Recall, Abstain, Unsure, Wrong float64
}

// Summary is the one line `faqbot eval` ends with; it starts with
// "top1=… top3=… abstain=… n=…" (CI greps it).
func (r EvalResult) Summary() string {
	return fmt.Sprintf("top1=%.3f top3=%.3f abstain=%.3f n=%d precision=%.3f recall=%.3f unsure=%.3f wrong=%.3f uncovered_ok=%.3f useful=%.3f",
		r.Top1, r.Top3, r.Abstain, r.N, r.Precision, r.Recall, r.UnsureRate, r.WrongRate, r.UncoveredOK, r.UsefulRate)
}

// CurveTable renders the precision/recall trade-off, one threshold a line.
func (r EvalResult) CurveTable() string {
	var b strings.Builder
	b.WriteString("threshold precision recall abstain unsure wrong\n")
	for _, p := range r.Curve {
		fmt.Fprintf(&b, "%9.2f %9.3f %6.3f %7.3f %6.3f %5.3f\n", p.Threshold, p.Precision, p.Recall, p.Abstain, p.Unsure, p.Wrong)
	}
	return b.String()
}

// CurveThresholds are the thresholds of EvalResult.Curve.
var CurveThresholds = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}

type scored struct {
	c kb.Labelled
	d Decision
}

// Evaluate asks every case and scores the answers. Rows whose expected id is
// not in the knowledge base are skipped (and counted), so a partial knowledge
// base can be scored on what it holds.
func Evaluate(ctx context.Context, e *Engine, cases []kb.Labelled, question func(string) Question) (EvalResult, error) {
	var r EvalResult
	var top3 int
	var all []scored
	k := e.KB()
	for _, c := range cases {
		if c.Kind() == kb.WantArticle && !slices.ContainsFunc(c.Accept(), func(id string) bool {
			_, ok := k.Article("zh", id)
			return ok
		}) {
			r.Skipped++
			continue
		}
		a, d, err := e.Decide(ctx, question(c.Question))
		if err != nil {
			return r, fmt.Errorf("line %d: %w", c.Line, err)
		}
		all = append(all, scored{c, d})
		r.N++
		got := a.ID
		if !a.Answered {
			got = "-"
			if a.Reason == ReasonUnsure {
				got = "unsure"
			}
		}
		if len(c.Accept()) > 0 {
			r.Answerable++
		}
		if a.Answered {
			r.Answered++
			if c.Accepts(a.ID) {
				r.Right++
			} else {
				r.Wrong++
			}
		}
		if a.Reason == ReasonUnsure {
			r.Unsured++
		}
		if r.Clusters == nil {
			r.Clusters = map[string]*ClusterResult{}
		}
		cl := r.Clusters[c.Cluster]
		if cl == nil {
			cl = &ClusterResult{}
			r.Clusters[c.Cluster] = cl
		}
		cl.N++
		switch {
		case a.Answered && c.Accepts(a.ID):
			cl.Answered++
			cl.Right++
			if c.Kind() == kb.WantUnsure {
				r.Useful++ // a "?" row answered by a new article that covers it
			}
		case a.Answered:
			cl.Answered++
			cl.Wrong++
		case a.Reason == ReasonUnsure:
			cl.Unsure++
			if useful(a, c) {
				cl.Useful++
				if c.Kind() == kb.WantUnsure {
					r.Useful++
				}
			}
		}
		miss := func() {
			r.Misses = append(r.Misses, fmt.Sprintf("miss line %d: %q want %s got %s (%.2f p=%.2f)", c.Line, c.Question, c.Want, got, a.Score, d.P))
		}
		switch c.Kind() {
		case kb.WantNone:
			r.Negative++
			if !a.Answered {
				r.Abstained++
			} else {
				miss()
			}
		case kb.WantUnsure:
			r.Uncovered++
			if a.Reason == ReasonUnsure || a.Answered && c.Accepts(a.ID) {
				r.UncoveredOK = r.UncoveredOK + 1
			} else {
				miss()
			}
		default:
			r.Positives++
			in3 := c.Accepts(got)
			for _, alt := range a.Alternatives {
				in3 = in3 || c.Accepts(alt.ID)
			}
			if c.Accepts(got) {
				r.Top1Hits++
			} else {
				miss()
			}
			if in3 {
				top3++
			}
		}
	}
	r.Top1 = ratio(r.Top1Hits, r.Positives)
	r.Top3 = ratio(top3, r.Positives)
	r.Abstain = ratio(r.Abstained, r.Negative)
	r.UncoveredOK = ratio(int(r.UncoveredOK), r.Uncovered)
	r.UsefulRate = share(r.Useful, r.Uncovered)
	r.Precision = ratio(r.Right, r.Answered)
	r.Recall = ratio(r.Right, r.Answerable)
	r.UnsureRate = share(r.Unsured, r.N)
	r.WrongRate = share(r.Wrong, r.N)
	for _, t := range CurveThresholds {
		var answered, right, wrong, negatives, abstained, unsure int
		for _, s := range all {
			ans := s.d.Answers(t)
			if ans {
				answered++
				if s.c.Accepts(s.d.Candidate) {
					right++
				} else {
					wrong++
				}
			}
			if s.d.Unsure(t) {
				unsure++
			}
			if s.c.Kind() == kb.WantNone {
				negatives++
				if !ans {
					abstained++
				}
			}
		}
		r.Curve = append(r.Curve, CurvePoint{
			Threshold: t, Precision: ratio(right, answered), Recall: ratio(right, r.Answerable),
			Abstain: ratio(abstained, negatives), Unsure: share(unsure, r.N), Wrong: share(wrong, r.N),
		})
	}
	return r, nil
}

// useful reports whether an unsure reply suggests an article that helps
// with c: one its Helps list, or, for a row some article answers, that one.
func useful(a Answer, c kb.Labelled) bool {
	for _, alt := range a.Alternatives {
		if slices.Contains(c.Helps, alt.ID) || c.Accepts(alt.ID) {
			return true
		}
	}
	return false
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func share(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
