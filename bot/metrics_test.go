package bot

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsOutcomes: faqbot_questions_total counts an unsure reply as its
// own outcome, apart from answers and replies without an article.
func TestMetricsOutcomes(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newTestEngine(t, Deps{Metrics: NewMetrics(reg)})
	want := map[string]float64{}
	for _, q := range []string{"医保卡丢了怎么办", "试管婴儿医保能报吗", "医保个人账户有利息吗", "你好"} {
		a, err := e.Ask(context.Background(), Question{Text: q, Channel: "test"})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case a.Answered:
			want["answered"]++
		case a.Reason == ReasonUnsure:
			want["unsure"]++
		default:
			want["no_answer"]++
		}
	}
	if want["unsure"] == 0 {
		t.Fatal("no question was unsure: pick others from TestUnsure")
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "faqbot_questions_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" {
					got[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	for _, o := range []string{"answered", "unsure", "no_answer"} {
		if got[o] != want[o] {
			t.Errorf("outcome %q counted %v times, want %v (all: %v)", o, got[o], want[o], got)
		}
	}
}
