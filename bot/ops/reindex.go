package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"faqbot/bot"
	"faqbot/index"
	"faqbot/kb"
)

// ErrReindexRunning is returned when a reindex is asked for while another runs.
var ErrReindexRunning = errors.New("a reindex is already running")

// ErrSelfCheck is returned when a new index fails its self-check; the live
// index keeps serving.
var ErrSelfCheck = errors.New("self-check failed")

// Reindexer rebuilds the index from content and switches the live index to
// it: the one path behind `faqbot reindex`, POST /admin/reindex, SIGHUP and
// the Telegram /reindex command.
type Reindexer struct {
	Live *index.Live
	// Load reads and validates the content (kb.Load on the content tree).
	Load func() (*kb.KB, error)
	// Build makes the new index (index.BuildOnDisk under the data directory,
	// or an in-memory build in tests).
	Build func(ctx context.Context, k *kb.KB) (*index.Index, error)
	// Regression are the curator's labelled questions; the new index must
	// score no lower on them than the live one.
	Regression []kb.Labelled
	// LoadRegression, when set, reads the regression questions afresh on
	// every run (from the content tree being indexed), so a relabelled
	// question counts without a restart; it replaces Regression.
	LoadRegression func() ([]kb.Labelled, error)
	Metrics        *bot.Metrics
	// Source says where Load reads the content from ("embedded content" or
	// a directory), for the report: an operator publishing a directory
	// learns which content the server actually loads.
	Source string
	// Progress, when set, is told each stage as it starts (lint, build,
	// self-check, switch): `faqbot reindex` shows it on a terminal.
	Progress func(stage string)

	mu sync.Mutex
}

// ReindexReport says what a reindex changed and how the self-check went.
type ReindexReport struct {
	Added, Removed, Changed []string
	Articles                map[string]int // per language
	Docs                    uint64
	BuildTime               time.Duration
	TitlesTop1              string // e.g. "96/96"
	Before, After           bot.EvalResult
	// Flips are the regression questions whose verdict changed between the
	// live index and the new one.
	Flips []Flip
	// ContentHash is kb.KB.Hash of the content now serving (the new
	// content after a switch, the old one after a refusal); Source is
	// where it was loaded from.
	ContentHash, Source string
}

// Flip is one regression question answered differently by the new index.
// Before and After are article ids, or "-" for no answer.
type Flip struct {
	Line           int
	Question, Want string
	Before, After  string
	Lost           bool // right before, wrong now (false: fixed by the new content)
}

func (f Flip) String() string {
	verdict := "now right"
	if f.Lost {
		verdict = "now wrong"
	}
	return fmt.Sprintf("regression.tsv:%d %q (want %s): %s -> %s, %s", f.Line, f.Question, f.Want, f.Before, f.After, verdict)
}

