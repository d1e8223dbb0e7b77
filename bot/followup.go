package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"faqbot/index"
	"faqbot/index/zh"
	"faqbot/kb"
)

// Memory keeps short-lived values under a kind and a key; the engine keeps
// each conversation's context in it. *state.Store and bottest.State are
// Memories (on bbolt, contexts live in memory (state.Volatile) and are
// saved at a clean stop; on PostgreSQL, shared by the replicas); NewMemory
// is one in process.
type Memory interface {
	GetTemp(kind, key string) ([]byte, bool, error)
	PutTemp(kind, key string, val []byte, ttl time.Duration) error
}

// DefaultContextTTL is how long a conversation's context lasts when
// Options.ContextTTL is zero.
const DefaultContextTTL = 10 * time.Minute

// memoryKind is the Memory kind conversation contexts are kept under.
const memoryKind = "convo"

// convo is what the engine remembers of a conversation: the last answered
// article, the language it was asked in, the place it concerned, and the
// text its subject was found from (the question, or the question read with
// the context before it).
type convo struct {
	ID      string `json:"id"`
	Lang    string `json:"lang"`
	Place   string `json:"place,omitempty"`
	Subject string `json:"subject"`
	// Suggest are the suggestions of the last reply when it was unsure:
	// "1"-"3" next opens one (suggest.go).
	Suggest []string `json:"suggest,omitempty"`
}

// maxSubjectRunes bounds the remembered subject text: a chain of follow-ups
// keeps its most recent words.
const maxSubjectRunes = 120

// contextTTL is the configured lifetime of a conversation's context (0 when
// the engine keeps none).
func (e *Engine) contextTTL() time.Duration {
	switch ttl := e.opts.ContextTTL; {
	case ttl < 0 || e.mem == nil:
		return 0
	case ttl == 0:
		return DefaultContextTTL
	default:
		return ttl
	}
}

// convoHasher is how conversation keys are derived from channel and user:
// with the engine's HashUser (the store's salted hash) when given, else an
// unsalted SHA-256. The raw id is never a key.
func convoHasher(hashUser func(string) string) func(string) string {
	return func(s string) string {
		if hashUser != nil {
			if h := hashUser(s); h != "" {
				return h
			}
		}
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:16])
	}
}

// convoKey is the Memory key of q's conversation, "" when q has none (no
// memory, no user: a one-shot ask; or a quiet question typed as-you-go).
func (e *Engine) convoKey(q Question) string {
	if e.contextTTL() == 0 || strings.TrimSpace(q.User) == "" || q.Quiet {
		return ""
	}
	return e.convoHash(q.Channel + "\x00" + q.User)
}

func (e *Engine) loadConvo(key string) *convo {
	if key == "" {
		return nil
	}
	b, ok, err := e.mem.GetTemp(memoryKind, key)
	if err != nil {
		e.log.Warn("conversation context", "err", err)
		return nil
	}
	var c convo
	if !ok || json.Unmarshal(b, &c) != nil || c.ID == "" && len(c.Suggest) == 0 {
		return nil
	}
	return &c
}

func (e *Engine) saveConvo(key string, c convo) {
	if key == "" {
		return
	}
	if r := []rune(c.Subject); len(r) > maxSubjectRunes {
		c.Subject = string(r[len(r)-maxSubjectRunes:])
	}
	b, _ := json.Marshal(c)
	if err := e.mem.PutTemp(memoryKind, key, b, e.contextTTL()); err != nil {
		e.log.Warn("conversation context", "err", err)
	}
}

