package bot

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// EvalCase is one labelled question: Want is an article id, or "-" when the
// bot must not answer.
type EvalCase struct {
	Line     int
	Question string
	Want     string
}

// ParseEval reads a labelled TSV: question<TAB>expected, an optional header
// line "question<TAB>expected", '#' comments and blank lines ignored.
func ParseEval(r io.Reader) ([]EvalCase, error) {
	var out []EvalCase
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, want, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: want question<TAB>expected", n)
		}
		if n == 1 && q == "question" {
			continue
		}
		out = append(out, EvalCase{Line: n, Question: q, Want: strings.TrimSpace(want)})
	}
	return out, sc.Err()
}

// EvalResult is the score of an engine on labelled questions.
type EvalResult struct {
	N                   int     // questions scored
	Positives, Negative int     // rows with an (existing) id, rows with "-"
	Skipped             int     // rows whose id is not in the knowledge base
	Top1, Top3, Abstain float64 // shares of positives / negatives
	Top1Hits, Abstained int     // the counts behind Top1 and Abstain
	Misses              []string
}

// Summary is the one line `faqbot eval` ends with.
func (r EvalResult) Summary() string {
	return fmt.Sprintf("top1=%.3f top3=%.3f abstain=%.3f n=%d", r.Top1, r.Top3, r.Abstain, r.N)
}

// Evaluate asks every case and scores the answers. Rows whose expected id is
// not in the knowledge base are skipped (and counted), so a partial knowledge
// base can be scored on what it holds.
func Evaluate(ctx context.Context, e *Engine, cases []EvalCase, question func(string) Question) (EvalResult, error) {
	var r EvalResult
	var top1, top3, abstain int
	k := e.KB()
	for _, c := range cases {
		if c.Want != "-" {
			if _, ok := k.Article("zh", c.Want); !ok {
				r.Skipped++
				continue
			}
		}
		a, err := e.Ask(ctx, question(c.Question))
		if err != nil {
			return r, fmt.Errorf("line %d: %w", c.Line, err)
		}
		r.N++
		got := a.ID
		if !a.Answered {
			got = "-"
		}
		if c.Want == "-" {
			r.Negative++
			if !a.Answered {
				abstain++
			} else {
				r.Misses = append(r.Misses, fmt.Sprintf("miss line %d: %q want - got %s (%.2f)", c.Line, c.Question, got, a.Score))
			}
			continue
		}
		r.Positives++
		in3 := got == c.Want
		for _, alt := range a.Alternatives {
			in3 = in3 || alt.ID == c.Want
		}
		if got == c.Want {
			top1++
		} else {
			r.Misses = append(r.Misses, fmt.Sprintf("miss line %d: %q want %s got %s (%.2f)", c.Line, c.Question, c.Want, got, a.Score))
		}
		if in3 {
			top3++
		}
	}
	r.Top1Hits, r.Abstained = top1, abstain
	r.Top1 = ratio(top1, r.Positives)
	r.Top3 = ratio(top3, r.Positives)
	r.Abstain = ratio(abstain, r.Negative)
	return r, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
