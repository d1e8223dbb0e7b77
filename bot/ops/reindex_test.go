package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"faqbot/bot"
	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

// copyContent writes the embedded content to a directory a test can edit.
func copyContent(t *testing.T) string {
	t.Helper()
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := k.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newTestReindexer(t *testing.T, contentDir, dataDir string) *Reindexer {
	t.Helper()
	load := func() (*kb.KB, error) { return kb.Load(os.DirFS(contentDir)) }
	k, err := load()
	if err != nil {
		t.Fatal(err)
	}
	ix, _, err := index.OpenOrBuild(context.Background(), k, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	live := index.NewLive(ix)
	t.Cleanup(func() { live.Close() })
	f, _ := content.FS.Open("regression.tsv")
	cases, err := kb.ParseLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	return &Reindexer{
		Live:       live,
		Load:       load,
		Build:      func(ctx context.Context, k *kb.KB) (*index.Index, error) { return index.BuildOnDisk(ctx, k, dataDir) },
		Regression: cases,
	}
}

// longRuns is how many reindexes TestReindexUnderLoad runs: 3 by default so
// `go test ./...` stays quick, 20 in CI's race step (FAQBOT_LONG_TESTS=1).
func longRuns() int {
	if os.Getenv("FAQBOT_LONG_TESTS") != "" {
		return 20
	}
	return 3
}

// TestReindexUnderLoad fires questions from several goroutines during
// consecutive reindexes (real on-disk builds and swaps): no question may
// fail or come back empty.
func TestReindexUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("consecutive on-disk reindexes under load: skipped with -short")
	}
	runs := longRuns()
	r := newTestReindexer(t, copyContent(t), t.TempDir())
	r.Regression = r.Regression[:40] // the self-check itself is tested below; keep the runs quick
	e := bot.NewEngine(r.Live, bot.DefaultOptions, bot.Deps{})
	questions := []string{"医保卡丢了怎么办", "How do I file for remote medical care?", "家庭共济怎么绑定家人", "异地就医备案需要什么材料"}
	var asked, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a, err := e.Ask(context.Background(), bot.Question{Text: questions[i%len(questions)]})
				asked.Add(1)
				if err != nil || !a.Answered || a.Snippet == "" {
					failed.Add(1)
					t.Errorf("during reindex: %q -> answered=%v err=%v", questions[i%len(questions)], a.Answered, err)
				}
			}
		}()
	}
	for i := range runs {
		rep, err := r.Run(context.Background())
		if err != nil {
			t.Fatalf("reindex %d: %v", i, err)
		}
		if n, total, ok := strings.Cut(rep.TitlesTop1, "/"); !ok || n != total || n == "0" {
			t.Errorf("reindex %d: titles %s", i, rep.TitlesTop1)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d questions during %d reindexes, %d failed", asked.Load(), runs, failed.Load())
	if asked.Load() < 100 {
		t.Errorf("only %d questions overlapped the reindexes", asked.Load())
	}
}

func TestReindexRefusesBrokenContent(t *testing.T) {
	dir := copyContent(t)
	r := newTestReindexer(t, dir, t.TempDir())
	before := r.Live.Current()
	path := filepath.Join(dir, "zh", "lost-card.md")
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), "related: [", "related: [no-such-article, ", 1)), 0o644)
	_, err := r.Run(context.Background())
	var ce kb.Errors
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "zh/lost-card.md:") || !strings.Contains(err.Error(), "no-such-article") {
		t.Fatalf("err = %v, want a file:line content error", err)
	}
	if r.Live.Current() != before {
		t.Error("live index replaced by broken content")
	}
	// A title that does not find its own article fails the self-check (here
	// one made only of stop words, which finds nothing).
	os.WriteFile(path, data, 0o644)
	en := filepath.Join(dir, "en", "lost-card.md")
	enData, _ := os.ReadFile(en)
	os.WriteFile(en, []byte(strings.Replace(string(enData), "title: \"My insurance card is lost: how do I see a doctor?\"", "title: How?", 1)), 0o644)
	rep, err := r.Run(context.Background())
	if !errors.Is(err, ErrSelfCheck) {
		t.Fatalf("err = %v (report %s), want ErrSelfCheck", err, rep)
	}
	if r.Live.Current() != before {
		t.Error("live index replaced after a failed self-check")
	}
}

