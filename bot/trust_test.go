package bot

import (
	"context"
	"strings"
	"testing"

	"faqbot/index/zh"
	"faqbot/kb"
)

// TestUnsure: questions about medical insurance that no article answers get
// reason "unsure", 1-3 suggestions, the honest intro, the curated hand-off
// and the disclaimer, in the question's language; never an article.
func TestUnsure(t *testing.T) {
	e := newTestEngine(t, Deps{})
	k := e.KB()
	intro := map[string]string{"zh": "我没有找到确切回答这个问题的内容", "en": "I don't have an article that answers this exactly"}
	for _, c := range []struct{ q, lang string }{
		{"试管婴儿医保能报吗", "zh"},
		{"医保个人账户有利息吗", "zh"},
		{"2024年四川居民医保一年交多少钱", "zh"},
		{"北京职工医保退休前要交满多少年", "zh"},
		{"Does medical insurance pay for IVF?", "en"},
		{"How much is the resident medical insurance premium in Sichuan for 2024?", "en"},
	} {
		a, err := e.Ask(context.Background(), Question{Text: c.q})
		if err != nil {
			t.Fatal(err)
		}
		if a.Answered || a.Reason != ReasonUnsure || a.ID != "" {
			t.Errorf("%q: answered=%v reason=%q id=%q, want unsure", c.q, a.Answered, a.Reason, a.ID)
			continue
		}
		if n := len(a.Alternatives); n < 1 || n > 3 {
			t.Errorf("%q: %d alternatives, want 1-3", c.q, n)
		}
		for _, want := range []string{intro[c.lang], k.Handoff(c.lang), k.Disclaimer(c.lang), "1. "} {
			if !strings.Contains(a.Text, want) {
				t.Errorf("%q: text lacks %q:\n%s", c.q, want, a.Text)
			}
		}
		if a.Disclaimer != k.Disclaimer(c.lang) || a.Lang != c.lang {
			t.Errorf("%q: lang %q disclaimer %q", c.q, a.Lang, a.Disclaimer)
		}
	}
}

// TestUnsureAlwaysSuggests: over every uncovered tune question, an unsure
// reply always carries 1-3 suggestions and the hand-off.
func TestUnsureAlwaysSuggests(t *testing.T) {
	e := newTestEngine(t, Deps{})
	rows, err := kb.ParseLabelled(strings.NewReader(string(uncoveredTSV)))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		a, err := e.Ask(context.Background(), Question{Text: r.Question})
		if err != nil {
			t.Fatal(err)
		}
		handoff := e.KB().Handoff(a.Lang)
		if a.Traditional {
			handoff = zh.ToTraditional(handoff)
		}
		if a.Reason == ReasonUnsure && (len(a.Alternatives) < 1 || len(a.Alternatives) > 3 || !strings.Contains(a.Text, handoff)) {
			t.Errorf("line %d %q: unsure with %d alternatives", r.Line, r.Question, len(a.Alternatives))
		}
	}
}

// TestRegion: a local article answers a question naming its place, never
// one naming another place (that gets the general article or unsure with
// the local one as a suggestion and a line that rules differ by place).
func TestRegion(t *testing.T) {
	e := newTestEngine(t, Deps{})
	for _, c := range []struct {
		q, local string
		own      bool // the question names the local article's place
	}{
		{"西安退休时医保年限不够怎么补缴", "xian-retirement-top-up", true},
		{"北京职工医保退休前要交满多少年", "xian-retirement-top-up", false},
		{"福州的职工医保交够多少年退休不用再交", "xian-retirement-top-up", false},
		{"上海医保卡余额为零还能报销吗", "shanghai-zero-balance", true},
		{"成都医保卡余额为零还能报销吗", "shanghai-zero-balance", false},
	} {
		a, err := e.Ask(context.Background(), Question{Text: c.q})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case c.own && (!a.Answered || a.ID != c.local):
			t.Errorf("%q: answered=%v id=%q reason=%q, want %s", c.q, a.Answered, a.ID, a.Reason, c.local)
		case !c.own && a.ID == c.local:
			t.Errorf("%q: answered with the local article %s", c.q, c.local)
		case !c.own && a.Reason == ReasonUnsure && suggests(a, c.local) && !strings.Contains(a.Text, unsureLabels["zh"]["local"]):
			t.Errorf("%q: suggests local %s without saying rules differ by place:\n%s", c.q, c.local, a.Text)
		}
	}
}