// followUp reads a follow-up in the context of the same user's last
// question on the channel, and remembers what this turn was about. It runs
// after the question's own decision (own, already rendered into a).
//
// One rule decides which reading stands (the one-decision engine):
//   - a message that stands alone (no follow-up cue) and that the model
//     answers alone is answered alone, exactly as for a fresh user: no
//     earlier question can change it (no hijack);
//   - a message that leans on the context (a cue such as 那…呢, "what
//     about", or too short to name a subject) is also read with the
//     previous subject; that reading goes through the same model and the
//     same threshold, and must be about what the message adds (its own
//     words are in the article). Its answer says it was read in context.
//   - otherwise the question's own reply stands (unsure, no-match ...).
//
// Greetings and empty messages never get here: they neither use nor clear
// the context.
func (e *Engine) followUp(ctx context.Context, ix *index.Index, q Question, a *Answer, text string, alts int, searchLang string, own Decision) error {
	k := ix.KB()
	key := e.convoKey(q)
	if key == "" {
		return nil
	}
	prev := e.loadConvo(key)
	subject := text
	leans := prev != nil && prev.ID != "" && !a.Answered && e.leansOnContext(k, text, searchLang)
	if leans {
		took, err := e.readInContext(ctx, ix, a, text, alts, searchLang, prev)
		if err != nil {
			return err
		}
		if took != "" {
			subject = took
		}
	}
	if !a.Answered {
		if a.Reason != ReasonUnsure {
			return nil
		}
		// Unsure: remember the suggestions, so that "1"-"3" opens one, and
		// keep the subject a next turn is read with (the candidate, when
		// there was none before).
		// A follow-up keeps the subject it leaned on; a question of its own
		// becomes the subject (its candidate, the first suggestion).
		c := convo{ID: own.Candidate, Lang: searchLang, Place: e.lex.get(k).placeIn(text), Subject: subject}
		if leans {
			c = *prev
		}
		c.Suggest = c.Suggest[:0]
		for _, alt := range a.Alternatives {
			c.Suggest = append(c.Suggest, alt.ID)
		}
		e.saveConvo(key, c)
		return nil
	}
	place := e.lex.get(k).placeIn(text)
	if place == "" && a.Context != "" && prev != nil {
		place = prev.Place
	}
	if place == "" {
		if art, ok := k.Article(a.Lang, a.ID); ok && art.Regional() {
			place = art.Region
		}
	}
	e.saveConvo(key, convo{ID: a.ID, Lang: searchLang, Place: place, Subject: subject})
	return nil
}

// ctxHits bounds the articles considered for a follow-up in context.
const ctxHits = 10

// contextRead is a message read with the previous subject: the model's
// decision on that reading and what it was made from.
type contextRead struct {
	d         Decision
	query     string      // the previous subject and the message
	found     []index.Hit // the hits of query
	ownHit    *index.Hit  // the candidate's hit for the whole message or its own words: the passage (nil: none)
	placeOnly bool        // the message names only a place ("那广州呢")
	weak      bool        // read, but the candidate is not about what the message adds
	bare      bool        // the message adds no words of its own ("要多久?", "how long?")
}

// readWith reads text with the previous subject prev; ok is false when a
// rule keeps the context out (off-topic, a health question, a neighbouring
// subject the article is not about).
func (e *Engine) readWith(ctx context.Context, ix *index.Index, text, lang string, prev *convo, alts int) (r contextRead, ok bool, err error) {
	k := ix.KB()
	scope, lx, folded := e.scope.get(k), e.lex.get(k), index.NewText(text)
	if folded.Find(lx.offtopic) != "" || lx.medical(text) && folded.Find(scope.in) == "" {
		return r, false, nil
	}
	place := lx.placeIn(text)
	subject := e.subjectText(k, prev, lang)
	if place != "" && prev.Place != "" && !strings.Contains(prev.Place, place) {
		for _, old := range strings.Split(prev.Place, "、") {
			subject = strings.ReplaceAll(subject, old, " ")
		}
	}
	r.query = subject + " " + text
	if r.found, err = ix.Search(ctx, r.query, lang, max(ctxHits, 1+alts)); err != nil || len(r.found) == 0 {
		return r, false, err
	}
	// What the follow-up adds: its words without the cue words. How much of
	// each article they cover is a feature of the model; the passage that
	// answers the follow-up is the one they find.
	core := lx.strip(text, lang)
	r.bare = core == ""
	r.placeOnly = place != "" && strings.ReplaceAll(core, " ", "") == strings.ToLower(strings.ReplaceAll(zh.Fold(place), " ", ""))
	rd := reading{inContext: true}
	var own []index.Hit
	if core != "" && !r.placeOnly {
		if own, err = ix.Search(ctx, core, lang, 60); err != nil {
			return r, false, err
		}
		rd.own = make(map[string]float64, len(own))
		for _, h := range own {
			rd.own[h.ID] = h.Coverage
		}
	}
	r.d = e.decide(ix, r.query, lang, r.found, rd)
	if r.d.Gate != "" || r.d.Candidate == "" {
		return r, false, nil
	}
	if out := folded.Find(scope.out); out != "" && !About(k, r.d.Candidate, out) {
		return r, false, nil
	}
	// The passage: the one the whole message finds in the article, aspect
	// words included ("要多久" finds the processing time), else the one its
	// own words find.
	whole, err := ix.Search(ctx, text, lang, 60)
	if err != nil {
		return r, false, err
	}
	for _, hits := range [][]index.Hit{own, whole} {
		for i := range hits {
			if hits[i].ID == r.d.Candidate {
				r.ownHit = &hits[i]
			}
		}
	}
	if rd.own != nil {
		need := minOwnCoverage
		if r.d.Candidate != prev.ID && !slices.Contains(related(k, prev.ID), r.d.Candidate) {
			need = minJumpCoverage
		}
		if rd.own[r.d.Candidate] < need {
			r.weak = true
			return r, false, nil
		}
	}
	return r, true, nil
}

