package bot

import (
	"context"
	"errors"
	"faqbot/index/zh"
	"fmt"
	"log/slog"
	"math"
	"time"

	"faqbot/index"
	"faqbot/kb"
)

// Searcher hands out the index generation now serving. The engine takes it
// once per question and reads everything from that one snapshot: the
// search, the closest exemplars, the missing terms and the articles, so a
// reindex swapping generations meanwhile never mixes two indexes' figures.
// *index.Live and *index.Index (itself, for tests and one-shot commands)
// are Searchers.
type Searcher interface {
	Current() *index.Index
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
	ex      exemplarCache
	scope   scopeCache
	lex     lexiconCache
	cache   *answerCache // nil: no answer cache (cache.go)

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
	// Threshold is the least p(correct) of the confidence model for the bot
	// to answer; 0 means the committed threshold (ModelThreshold).
	Threshold float64
	// AltRatio is how close (ratio of raw scores) a runner-up must be to the
	// best article to be offered as an alternative of an answer.
	AltRatio float64
	// MaxAlternatives caps the runners-up and the suggestions of an unsure
	// reply.
	MaxAlternatives int
	// MaxQuestionBytes truncates longer questions at a rune boundary.
	MaxQuestionBytes int
	// ContextTTL is how long a conversation's last answered question is the
	// context of the next one (0: DefaultContextTTL; negative: never).
	ContextTTL time.Duration
	// CacheSize bounds the answer cache (cache.go): the answers of that many
	// recent questions are kept per index; 0 means no cache.
	CacheSize int
}

// DefaultOptions are tuned on the labelled questions.
var DefaultOptions = Options{AltRatio: 0.6, MaxAlternatives: 3, MaxQuestionBytes: 1024}

// curatedSimilarity is the phrasing similarity from which a question is
// taken to be the article's curated phrasing itself (the same words).
const curatedSimilarity = 0.95

// searchDepth is how many hits the engine reads: enough for the region rule
// to find a general article behind a local one.
const searchDepth = 8

// leadSimilarity is the phrasing similarity above which a question is taken
// to ask what the article's title asks: the reply is the lead (the direct
// answer), not the passage with the most matching words.
const leadSimilarity = 0.5

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
		mem: d.Memory, convoHash: convoHash, cache: newAnswerCache(opts.CacheSize)}
}

// ErrNoLanguage is returned for a reply language faqbot does not have.
var ErrNoLanguage = errors.New("unsupported language")

// Ask answers one question. It fails only on internal errors (a broken
// index, a cancelled context); every kind of user input gets an Answer.
func (e *Engine) Ask(ctx context.Context, q Question) (Answer, error) {
	a, _, err := e.Decide(ctx, q)
	return a, err
}

