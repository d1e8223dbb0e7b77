package bot

import (
	"context"
	"errors"
	"faqbot/index/zh"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"faqbot/index"
	"faqbot/kb"
)

// Searcher finds articles for a question; *index.Live and *index.Index are
// Searchers.
type Searcher interface {
	Search(ctx context.Context, question, lang string, n int) ([]index.Hit, error)
	KB() *kb.KB
}

// Journal records every asked question for curator reports; *state.Store is a
// Journal. nil means nothing is recorded.
type Journal interface {
	RecordQuestion(e kb.LogEntry) error
}

// Engine answers questions from a Searcher. It is safe for concurrent use.
type Engine struct {
	src     Searcher
	opts    Options
	journal Journal
	log     *slog.Logger
	hash    func(string) string
	metrics *Metrics

	// Conversation context (followup.go).
	mem       Memory
	convoHash func(string) string
}

// Deps are the engine's optional collaborators; zero values are valid.
type Deps struct {
	Journal Journal
	Log     *slog.Logger
	// HashUser maps a platform user id to the form logged (nil: not logged).
	HashUser func(string) string
	Metrics  *Metrics
	// Memory keeps each conversation's context for follow-up questions
	// (followup.go); nil: every question is read on its own.
	Memory Memory
}

// Options tune the engine's answer/no-answer decision.
type Options struct {
	// SureCoverage is the share of the question (IDF-weighted) the best
	// article must contain for the bot to answer a question that names no
	// in-scope term (see kb.Scope).
	SureCoverage float64
	// MinCoverage is the least share for a question that names an in-scope
	// term (医保, 报销, insurance ...): people describe their case in many
	// words, and the scope term says the question is ours.
	MinCoverage float64
	// AltRatio is how close (ratio of raw scores) a runner-up must be to the
	// best article to be offered as an alternative.
	AltRatio float64
	// MaxAlternatives caps the runners-up.
	MaxAlternatives int
	// MaxQuestionBytes truncates longer questions at a rune boundary.
	MaxQuestionBytes int
	// ContextTTL is how long a conversation's last answered question is the
	// context of the next one (0: DefaultContextTTL; negative: never).
	ContextTTL time.Duration
}

// DefaultOptions are tuned on the labelled questions.
var DefaultOptions = Options{SureCoverage: 0.6, MinCoverage: 0.12, AltRatio: 0.6, MaxAlternatives: 3, MaxQuestionBytes: 1024}

// NewEngine returns an engine answering from src.
func NewEngine(src Searcher, opts Options, d Deps) *Engine {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	convoHash := convoHasher(d.HashUser)
	if d.HashUser == nil {
		d.HashUser = func(string) string { return "" }
	}
	return &Engine{src: src, opts: opts, journal: d.Journal, log: d.Log, hash: d.HashUser, metrics: d.Metrics,
		mem: d.Memory, convoHash: convoHash}
}

// ErrNoLanguage is returned for a reply language faqbot does not have.
var ErrNoLanguage = errors.New("unsupported language")

// Ask answers one question. It fails only on internal errors (a broken
// index, a cancelled context); every kind of user input gets an Answer.
func (e *Engine) Ask(ctx context.Context, q Question) (Answer, error) {
	start := time.Now()
	text := Clean(q.Text, e.opts.MaxQuestionBytes)
	detected := zh.Detect(text)
	lang := q.Lang
	switch lang {
	case "":
		lang = detected
		if lang == "" {
			lang = "zh"
		}
	case "zh", "en":
	default:
		return Answer{}, fmt.Errorf("ask: %w %q", ErrNoLanguage, q.Lang)
	}
	searchLang := detected
	if searchLang == "" {
		searchLang = lang
	}
	k := e.src.KB()
	a := Answer{Question: text, Lang: lang, Disclaimer: k.Disclaimer(lang), Alternatives: []Alternative{}}

	switch {
	case text == "" || detected == "":
		a.Reason = ReasonEmpty
	case isGreeting(text):
		a.Reason = ReasonGreeting
	default:
		alts := e.opts.MaxAlternatives
		if q.Alternatives > 0 {
			alts = q.Alternatives
		}
		hits, err := e.src.Search(ctx, text, searchLang, 1+alts)
		if err != nil {
			e.metrics.Question(q.Channel, lang, "error", time.Since(start))
			return Answer{}, fmt.Errorf("ask: %w", err)
		}
		e.fill(&a, k, text, hits, alts, searchLang)
		// Follow-ups: read in the context of the conversation (followup.go).
		if err := e.followUp(ctx, q, &a, k, text, alts, searchLang); err != nil {
			e.metrics.Question(q.Channel, lang, "error", time.Since(start))
			return Answer{}, fmt.Errorf("ask: %w", err)
		}
		if !a.Answered {
			a.Reason = ReasonNoMatch
			if isMedical(text) {
				a.Reason = ReasonMedical
			}
		}
	}
	if !a.Answered {
		a.Text = ReplyText(k, lang, a.Reason)
	}
	if lang == "zh" && zh.IsTraditional(text) {
		a.Traditional = true
		for _, s := range []*string{&a.Title, &a.Section, &a.Snippet, &a.Region, &a.Disclaimer, &a.Text} {
			*s = zh.ToTraditional(*s)
		}
		for i := range a.Alternatives {
			a.Alternatives[i].Title = zh.ToTraditional(a.Alternatives[i].Title)
		}
	}
	e.record(ctx, q, a, time.Since(start))
	return a, nil
}