// The context reading must be about what the message adds: its own words
// (without cue words) must be in the article, at least minOwnCoverage of
// them when it is the previous article or one it links to, minJumpCoverage
// when it is another. "How do I open a bank account?" or "wat is
// xinnonghe" after a filing question is never answered with the filing
// article. (The model has own_cover as a feature too, but few labelled
// follow-ups lack their own words, so it cannot be left to learn it.)
const (
	minOwnCoverage  = 0.3
	minJumpCoverage = 0.8
)

// DecideInContext is the model's decision on followUp read in the context
// of first (asked just before by the same user), for the fit: the candidate
// and features of the in-context reading, and the text and language it was
// searched as; Gate "no-context" when no context reading is made.
func (e *Engine) DecideInContext(ctx context.Context, first, followUp string) (d Decision, query, lang string, err error) {
	ix := e.src.Current()
	_, d1, err := e.Decide(ctx, Question{Text: first})
	if err != nil || d1.Candidate == "" {
		return Decision{Gate: "no-context"}, "", "", err
	}
	text, t1 := Clean(followUp, e.opts.MaxQuestionBytes), Clean(first, e.opts.MaxQuestionBytes)
	lang = detectOr(text, detectOr(t1, "zh"))
	prev := &convo{ID: d1.Candidate, Lang: detectOr(t1, "zh"), Place: e.lex.get(ix.KB()).placeIn(t1), Subject: t1}
	r, ok, err := e.readWith(ctx, ix, text, lang, prev, e.opts.MaxAlternatives)
	if err != nil || !ok {
		return Decision{Gate: "no-context"}, "", "", err
	}
	return r.d, r.query, lang, nil
}

// readInContext reads text with the previous subject and, when the model is
// confident of that reading, replaces a with it. It returns the subject
// text the answer was found from ("" when the context was not used).
func (e *Engine) readInContext(ctx context.Context, ix *index.Index, a *Answer, text string, alts int, searchLang string, prev *convo) (string, error) {
	k := ix.KB()
	r, ok, err := e.readWith(ctx, ix, text, searchLang, prev, alts)
	if err != nil || !ok && !r.weak {
		return "", err
	}
	if r.placeOnly && !e.fitsPlace(k, r.d.Candidate, text) {
		r.d.P = 0 // "那广州呢": another place's local article is no answer
	}
	if r.weak || !r.d.Answers(e.threshold()) {
		if !a.Answered && (a.Reason == ReasonUnsure || r.bare || r.placeOnly) {
			// A follow-up about insurance nothing answers for sure: unsure,
			// with the previous subject's article first (and, for "那广州呢",
			// a line that rules differ by place), never a reply that forgets
			// the conversation. Anything else keeps its own reply.
			e.unsure(a, k, r.query, r.found, prev.ID, alts)
			a.Text = UnsureText(k, a.Lang, a.Alternatives, r.placeOnly)
		}
		return "", nil
	}
	if a.Answered && a.ID == r.d.Candidate {
		return r.query, nil // the context confirms the question's own answer, unlabelled
	}
	prevArt, ok := k.Article(a.Lang, prev.ID)
	if !ok {
		return "", nil
	}
	var top index.Hit
	var rest []index.Hit
	for _, h := range r.found {
		if h.ID == r.d.Candidate {
			top = h
		} else {
			rest = append(rest, h)
		}
	}
	if r.ownHit != nil {
		// The passage the follow-up finds ("需要什么材料": the one on
		// documents), never the previous subject's lead again.
		top.Section, top.Similarity = r.ownHit.Section, 0
		if top.Section == 0 && r.d.Candidate == prev.ID {
			if art, ok := k.Article(a.Lang, r.d.Candidate); ok {
				top.Section = bestSection(art, e.lex.get(k).strip(text, a.Lang))
			}
		}
	}
	*a = Answer{Question: a.Question, Lang: a.Lang, Disclaimer: a.Disclaimer, Alternatives: []Alternative{}}
	e.fill(a, k, append([]index.Hit{top}, rest...), r.d.Candidate, alts, searchLang)
	if r.placeOnly {
		if art, ok := k.Article(a.Lang, r.d.Candidate); ok && !art.Regional() {
			a.Text += "\n\n" + unsureLabels[a.Lang]["local"] // the general rule; the place may differ
		}
	}
	a.Context = prevArt.ID
	a.ContextLabel = ContextLabel(a.Lang, prevArt.Title)
	if a.Lang == "zh" && zh.IsTraditional(text) {
		a.ContextLabel = zh.ToTraditional(a.ContextLabel)
	}
	a.Text = a.ContextLabel + "\n" + a.Text
	return r.query, nil
}