// Decide answers one question like Ask and also returns how the engine
// decided (the confidence model's inputs and output).
func (e *Engine) Decide(ctx context.Context, q Question) (Answer, Decision, error) {
	start := time.Now()
	var d Decision
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
		return Answer{}, d, fmt.Errorf("ask: %w %q", ErrNoLanguage, q.Lang)
	}
	searchLang := detected
	if searchLang == "" {
		searchLang = lang
	}
	ix := e.src.Current()
	k := ix.KB()
	a := Answer{Question: text, Lang: lang, Disclaimer: k.Disclaimer(lang), Alternatives: []Alternative{}}

	switch {
	case e.openSuggestion(k, q, &a, suggestionNumber(text)):
		d.Gate, d.Candidate, d.P = "suggestion", a.ID, 1
	case detected == "" && foreignScript(text):
		a.Lang, a.Reason, d.Gate = "en", ReasonLanguage, ReasonLanguage
		a.Disclaimer = k.Disclaimer("en")
	case text == "" || detected == "":
		a.Reason, d.Gate = ReasonEmpty, ReasonEmpty
	case e.lex.get(k).greeting(text):
		a.Reason, d.Gate = ReasonGreeting, ReasonGreeting
	case isJunk(text):
		a.Reason, d.Gate = ReasonNoMatch, "junk"
	default:
		alts := e.opts.MaxAlternatives
		if q.Alternatives > 0 {
			alts = q.Alternatives
		}
		lookup, hit := e.cached(ix, q, text, lang, alts, &a, &d)
		if hit {
			break
		}
		hits, err := ix.Search(ctx, text, searchLang, max(1+alts, searchDepth))
		if err != nil {
			e.metrics.Question(q.Channel, lang, "error", time.Since(start))
			return Answer{}, d, fmt.Errorf("ask: %w", err)
		}
		d = e.decide(ix, text, searchLang, hits, reading{})
		if lang != searchLang && d.Gate == "" {
			// A mixed question ("What does 甲类药品 mean?") with a chosen reply
			// language: the reply language's articles may match it better.
			h2, err := ix.Search(ctx, text, lang, max(1+alts, searchDepth))
			if err != nil {
				return Answer{}, d, fmt.Errorf("ask: %w", err)
			}
			if d2 := e.decide(ix, text, lang, h2, reading{}); d2.Gate == "" && d2.P > d.P {
				d, hits, searchLang = d2, h2, lang
			}
		}
		switch {
		case d.Answers(e.threshold()):
			e.fill(&a, k, hits, d.Candidate, alts, searchLang)
		case d.Unsure(e.threshold()):
			e.unsure(&a, k, text, hits, d.Candidate, alts)
		case e.lex.get(k).medical(text):
			a.Reason = ReasonMedical
		default:
			a.Reason = ReasonNoMatch
		}
		// Follow-ups: read in the context of the conversation (followup.go).
		if err := e.followUp(ctx, ix, q, &a, text, alts, searchLang, d); err != nil {
			e.metrics.Question(q.Channel, lang, "error", time.Since(start))
			return Answer{}, d, fmt.Errorf("ask: %w", err)
		}
		e.storeCached(ix, lookup, a, d)
	}
	if !a.Answered && a.Reason != ReasonUnsure {
		a.Text = ReplyText(k, a.Lang, a.Reason)
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
	return a, d, nil
}

func (e *Engine) threshold() float64 {
	if e.opts.Threshold > 0 {
		return e.opts.Threshold
	}
	return model.Threshold
}

// decide applies the hard rules, then the region rule and the confidence
// model: a question naming an out-of-scope subject the article is not about
// is never answered, nor a symptom question that names no insurance term.
func (e *Engine) decide(ix *index.Index, question, lang string, hits []index.Hit, rd reading) Decision {
	var d Decision
	k := ix.KB()
	scope, lx, text := e.scope.get(k), e.lex.get(k), index.NewText(question)
	inScope := text.Find(scope.in) != ""
	switch {
	case len(hits) == 0:
		d.Gate = "no-hit"
		return d
	case lx.medical(question) && !inScope:
		d.Gate = ReasonMedical // a health question, not an insurance one: see a doctor
		return d
	}
	places := lx.placesIn(question)
	i := candidate(k, lx, hits, places)
	d.Candidate = hits[i].ID
	out := text.Find(scope.out)
	if out != "" && !About(k, d.Candidate, out) {
		d.Gate = "out-of-scope"
		return d
	}
	d.InScope = inScope
	var nearU, nearN float64
	var miss index.Missing
	if ex := e.ex.get(ix); ex != nil {
		nearU, nearN = ix.Closest(ex.uncovered, question, lang), NearOfftopic(ix, ex.nearmiss, scope.in, question, lang)
	}
	miss = ix.Missing(question, lang, d.Candidate)
	d.Features = features(k, lx, question, hits, i, places, inScope, out != "", nearU, nearN, miss, rd)
	d.InScope = inScope || nearU > nearN && hits[i].Coverage >= 0.25
	d.P = model.Prob(d.Features)
	if hits[i].Similarity >= curatedSimilarity && !rd.inContext {
		// Worded as one of the article's curated phrasings: the curators
		// wrote it as a question the article answers, whatever labelled
		// uncovered questions look like it.
		d.P = max(d.P, 0.99)
	}
	if d.Features[placeMismatch] == 1 {
		// Region, a hard rule (too rare in the labelled sets to be learned):
		// a local article never answers a question about another place; it
		// is offered as a suggestion with a line that rules differ by place.
		d.P, d.InScope = 0, true
	}
	return d
}

