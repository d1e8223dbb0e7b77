package bot

import (
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"faqbot/content"
	"faqbot/kb"
)

// TestAskBadInput: every kind of junk gets a defined reply with the
// disclaimer, never an error or a panic.
func TestAskBadInput(t *testing.T) {
	e := newTestEngine(t, Deps{})
	long := strings.Repeat("医保卡丢了怎么办", 700) // ~16 kB
	tests := []struct {
		name, q    string
		answered   bool
		reason     string
		wantLang   string
		maxQuBytes int
	}{
		{"empty", "", false, ReasonEmpty, "zh", 0},
		{"whitespace", " \t\n\u3000 ", false, ReasonEmpty, "zh", 0},
		{"emoji only", "😀🙏😀", false, ReasonEmpty, "zh", 0},
		{"digits only", "12345", false, ReasonEmpty, "zh", 0},
		{"invalid utf8", "\xff\xfe\xfd", false, ReasonEmpty, "zh", 0},
		{"control chars", "\x00\x01\x1b[31m", false, ReasonNoMatch, "en", 0},
		{"greeting", "你好！", false, ReasonGreeting, "zh", 0},
		{"russian", "Как получить медицинскую страховку?", false, ReasonLanguage, "en", 0},
		{"korean", "보험 카드를 잃어버렸어요", false, ReasonLanguage, "en", 0},
		{"arabic", "كيف أحصل على التأمين الصحي؟", false, ReasonLanguage, "en", 0},
		{"english greeting", "hello", false, ReasonGreeting, "en", 0},
		{"query syntax", `+title:x -body:* "`, false, ReasonNoMatch, "en", 0},
		{"sql", "'; DROP TABLE users; --", false, ReasonNoMatch, "en", 0},
		{"html", "<script>alert('x')</script>", false, ReasonNoMatch, "en", 0},
		{"xml", "<xml><a>]]></a></xml>", false, ReasonNoMatch, "en", 0},
		{"symptom", "嗓子疼发烧吃什么药好", false, ReasonMedical, "zh", 0},
		{"off topic", "南昌废品回收价格表", false, ReasonNoMatch, "zh", 0},
		{"housing fund", "公积金怎么提取", false, ReasonNoMatch, "zh", 0},
		{"10 kB question", long, true, "", "zh", DefaultOptions.MaxQuestionBytes},
		{"control inside", "医保卡丢了\x00怎么办\x07", true, "", "zh", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := e.Ask(context.Background(), Question{Text: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if a.Answered != tt.answered || a.Reason != tt.reason || a.Lang != tt.wantLang {
				t.Errorf("answered=%v reason=%q lang=%q, want %v %q %q", a.Answered, a.Reason, a.Lang, tt.answered, tt.reason, tt.wantLang)
			}
			if a.Disclaimer == "" || !strings.Contains(a.Text, a.Disclaimer) && a.Answered {
				t.Errorf("reply lacks the disclaimer: %q", a.Text)
			}
			if a.Text == "" {
				t.Error("empty reply text")
			}
			if !utf8.ValidString(a.Question) || !utf8.ValidString(a.Text) {
				t.Error("invalid UTF-8 echoed")
			}
			if tt.maxQuBytes > 0 && len(a.Question) > tt.maxQuBytes {
				t.Errorf("question kept %d bytes, limit %d", len(a.Question), tt.maxQuBytes)
			}
			if !a.Answered && a.ID != "" {
				t.Errorf("unanswered reply carries id %q", a.ID)
			}
		})
	}
}

func TestAskAnswerShape(t *testing.T) {
	e := newTestEngine(t, Deps{})
	a, err := e.Ask(context.Background(), Question{Text: "医保卡丢了怎么办"})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Answered || a.ID != "lost-card" || a.Lang != "zh" {
		t.Fatalf("got %+v", a)
	}
	art, _ := e.Article("zh", "lost-card")
	for _, want := range []string{art.Title, a.Snippet, art.Updated, art.Region, e.KB().Disclaimer("zh")} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("reply text lacks %q:\n%s", want, a.Text)
		}
	}
	if strings.Contains(a.Snippet, "## ") || a.Snippet == art.Markdown() {
		t.Error("snippet is not one passage")
	}
	if a.Score <= 0 || a.Score > 1 {
		t.Errorf("score %v outside (0,1]", a.Score)
	}
	if len(a.Alternatives) > DefaultOptions.MaxAlternatives {
		t.Errorf("%d alternatives", len(a.Alternatives))
	}
	for _, alt := range a.Alternatives {
		if alt.ID == a.ID || alt.Title == "" || alt.Score > a.Score {
			t.Errorf("bad alternative %+v", alt)
		}
	}
}