// String is the report as printed by `faqbot reindex` and sent to operators.
func (r ReindexReport) String() string {
	var b strings.Builder
	list := func(name string, ids []string) {
		fmt.Fprintf(&b, "%s: %d", name, len(ids))
		if len(ids) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(ids, ", "))
		}
		b.WriteString("\n")
	}
	list("added", r.Added)
	list("removed", r.Removed)
	list("changed", r.Changed)
	langs := make([]string, 0, len(r.Articles))
	for l := range r.Articles {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		fmt.Fprintf(&b, "articles %s: %d\n", l, r.Articles[l])
	}
	fmt.Fprintf(&b, "documents: %d\nbuild time: %s\n", r.Docs, r.BuildTime.Round(time.Millisecond))
	fmt.Fprintf(&b, "self-check: titles top-1 %s; regression %s -> %s\n", r.TitlesTop1, r.Before.Summary(), r.After.Summary())
	for _, f := range r.Flips {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	if r.Source != "" {
		fmt.Fprintf(&b, "serving: %s (content %s)\n", r.Source, shortHash(r.ContentHash))
	}
	return b.String()
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Run rebuilds and switches. Broken content or a failed self-check leaves
// the live index serving and returns the reason (kb.Errors for content).
func (r *Reindexer) Run(ctx context.Context) (ReindexReport, error) {
	if !r.mu.TryLock() {
		return ReindexReport{}, ErrReindexRunning
	}
	defer r.mu.Unlock()
	rep, err := r.run(ctx)
	rep.ContentHash, rep.Source = r.Live.KB().Hash(), r.Source
	r.Metrics.Reindexed(rep.BuildTime, rep.Docs, err)
	return rep, err
}

func (r *Reindexer) stage(name string) {
	if r.Progress != nil {
		r.Progress(name)
	}
}

func (r *Reindexer) run(ctx context.Context) (ReindexReport, error) {
	var rep ReindexReport
	r.stage("lint")
	k, err := r.Load()
	if err != nil {
		return rep, err
	}
	r.stage("build")
	start := time.Now()
	ix, err := r.Build(ctx, k)
	if err != nil {
		return rep, fmt.Errorf("build index: %w", err)
	}
	rep.BuildTime = time.Since(start)
	old := r.Live.KB()
	rep.Added, rep.Removed, rep.Changed = diff(old, k)
	rep.Articles = map[string]int{}
	for _, l := range kb.Languages {
		rep.Articles[l] = len(k.Articles(l))
	}
	rep.Docs, _ = ix.DocCount()
	r.stage("self-check")
	if err := r.check(ctx, ix, &rep); err != nil {
		ix.Close()
		return rep, err
	}
	r.stage("switch")
	if err := r.Live.Swap(ix); err != nil {
		return rep, fmt.Errorf("switch index: %w", err)
	}
	return rep, nil
}

// check runs the self-check: every title finds its own article first, and
// the regression questions score no lower than on the live index.
func (r *Reindexer) check(ctx context.Context, ix *index.Index, rep *ReindexReport) error {
	k := ix.KB()
	total, ok := 0, 0
	var misses []string
	for _, l := range kb.Languages {
		for _, a := range k.Articles(l) {
			total++
			hits, err := ix.Search(ctx, a.Title, l, 1)
			if err != nil {
				return err
			}
			if len(hits) > 0 && hits[0].ID == a.ID {
				ok++
			} else {
				misses = append(misses, l+"/"+a.ID)
			}
		}
	}
	rep.TitlesTop1 = fmt.Sprintf("%d/%d", ok, total)
	// Both indexes are scored on the rows whose article exists in both, so
	// removing an article neither helps nor hurts the comparison.
	var cases []kb.Labelled
	old := r.Live.KB()
	regression := r.Regression
	if r.LoadRegression != nil {
		var err error
		if regression, err = r.LoadRegression(); err != nil {
			return err
		}
	}
	for _, c := range regression {
		_, inOld := old.Article("zh", c.Want)
		_, inNew := k.Article("zh", c.Want)
		if c.Want == "-" || inOld && inNew {
			cases = append(cases, c)
		}
	}
	var err error
	question := func(q string) bot.Question { return bot.Question{Text: q, Channel: "selfcheck"} }
	before, after := bot.NewEngine(r.Live, bot.DefaultOptions, bot.Deps{}), bot.NewEngine(ix, bot.DefaultOptions, bot.Deps{})
	if rep.Before, err = bot.Evaluate(ctx, before, cases, question); err != nil {
		return err
	}
	if rep.After, err = bot.Evaluate(ctx, after, cases, question); err != nil {
		return err
	}
	if rep.Flips, err = flips(ctx, before, after, cases, question); err != nil {
		return err
	}
	if len(misses) > 0 {
		return fmt.Errorf("%w: these titles do not find their own article first: %s\nfix: make each title name its subject plainly (a title is searched as a question)", ErrSelfCheck, strings.Join(misses, ", "))
	}
	// Any content change shifts term statistics a little: up to one
	// borderline question in a hundred (at least one) flipping is noise,
	// more is a regression.
	noise := max(1, len(cases)/100)
	if rep.Before.Top1Hits-rep.After.Top1Hits > noise || rep.Before.Abstained-rep.After.Abstained > noise {
		var b strings.Builder
		fmt.Fprintf(&b, "regression questions score lower than the live index: %s -> %s\nquestions that flipped (old -> new answer; - is no answer):", rep.Before.Summary(), rep.After.Summary())
		for _, f := range rep.Flips {
			if f.Lost {
				fmt.Fprintf(&b, "\n  %s", f)
			}
		}
		b.WriteString("\nfix: for each, either add the question (or a phrasing close to it) to the `questions` of content/zh/<want>.md or content/en/<want>.md, " +
			"or, when the new answer is right, relabel the row in content/regression.tsv (question<TAB>new id, or - for no answer); then reindex again")
		return fmt.Errorf("%w: %s", ErrSelfCheck, b.String())
	}
	return nil
}

// flips asks both engines every case and lists the questions whose verdict
// changed, with the meaning of bot.Evaluate: a row is right when the answer
// is its article (Answered and ID == Want), or, for "-", when nothing is
// answered.
func flips(ctx context.Context, before, after *bot.Engine, cases []kb.Labelled, question func(string) bot.Question) ([]Flip, error) {
	verdict := func(e *bot.Engine, q string) (string, error) {
		a, err := e.Ask(ctx, question(q))
		if err != nil || !a.Answered {
			return "-", err
		}
		return a.ID, nil
	}
	var out []Flip
	for _, c := range cases {
		b, err := verdict(before, c.Question)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", c.Line, err)
		}
		a, err := verdict(after, c.Question)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", c.Line, err)
		}
		if (b == c.Want) != (a == c.Want) {
			out = append(out, Flip{Line: c.Line, Question: c.Question, Want: c.Want, Before: b, After: a, Lost: b == c.Want})
		}
	}
	return out, nil
}

// diff compares two knowledge bases by id and content.
func diff(old, cur *kb.KB) (added, removed, changed []string) {
	oldIDs := map[string]bool{}
	for _, id := range old.IDs() {
		oldIDs[id] = true
	}
	for _, id := range cur.IDs() {
		if !oldIDs[id] {
			added = append(added, id)
			continue
		}
		delete(oldIDs, id)
		for _, l := range kb.Languages {
			a, _ := old.Article(l, id)
			b, _ := cur.Article(l, id)
			if !sameArticle(a, b) {
				changed = append(changed, id)
				break
			}
		}
	}
	for id := range oldIDs {
		removed = append(removed, id)
	}
	sort.Strings(removed)
	return added, removed, changed
}

func sameArticle(a, b *kb.Article) bool {
	if a == nil || b == nil {
		return a == b
	}
	key := func(x *kb.Article) []byte {
		return []byte(strings.Join([]string{x.Title, x.Topic, strings.Join(x.Questions, "|"), strings.Join(x.Tags, "|"),
			x.Region, x.Updated, strings.Join(x.Sources, "|"), strings.Join(x.Related, "|"), x.Markdown()}, "\x00"))
	}
	return bytes.Equal(key(a), key(b))
}
