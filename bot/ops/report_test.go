package ops

import (
	"strings"
	"testing"
	"time"

	"faqbot/bot"
	"faqbot/content"
	"faqbot/kb"
)

type fakeLog []kb.LogEntry

func (f fakeLog) Log(since time.Time, fn func(kb.LogEntry) error) error {
	for _, e := range f {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (f fakeLog) Report(since time.Time, top int) (kb.Report, error) {
	return kb.Report{Since: since, Questions: len(f)}, nil
}

// TestReportLowConfidence: answers given with a low score are listed, most
// asked first; refusals and confident answers are not.
func TestReportLowConfidence(t *testing.T) {
	log := fakeLog{
		{Question: "医保那个卡咋整", ID: "lost-card", Lang: "zh", Score: 0.31},
		{Question: "医保那个卡 咋整？", ID: "lost-card", Lang: "zh", Score: 0.25},
		{Question: "报销多少", ID: "deductible-threshold", Lang: "zh", Score: 0.4},
		{Question: "医保卡丢了怎么办", ID: "lost-card", Lang: "zh", Score: 0.9},
		{Question: "公积金怎么取", Lang: "zh", Reason: "no-match"},
	}
	rep, err := (&Service{Reports: log}).Report(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.LowConfidence) != 2 || rep.LowConfidence[0].Count != 2 || rep.LowConfidence[0].Score != 0.25 || rep.LowConfidence[1].ID != "deductible-threshold" {
		t.Fatalf("low confidence = %+v", rep.LowConfidence)
	}
	text := FormatReport(rep)
	if !strings.Contains(text, "answered with low confidence") || !strings.Contains(text, "   2  0.25  医保那个卡咋整 -> lost-card") {
		t.Errorf("report:\n%s", text)
	}
}

// TestFilterSuggestions: a question already in the knowledge base and an
// out-of-scope one are not proposed.
func TestFilterSuggestions(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := k.Article("zh", "lost-card")
	in := []bot.Suggestion{
		{Question: a.Questions[0] + "？", ID: "lost-card", Lang: "zh"},
		{Question: a.Title, ID: "family-bind", Lang: "zh"},
		{Question: "公积金卡丢了怎么办", ID: "lost-card", Lang: "zh"},
		{Question: "医保卡丢在出租车上了怎么办", ID: "lost-card", Lang: "zh"},
	}
	got := FilterSuggestions(k, in)
	if len(got) != 1 || got[0].Question != "医保卡丢在出租车上了怎么办" {
		t.Errorf("kept %+v", got)
	}
}

// TestReportPeriodBounded: an absurd period (?since=1e300d, which parses to
// an overflowed duration) reports the last MaxReportPeriod, not a time
// before the epoch or in the future.
func TestReportPeriodBounded(t *testing.T) {
	for _, s := range []string{"1e300d", "106751d", "9223372036854775807ns", "1e18h"} {
		d, err := ParseDuration(s)
		if err != nil {
			continue // refused outright: bounded too
		}
		rep, err := (&Service{Reports: fakeLog{}}).Report(d)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if age := time.Since(rep.Since); age < 0 || age > MaxReportPeriod+time.Minute {
			t.Errorf("since=%s: report from %s (%s ago)", s, rep.Since, age)
		}
	}
}