// TestAskLanguages: the reply follows the question's script unless the user
// chose a language; Traditional questions get zh answers in Traditional.
func TestAskLanguages(t *testing.T) {
	e := newTestEngine(t, Deps{})
	tests := []struct {
		q, lang, wantLang, wantID string
		traditional               bool
	}{
		{"How do I file for remote medical care?", "", "en", "remote-filing", false},
		{"异地就医备案怎么办理", "", "zh", "remote-filing", false},
		{"異地就醫備案怎麼辦理", "", "zh", "remote-filing", true},
		{"异地就医备案怎么办理", "en", "en", "remote-filing", false},
		{"How do I file for remote medical care?", "zh", "zh", "remote-filing", false},
	}
	for _, tt := range tests {
		a, err := e.Ask(context.Background(), Question{Text: tt.q, Lang: tt.lang})
		if err != nil {
			t.Fatal(err)
		}
		if a.Lang != tt.wantLang || a.ID != tt.wantID || a.Traditional != tt.traditional {
			t.Errorf("%q lang=%q: got lang=%q id=%q traditional=%v", tt.q, tt.lang, a.Lang, a.ID, a.Traditional)
		}
		if a.Disclaimer != e.KB().Disclaimer(a.Lang) && !tt.traditional {
			t.Errorf("%q: disclaimer not in %s", tt.q, a.Lang)
		}
		if tt.traditional && !strings.Contains(a.Text, "醫") {
			t.Errorf("Traditional question answered in Simplified: %q", a.Title)
		}
	}
	if _, err := e.Ask(context.Background(), Question{Text: "x", Lang: "fr"}); err == nil {
		t.Error("unsupported language accepted")
	}
}

// TestRegression scores the engine on every labelled set and holds bars a
// little under today's figures, so a drop fails CI: the project's
// regression questions and the uncovered and near-miss tune sets (the
// confidence model is fitted on them), their blind twins and heldout.tsv
// (never fitted or tuned on), and, when ../shared is present, the dev set.
func TestRegression(t *testing.T) {
	e := newTestEngine(t, Deps{})
	type opener = func() (interface{ Read([]byte) (int, error) }, error)
	file := func(path string) opener {
		return func() (interface{ Read([]byte) (int, error) }, error) { return os.Open(path) }
	}
	sets := []struct {
		name                     string
		open                     opener
		top1, abstain, uncovered float64 // least
		wrong                    float64 // most
		requirePresence          bool
	}{
		{"content/regression.tsv", func() (interface{ Read([]byte) (int, error) }, error) { return content.FS.Open("regression.tsv") }, 0.65, 0.97, 0, 0.02, true},
		{"bot/testdata/uncovered.tsv", file("testdata/uncovered.tsv"), 0, 0, 0.84, 0.055, true},
		{"bot/testdata/nearmiss.tsv", file("testdata/nearmiss.tsv"), 0, 0.97, 0, 0.03, true},
		{"bot/testdata/heldout.tsv", file("testdata/heldout.tsv"), 0.87, 0.97, 0, 0.045, true},
		{"bot/testdata/uncovered.blind.tsv", file("testdata/uncovered.blind.tsv"), 0, 0, 0.80, 0.08, true},
		{"bot/testdata/nearmiss.blind.tsv", file("testdata/nearmiss.blind.tsv"), 0, 0.95, 0, 0.05, true},
		{"../shared/eval/dev.tsv", file("../../shared/eval/dev.tsv"), 0.85, 0.95, 0, 0.02, false},
	}
	for _, s := range sets {
		f, err := s.open()
		if err != nil {
			if s.requirePresence {
				t.Fatal(err)
			}
			t.Logf("%s: not present here (%v)", s.name, err)
			continue
		}
		cases, err := kb.ParseLabelled(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Evaluate(context.Background(), e, cases, func(q string) Question { return Question{Text: q} })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s", s.name, r.Summary())
		if r.Top1 < s.top1 || r.Abstain < s.abstain || r.UncoveredOK < s.uncovered || r.WrongRate > s.wrong {
			t.Errorf("%s: %s below top1 %.2f / abstain %.2f / uncovered_ok %.2f or above wrong %.2f\n%s",
				s.name, r.Summary(), s.top1, s.abstain, s.uncovered, s.wrong, strings.Join(r.Misses, "\n"))
		}
	}
}

// fakeJournal records what the engine journals.
type fakeJournal struct{ entries []string }

func (f *fakeJournal) RecordQuestion(e kb.LogEntry) error {
	f.entries = append(f.entries, e.Question)
	return nil
}

func TestAskJournalAndAlternatives(t *testing.T) {
	j := &fakeJournal{}
	e := newTestEngine(t, Deps{Journal: j})
	ctx := context.Background()
	e.Ask(ctx, Question{Text: "公积金怎么提取"})
	e.Ask(ctx, Question{Text: "医保卡丢了怎么办", User: "u1"})
	e.Ask(ctx, Question{Text: "医保卡丢", Quiet: true})
	e.Ask(ctx, Question{Text: "   "})
	if strings.Join(j.entries, "|") != "公积金怎么提取|医保卡丢了怎么办" {
		t.Errorf("journal = %q, want the asked questions only (not quiet or empty ones)", j.entries)
	}
	a, _ := e.Ask(ctx, Question{Text: "家庭共济", Alternatives: 4})
	b, _ := e.Ask(ctx, Question{Text: "家庭共济"})
	if len(a.Alternatives) > 4 || len(b.Alternatives) > DefaultOptions.MaxAlternatives || len(a.Alternatives) < len(b.Alternatives) {
		t.Errorf("alternatives: %d with 4 asked, %d by default", len(a.Alternatives), len(b.Alternatives))
	}
}