func suggests(a Answer, id string) bool {
	for _, alt := range a.Alternatives {
		if alt.ID == id {
			return true
		}
	}
	return false
}

// TestTitleGetsLead: asking an article's title (or a listed phrasing)
// replies with its lead, the direct answer, not a side section.
func TestTitleGetsLead(t *testing.T) {
	e := newTestEngine(t, Deps{})
	for _, lang := range kb.Languages {
		for _, art := range e.KB().Articles(lang) {
			for _, q := range append([]string{art.Title}, art.Questions[:1]...) {
				a, err := e.Ask(context.Background(), Question{Text: q, Lang: lang})
				if err != nil {
					t.Fatal(err)
				}
				if a.ID == art.ID && a.Snippet != art.Lead {
					t.Errorf("%s %q: section %q, want the lead", lang, q, a.Section)
				}
			}
		}
	}
}

// TestTyposAndJunk: slips still find the article when the intent is clear;
// junk is never answered with an article.
func TestTyposAndJunk(t *testing.T) {
	e := newTestEngine(t, Deps{})
	for _, c := range []struct{ q, want string }{
		{"I lost my insurence card, how do I replace it?", "lost-card"},
		{"how do I aply for remote medical care filing", "remote-filing"},
		{"新农和跟居民医保有啥区别", "resident-vs-cooperative"},
		{"医医医医医", ""},
		{"保保保保保保保保", ""},
		{"!!!???", ""},
		{"🙂🙂🙂", ""},
		{"12345 67890", ""},
		{"aaaaaaa", ""},
	} {
		a, err := e.Ask(context.Background(), Question{Text: c.q})
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "" && a.Answered || c.want != "" && a.ID != c.want {
			t.Errorf("%q: answered=%v id=%q reason=%q, want %q", c.q, a.Answered, a.ID, a.Reason, c.want)
		}
	}
}

// TestEvaluateKinds scores the three kinds of rows: an id (answer with it),
// "-" (do not answer) and "?ids" (unsure, or an answer with a listed id).
func TestEvaluateKinds(t *testing.T) {
	e := newTestEngine(t, Deps{})
	rows, err := kb.ParseLabelled(strings.NewReader(
		"医保卡丢了怎么办\tlost-card\n" +
			"公积金怎么提取\t-\n" +
			"试管婴儿医保能报吗\t?\n" +
			"医保卡丢了怎么补办\t?lost-card\n" +
			"医保卡丢了怎么挂失\t?first-time-card\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(context.Background(), e, rows, func(q string) Question { return Question{Text: q} })
	if err != nil {
		t.Fatal(err)
	}
	// Row 5 is answered with lost-card, which it does not list: one wrong.
	if r.N != 5 || r.Positives != 1 || r.Negative != 1 || r.Uncovered != 3 || r.Top1 != 1 || r.Abstain != 1 ||
		r.Answered != 3 || r.Right != 2 || r.Wrong != 1 || r.Unsured != 1 || r.UncoveredOK < 0.66 || r.UncoveredOK > 0.67 {
		t.Errorf("%+v", r)
	}
	if !strings.HasPrefix(r.Summary(), "top1=1.000 top3=1.000 abstain=1.000 n=5 precision=0.667 recall=0.667") {
		t.Errorf("summary %q", r.Summary())
	}
	if len(r.Curve) != len(CurveThresholds) || !strings.HasPrefix(r.CurveTable(), "threshold precision recall") {
		t.Errorf("curve %v", r.Curve)
	}
}

// TestModelFile: the committed model matches the features and its
// threshold is a probability.
func TestModelFile(t *testing.T) {
	if err := model.Check(len(FeatureNames)); err != nil {
		t.Fatal(err)
	}
	if th := ModelThreshold(); th <= 0 || th >= 1 {
		t.Errorf("threshold %v", th)
	}
}