func (e *Engine) fill(a *Answer, k *kb.KB, question string, hits []index.Hit, maxAlts int, searchLang string) {
	if len(hits) == 0 {
		return
	}
	top := hits[0]
	art, ok := k.Article(a.Lang, top.ID)
	if !ok || !e.confident(k, question, top) {
		return
	}
	passages := art.Passages()
	p := passages[min(top.Section, len(passages)-1)]
	if searchLang != a.Lang {
		// The passage was matched in the twin article; sections of the two
		// languages need not line up, so reply with the direct answer.
		p = passages[0]
	}
	a.Answered = true
	a.ID = art.ID
	a.Title = art.Title
	a.Score = round2(top.Coverage)
	a.Section = p.Heading
	a.Snippet = p.Body
	a.Region = art.Region
	a.Updated = art.Updated
	for _, h := range hits[1:] {
		if len(a.Alternatives) == maxAlts {
			break
		}
		if h.Raw < e.opts.AltRatio*top.Raw || h.Coverage < e.opts.MinCoverage {
			continue
		}
		if alt, ok := k.Article(a.Lang, h.ID); ok {
			a.Alternatives = append(a.Alternatives, Alternative{
				ID: alt.ID, Title: alt.Title, Score: round2(h.Coverage * h.Raw / top.Raw),
			})
		}
	}
	a.Text = AnswerText(*a, art)
}

// confident decides whether the best hit answers the question: a question
// naming an out-of-scope subject the article does not mention is never
// answered, nor a symptom question that names no insurance term; otherwise
// the article must cover most of the question, or enough of it when the
// question names an in-scope term.
func (e *Engine) confident(k *kb.KB, question string, top index.Hit) bool {
	scope := k.Scope()
	if out := index.FindTerm(question, scope.Out); out != "" && !about(k, top.ID, out) {
		return false
	}
	inScope := index.FindTerm(question, scope.In) != ""
	if isMedical(question) && !inScope {
		return false // a health question, not an insurance one: see a doctor
	}
	if top.Coverage >= e.opts.SureCoverage {
		return true
	}
	return top.Coverage >= e.opts.MinCoverage && inScope
}

// about reports whether article id is about term: its title, questions or
// tags name it in either language (a passing mention in the body does not
// make a housing-fund question ours).
func about(k *kb.KB, id, term string) bool {
	for _, lang := range kb.Languages {
		if a, ok := k.Article(lang, id); ok && index.FindTerm(a.Title+"\n"+strings.Join(a.Questions, "\n")+"\n"+strings.Join(a.Tags, "\n"), []string{term}) != "" {
			return true
		}
	}
	return false
}

func (e *Engine) record(ctx context.Context, q Question, a Answer, took time.Duration) {
	outcome := "answered"
	if !a.Answered {
		outcome = "no_answer"
	}
	e.metrics.Question(q.Channel, a.Lang, outcome, took)
	user := e.hash(q.User)
	e.log.LogAttrs(ctx, slog.LevelInfo, "question",
		slog.String("channel", q.Channel),
		slog.String("user", user),
		slog.String("lang", a.Lang),
		slog.Bool("answered", a.Answered),
		slog.String("article", a.ID),
		slog.String("reason", a.Reason),
		slog.Float64("score", a.Score),
		slog.Duration("latency", took),
	)
	if e.journal == nil || a.Reason == ReasonEmpty || q.Quiet {
		return
	}
	err := e.journal.RecordQuestion(kb.LogEntry{
		Time: time.Now(), Channel: q.Channel, Lang: a.Lang, Question: a.Question,
		ID: a.ID, Reason: a.Reason, Score: a.Score, Latency: took,
	})
	if err != nil {
		e.log.Warn("journal", "err", err)
	}
}

// KB returns the knowledge base now serving.
func (e *Engine) KB() *kb.KB { return e.src.KB() }

// detectOr is the question's language, or def when it has none.
func detectOr(text, def string) string {
	if l := zh.Detect(text); l != "" {
		return l
	}
	return def
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