func TestReindexReportAndConcurrency(t *testing.T) {
	dir := copyContent(t)
	r := newTestReindexer(t, dir, t.TempDir())
	articles := len(r.Live.Current().KB().Articles("zh"))
	os.Remove(filepath.Join(dir, "zh", "dental-coverage.md"))
	os.Remove(filepath.Join(dir, "en", "dental-coverage.md"))
	for _, lang := range []string{"zh", "en"} {
		// dental-coverage is named in other articles' related lists: drop those links.
		files, _ := filepath.Glob(filepath.Join(dir, lang, "*.md"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			s := strings.NewReplacer(", dental-coverage", "", "dental-coverage, ", "").Replace(string(data))
			os.WriteFile(f, []byte(s), 0o644)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	reps := make([]ReindexReport, 2)
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); reps[i], errs[i] = r.Run(context.Background()) }()
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	running := 0
	for i, err := range errs {
		switch {
		case errors.Is(err, ErrReindexRunning):
			running++
		case err != nil:
			t.Fatalf("reindex: %v", err)
		default:
			if strings.Join(reps[i].Removed, ",") != "dental-coverage" || reps[i].Articles["zh"] != articles-1 {
				t.Errorf("report: %s", reps[i])
			}
		}
	}
	if running != 1 {
		t.Errorf("%d of 2 concurrent reindexes refused, want exactly 1", running)
	}
}

// TestReindexRefusesRegression: content that loses two regression questions
// is refused (one may flip as noise), and the live index keeps serving.
func TestReindexRefusesRegression(t *testing.T) {
	dir := copyContent(t)
	moved := []string{"我的卡片在地铁上被人偷走了", "钱包连同卡片一起落在出租车上"}
	edit := func(id, find, repl string) {
		path := filepath.Join(dir, "zh", id+".md")
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), find) {
			t.Fatalf("%s lacks %q", id, find)
		}
		os.WriteFile(path, []byte(strings.Replace(string(data), find, repl, 1)), 0o644)
	}
	extra := "questions:\n  - " + strings.Join(moved, "\n  - ") + "\n"
	edit("lost-card", "questions:\n", extra)
	r := newTestReindexer(t, dir, t.TempDir())
	r.Regression = []kb.Labelled{{Line: 1, Question: moved[0], Want: "lost-card"}, {Line: 2, Question: moved[1], Want: "lost-card"}}
	before := r.Live.Current()

	edit("lost-card", extra, "questions:\n")
	edit("family-bind", "questions:\n", extra)
	rep, err := r.Run(context.Background())
	if !errors.Is(err, ErrSelfCheck) || rep.Before.Top1Hits != 2 || rep.After.Top1Hits != 0 {
		t.Fatalf("err = %v, before %s after %s", err, rep.Before.Summary(), rep.After.Summary())
	}
	if r.Live.Current() != before {
		t.Error("live index replaced after a regression")
	}
	// The refusal names each flipped question with its old and new answer
	// and says how to fix it.
	for _, q := range moved {
		if !strings.Contains(err.Error(), q) {
			t.Errorf("refusal does not name %q:\n%v", q, err)
		}
	}
	if !strings.Contains(err.Error(), "regression.tsv:1 ") || !strings.Contains(err.Error(), "(want lost-card): lost-card -> family-bind") ||
		!strings.Contains(err.Error(), "fix: ") || !strings.Contains(err.Error(), "relabel") {
		t.Errorf("refusal lacks the flips or the fix:\n%v", err)
	}
	if len(rep.Flips) != 2 || !rep.Flips[0].Lost {
		t.Errorf("flips = %+v", rep.Flips)
	}
}

// TestReindexRereadsRegression: the regression questions are read afresh on
// every run, so relabelling a row in regression.tsv takes effect at the next
// reindex, without a restart.
func TestReindexRereadsRegression(t *testing.T) {
	dir := copyContent(t)
	moved := []string{"我的卡片在地铁上被人偷走了", "钱包连同卡片一起落在出租车上"}
	edit := func(id, find, repl string) {
		path := filepath.Join(dir, "zh", id+".md")
		data, _ := os.ReadFile(path)
		os.WriteFile(path, []byte(strings.Replace(string(data), find, repl, 1)), 0o644)
	}
	extra := "questions:\n  - " + strings.Join(moved, "\n  - ") + "\n"
	edit("lost-card", "questions:\n", extra)
	r := newTestReindexer(t, dir, t.TempDir())
	tsv := filepath.Join(t.TempDir(), "regression.tsv")
	label := func(id string) {
		os.WriteFile(tsv, []byte("question\texpected\n"+moved[0]+"\t"+id+"\n"+moved[1]+"\t"+id+"\n"), 0o644)
	}
	r.Regression = nil
	r.LoadRegression = func() ([]kb.Labelled, error) {
		f, err := os.Open(tsv)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return kb.ParseLabelled(f)
	}
	label("lost-card")
	edit("lost-card", extra, "questions:\n")
	edit("family-bind", "questions:\n", extra)
	if _, err := r.Run(context.Background()); !errors.Is(err, ErrSelfCheck) {
		t.Fatalf("moved questions with the old labels: err = %v, want ErrSelfCheck", err)
	}
	label("family-bind") // the curator agrees with the new answers
	rep, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("after relabelling: %v", err)
	}
	if len(rep.Flips) != 2 || rep.Flips[0].Lost || rep.Flips[0].After != "family-bind" {
		t.Errorf("flips after relabelling = %+v", rep.Flips)
	}
	if rep.ContentHash == "" || rep.ContentHash != r.Live.KB().Hash() {
		t.Errorf("report content hash %q, serving %q", rep.ContentHash, r.Live.KB().Hash())
	}
}