// fill makes a an answer with article id, the runners-up as alternatives.
func (e *Engine) fill(a *Answer, k *kb.KB, hits []index.Hit, id string, maxAlts int, searchLang string) {
	var top index.Hit
	for _, h := range hits {
		if h.ID == id {
			top = h
			break
		}
	}
	art, ok := k.Article(a.Lang, id)
	if !ok {
		a.Reason = ReasonNoMatch
		return
	}
	passages := art.Passages()
	p := passages[min(top.Section, len(passages)-1)]
	if searchLang != a.Lang || top.Similarity >= leadSimilarity {
		// The passage was matched in the twin article (sections of the two
		// languages need not line up), or the question asks what the title
		// asks: reply with the direct answer.
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
	for _, h := range hits {
		if len(a.Alternatives) == maxAlts {
			break
		}
		if h.ID == id || h.Raw < e.opts.AltRatio*top.Raw {
			continue
		}
		if alt, ok := k.Article(a.Lang, h.ID); ok {
			a.Alternatives = append(a.Alternatives, Alternative{
				ID: alt.ID, Title: alt.Title, Score: round2(h.Coverage * h.Raw / max(top.Raw, 1e-9)),
			})
		}
	}
	a.Text = AnswerText(*a, art)
}

// unsureFloor is how close (share of the candidate's raw score) a runner-up
// must be to be suggested in an unsure reply besides the candidate.
const unsureFloor = 0.35

// unsure makes a the honest "not sure" reply: the closest articles as
// suggestions (the candidate first), a line that local rules differ when a
// suggestion is local and the question names another place, the hand-off.
func (e *Engine) unsure(a *Answer, k *kb.KB, question string, hits []index.Hit, id string, maxAlts int) {
	a.Reason = ReasonUnsure
	var cand index.Hit
	for _, h := range hits {
		if h.ID == id {
			cand = h
		}
	}
	order := append([]index.Hit{cand}, hits...)
	seen := map[string]bool{}
	local := false
	for _, h := range order {
		if len(a.Alternatives) == min(maxAlts, 3) {
			break
		}
		if seen[h.ID] || h.ID != id && h.Raw < unsureFloor*cand.Raw {
			continue
		}
		seen[h.ID] = true
		if art, ok := k.Article(a.Lang, h.ID); ok {
			local = local || art.Regional()
			a.Alternatives = append(a.Alternatives, Alternative{ID: art.ID, Title: art.Title, Score: round2(h.Coverage)})
		}
	}
	a.Text = UnsureText(k, a.Lang, a.Alternatives, local && len(e.lex.get(k).placesIn(question)) > 0)
}

func (e *Engine) record(ctx context.Context, q Question, a Answer, took time.Duration) {
	outcome := "answered"
	switch {
	case a.Reason == ReasonUnsure:
		outcome = "unsure"
	case !a.Answered:
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
		ID: a.ID, Reason: a.Reason, Score: a.Score, Latency: took, Context: a.Context,
	})
	if err != nil {
		e.log.Warn("journal", "err", err)
	}
}

// Thanks reports whether text only thanks, and the language to answer it
// in (the terminal chat answers "不客气" / "You're welcome").
func (e *Engine) Thanks(text string) (lang string, ok bool) {
	return e.lex.get(e.KB()).thanksLang(text)
}

// KB returns the knowledge base now serving.
func (e *Engine) KB() *kb.KB { return e.src.Current().KB() }

// detectOr is the question's language, or def when it has none.
func detectOr(text, def string) string {
	if l := zh.Detect(text); l != "" {
		return l
	}
	return def
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
