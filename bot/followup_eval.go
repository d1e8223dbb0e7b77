package bot

import (
	"context"
	"faqbot/kb"
	"fmt"
)

// PairResult scores follow-ups: With is each follow-up asked after its first
// question by the same user (read in context), Alone the same follow-ups
// asked with no context, for comparison.
type PairResult struct {
	With, Alone EvalResult
	// InContext counts the follow-ups answered with the context.
	InContext int
	// Changes lists the follow-ups whose outcome (answered or not, the
	// article) differs from the same question asked alone: for standalone
	// questions after an unrelated one, each is a hijack.
	Changes []string
}

// Summary is the line `faqbot eval` prints for a pair file.
func (r PairResult) Summary() string {
	return fmt.Sprintf("followup top1=%.3f abstain=%.3f in-context=%d changed=%d n=%d | alone top1=%.3f abstain=%.3f",
		r.With.Top1, r.With.Abstain, r.InContext, len(r.Changes), r.With.N, r.Alone.Top1, r.Alone.Abstain)
}

// EvaluatePairs scores follow-ups on an engine like e with its own in-process
// memory: for each pair a fresh user asks the first question, then the
// follow-up (scored with context); the follow-up is also asked alone. Rows
// whose expected id is not in the knowledge base are skipped.
func EvaluatePairs(ctx context.Context, e *Engine, cases []kb.Pair, question func(string) Question) (PairResult, error) {
	ce := NewEngine(e.src, e.opts, Deps{Memory: NewMemory()})
	var r PairResult
	var withScore, alone scorer
	k := e.KB()
	for i, c := range cases {
		if c.Want != "-" {
			if _, ok := k.Article("zh", c.Want); !ok {
				r.With.Skipped++
				r.Alone.Skipped++
				continue
			}
		}
		user := fmt.Sprintf("eval-%d", i)
		q := question(c.First)
		q.User = user
		if _, err := ce.Ask(ctx, q); err != nil {
			return r, fmt.Errorf("line %d: %w", c.Line, err)
		}
		q = question(c.FollowUp)
		q.User = user
		with, err := ce.Ask(ctx, q)
		if err != nil {
			return r, fmt.Errorf("line %d: %w", c.Line, err)
		}
		if with.Context != "" {
			r.InContext++
		}
		withScore.add(c.Line, c.First+" → "+c.FollowUp, c.Want, with)
		q = question(c.FollowUp)
		q.User = ""
		a, err := ce.Ask(ctx, q)
		if err != nil {
			return r, fmt.Errorf("line %d: %w", c.Line, err)
		}
		alone.add(c.Line, c.FollowUp, c.Want, a)
		if a.Answered != with.Answered || a.ID != with.ID {
			r.Changes = append(r.Changes, fmt.Sprintf("changed line %d: %q after %q got %q (answered %v), alone %q (answered %v)",
				c.Line, c.FollowUp, c.First, with.ID, with.Answered, a.ID, a.Answered))
		}
	}
	r.With, r.Alone = withScore.result(r.With.Skipped), alone.result(r.Alone.Skipped)
	return r, nil
}

// scorer accumulates an EvalResult.
type scorer struct {
	r                   EvalResult
	top1, top3, abstain int
}

func (s *scorer) add(line int, question, want string, a Answer) {
	s.r.N++
	got := a.ID
	if !a.Answered {
		got = "-"
	}
	if want == "-" {
		s.r.Negative++
		if a.Answered {
			s.r.Misses = append(s.r.Misses, fmt.Sprintf("miss line %d: %q want - got %s (%.2f)", line, question, got, a.Score))
		} else {
			s.abstain++
		}
		return
	}
	s.r.Positives++
	in3 := got == want
	for _, alt := range a.Alternatives {
		in3 = in3 || alt.ID == want
	}
	if got == want {
		s.top1++
	} else {
		s.r.Misses = append(s.r.Misses, fmt.Sprintf("miss line %d: %q want %s got %s (%.2f)", line, question, want, got, a.Score))
	}
	if in3 {
		s.top3++
	}
}

func (s *scorer) result(skipped int) EvalResult {
	r := s.r
	r.Skipped = skipped
	r.Top1Hits, r.Abstained = s.top1, s.abstain
	r.Top1, r.Top3, r.Abstain = ratio(s.top1, r.Positives), ratio(s.top3, r.Positives), ratio(s.abstain, r.Negative)
	return r
}