// bestSection is the section (1..) of art that holds the most of words
// (folded, space-separated), the first on a tie; 1 when none holds any.
func bestSection(art *kb.Article, words string) int {
	best, most := 1, 0
	ws := strings.Fields(words)
	for i, p := range art.Passages()[1:] {
		body := fold(p.Heading + " " + p.Body)
		n := 0
		for _, w := range ws {
			if strings.Contains(body, w) {
				n++
			}
		}
		if n > most {
			best, most = i+1, n
		}
	}
	return best
}

// fitsPlace reports whether article id may answer a question about the
// places text names: a general article, or a local one for one of them.
func (e *Engine) fitsPlace(k *kb.KB, id, text string) bool {
	art, ok := k.Article("zh", id)
	if !ok || !art.Regional() {
		return ok
	}
	lx := e.lex.get(k)
	for _, p := range lx.placesIn(text) {
		if lx.placeFits(art.Region, p) {
			return true
		}
	}
	return false
}

// related is the articles article id links to.
func related(k *kb.KB, id string) []string {
	if art, ok := k.Article("zh", id); ok {
		return art.Related
	}
	return nil
}

// subjectText is what the previous turn contributes to the search: the
// previous question's words, or the previous article's title and tags when
// it was asked in the other language.
func (e *Engine) subjectText(k *kb.KB, prev *convo, lang string) string {
	if prev.Lang == lang && prev.Subject != "" {
		return prev.Subject
	}
	if art, ok := k.Article(lang, prev.ID); ok {
		return art.Title + " " + strings.Join(art.Tags, " ")
	}
	return ""
}

// ContextLabel is the line an answer read in context starts with, naming the
// previous article it was read with ("关于医保卡丢了怎么去医院看病:").
func ContextLabel(lang, title string) string {
	if lang == "en" {
		return "On " + strings.TrimRight(title, "?？") + ":"
	}
	return "关于" + strings.TrimRight(title, "?？") + ":"
}

// maxShortRunes and maxShortWords: a message no longer than this that the
// model does not answer alone names too little to stand alone ("要多久",
// "需要什么材料", "how long?").
const (
	maxShortRunes = 10
	maxShortWords = 6
)

// leansOnContext reports whether a message the model did not answer alone
// should be read with the previous subject: it carries a follow-up cue, or
// it is too short to name a subject and is not a bare subject word of its
// own ("医保", "insurance": a new, vague question).
func (e *Engine) leansOnContext(k *kb.KB, text, lang string) bool {
	lx := e.lex.get(k)
	if lx.followUpCue(text, lang) {
		return true
	}
	core := lx.strip(text, lang)
	if core == "" {
		return true
	}
	if core == strings.ToLower(zh.Fold(strings.TrimSpace(text))) && bareScope(e.scope.get(k).in, core) {
		return false
	}
	if lang == "en" {
		return len(strings.Fields(core)) <= maxShortWords
	}
	n := 0
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n <= maxShortRunes
}

// bareScope reports a message that is nothing but scope words (医保,
// insurance): a vague new question, not a follow-up.
func bareScope(in index.Terms, core string) bool {
	for _, w := range strings.Fields(core) {
		if index.NewText(w).Find(in) == "" {
			return false
		}
	}
	return true
}

// NewMemory returns an in-process Memory (for the terminal chat and eval).
func NewMemory() Memory { return &memMemory{m: map[string]memVal{}, now: time.Now} }

type memVal struct {
	val []byte
	exp time.Time
}

type memMemory struct {
	mu  sync.Mutex
	m   map[string]memVal
	now func() time.Time
}

func (m *memMemory) GetTemp(kind, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[kind+"\x00"+key]
	if !ok || !m.now().Before(v.exp) {
		return nil, false, nil
	}
	return v.val, true, nil
}

func (m *memMemory) PutTemp(kind, key string, val []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[kind+"\x00"+key] = memVal{append([]byte(nil), val...), m.now().Add(ttl)}
	return nil
}
