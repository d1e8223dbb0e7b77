package ops

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"faqbot/bot"
	"faqbot/kb"
)

// RiskPoint is the confidence model on the regression set at one
// threshold: the share of the questions it answers (coverage) and the
// share it answers wrongly (risk).
type RiskPoint struct {
	Threshold         float64
	Answered, Wrong   float64
	AnsweredN, WrongN int
}

// RiskCoverage asks e each labelled question once (on its own, recording
// nothing) and returns, for thresholds from 0.05 to 0.95, how many the model
// would answer and how many of those wrongly: an answer is wrong when the
// row wants another article, no answer ("-"), or is an uncovered question
// whose listed ids ("?id1,id2") do not include it.
func RiskCoverage(ctx context.Context, e *bot.Engine, cases []kb.Labelled) ([]RiskPoint, int, error) {
	type row struct {
		d  bot.Decision
		ok func(id string) bool
	}
	var rows []row
	for _, c := range cases {
		_, d, err := e.Decide(ctx, bot.Question{Text: c.Question, Channel: "console", Quiet: true})
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", c.Line, err)
		}
		want := c.Want
		ok := func(id string) bool { return id == want }
		switch c.Kind() {
		case kb.WantNone:
			ok = func(string) bool { return false }
		case kb.WantUnsure:
			ids := strings.Split(strings.TrimPrefix(want, "?"), ",")
			ok = func(id string) bool {
				for _, x := range ids {
					if x != "" && strings.TrimSpace(x) == id {
						return true
					}
				}
				return false
			}
		}
		rows = append(rows, row{d, ok})
	}
	var out []RiskPoint
	for i := 1; i <= 19; i++ {
		t := float64(i) / 20
		p := RiskPoint{Threshold: t}
		for _, r := range rows {
			if r.d.Answers(t) {
				p.AnsweredN++
				if !r.ok(r.d.Candidate) {
					p.WrongN++
				}
			}
		}
		if n := len(rows); n > 0 {
			p.Answered, p.Wrong = float64(p.AnsweredN)/float64(n), float64(p.WrongN)/float64(n)
		}
		out = append(out, p)
	}
	return out, len(rows), nil
}

// modelCurve caches the curve per knowledge base (a reindex makes a new one).
type modelCurve struct {
	mu     sync.Mutex
	kb     *kb.KB
	points []RiskPoint
	n      int
}

// curve returns the risk-coverage curve on the regression set of the
// serving content, computed once per index.
func (a *Admin) curve(ctx context.Context) ([]RiskPoint, int, error) {
	src := a.searcher()
	e, _ := a.engine()
	if src == nil || e == nil {
		return nil, 0, nil
	}
	a.model.mu.Lock()
	defer a.model.mu.Unlock()
	k := src.Current().KB()
	if a.model.kb == k {
		return a.model.points, a.model.n, nil
	}
	cases := a.Service.Reindexer.Regression
	if a.Service.Reindexer.LoadRegression != nil {
		var err error
		if cases, err = a.Service.Reindexer.LoadRegression(); err != nil {
			return nil, 0, err
		}
	}
	if len(cases) == 0 {
		return nil, 0, nil
	}
	pts, n, err := RiskCoverage(ctx, e, cases)
	if err != nil {
		return nil, 0, err
	}
	a.model.kb, a.model.points, a.model.n = k, pts, n
	return pts, n, nil
}

// riskChart draws the curve: answered share and wrong share by threshold,
// with the committed threshold named.
func riskChart(pts []RiskPoint, threshold float64) template.HTML {
	labels := make([]string, len(pts))
	answered := series{Name: "answered (coverage)", Color: 0}
	wrong := series{Name: "answered wrongly (risk)", Color: 2}
	for i, p := range pts {
		labels[i] = fmt.Sprintf("%.2f", p.Threshold)
		answered.Values = append(answered.Values, p.Answered)
		wrong.Values = append(wrong.Values, p.Wrong)
	}
	return chart("risk", fmt.Sprintf("Regression set by threshold (the model answers at %.2f)", threshold), lines, labels, []series{answered, wrong}, percent)
}

// tryMemory is the hit test's conversation memory: each try is its own
// conversation, and only the last tryMemorySize values are kept, so trying
// questions never grows the server's memory.
type tryMemory struct {
	mu   sync.Mutex
	m    map[string][]byte
	keys []string
}

const tryMemorySize = 64

func (t *tryMemory) GetTemp(kind, key string) ([]byte, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[kind+"\x00"+key]
	return v, ok, nil
}

func (t *tryMemory) PutTemp(kind, key string, val []byte, _ time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string][]byte{}
	}
	k := kind + "\x00" + key
	if _, ok := t.m[k]; !ok {
		t.keys = append(t.keys, k)
		if len(t.keys) > tryMemorySize {
			delete(t.m, t.keys[0])
			t.keys = t.keys[1:]
		}
	}
	t.m[k] = append([]byte(nil), val...)
	return nil
}
