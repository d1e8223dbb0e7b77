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
// Memories (the store makes the context survive a restart and, shared,
// reach other replicas; `faqbot serve` on bbolt uses its Behind view, which
// writes behind, so no question waits for the disk); NewMemory is one in
// process.
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
	if !ok || json.Unmarshal(b, &c) != nil || c.ID == "" {
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

// followUp reads an elliptical question in the context of the same user's
// last answered question on the channel, and remembers what it answers. It
// runs after fill: a has the question's own answer (or none). A question that stands on its own keeps its own answer; one that
// is a follow-up gets the article found for it read with the previous
// subject, and says so (Answer.Context, ContextLabel and the first line of
// Text). Greetings and empty messages never get here: they neither use nor
// clear the context, and neither does a question left unanswered for
// another reason than "unsure". own is the confidence model's decision on
// the question alone. An "unsure" reply with no context before it keeps its
// candidate (the first suggestion) and its words as the context: a covered
// question the model doubted still gives its follow-up a subject, and what
// the follow-up gets in context says which subject it was read with. It
// never replaces an answered subject.
func (e *Engine) followUp(ctx context.Context, q Question, a *Answer, k *kb.KB, text string, alts int, searchLang string, own Decision) error {
	key := e.convoKey(q)
	if key == "" {
		return nil
	}
	prev := e.loadConvo(key)
	subject := text
	if prev != nil {
		took, err := e.readInContext(ctx, a, k, text, alts, searchLang, prev, own)
		if err != nil {
			return err
		}
		if took != "" {
			subject = took
		}
	}
	if !a.Answered {
		if prev == nil && a.Reason == ReasonUnsure && own.Candidate != "" && len(a.Alternatives) > 0 && a.Alternatives[0].ID == own.Candidate {
			e.saveConvo(key, convo{ID: own.Candidate, Lang: searchLang, Place: placeIn(text), Subject: subject})
		}
		return nil
	}
	place := placeIn(text)
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

// FollowUpParams are the knobs of follow-up reading, tuned on
// testdata/followups.tsv (see TestFollowUpTune).
type FollowUpParams struct {
	// MaxShortRunes: a Chinese question of at most this many letters is
	// elliptical; MaxShortWords the same for English.
	MaxShortRunes, MaxShortWords int
	// OwnWeight is how much the share of the follow-up's own words (without
	// its cue words) an article holds adds to its rank in context: the
	// answer must fit what the follow-up adds, not only the last subject.
	OwnWeight float64
	// MinOwnCoverage is the least share of the follow-up's own words the
	// article found in context must hold, so that "今天下雨吗" or "thanks a
	// lot" after a question is not answered with the last subject.
	MinOwnCoverage float64
	// MinJumpCoverage is the least such share for an article that is neither
	// the previous one, nor related to it, nor the follow-up's own best match.
	MinJumpCoverage float64
	// SubjectFrom chooses what the previous subject contributes to the search:
	// "question" (the previous question's text), "article" (the previous
	// article's title and tags) or "both".
	SubjectFrom string
}

// followUpParams are the tuned knobs.
var followUpParams = FollowUpParams{MaxShortRunes: 8, MaxShortWords: 5, OwnWeight: 0.5, MinOwnCoverage: 0.3,
	MinJumpCoverage: 0.8, SubjectFrom: "question"}

// ctxHits bounds the articles considered for a follow-up in context.
const ctxHits = 10

// readInContext decides whether text is a follow-up of prev and, when it is
// and the context gives a confident answer, replaces a with it. It returns
// the subject text the answer was found from ("" when the context was not
// used): the previous subject with the follow-up, also when the context only
// confirms the question's own answer, so that a third turn still has it.
//
// A question that names its own subject is answered on its own; when the
// model was unsure of it alone, the context may only confirm one of its own
// suggestions (the context's best article, ranked with the weight of the
// question's own words, is the question's candidate or another article it
// suggested): it is then answered with it, unlabelled. It never takes an
// article from the context that the question alone did not find close.
func (e *Engine) readInContext(ctx context.Context, a *Answer, k *kb.KB, text string, alts int, searchLang string, prev *convo, self Decision) (string, error) {
	p := followUpParams
	standalone := !isElliptical(text, searchLang, p)
	if a.Answered && standalone {
		return "", nil // it names its own subject
	}
	scope, folded := e.scope.get(k), index.NewText(text)
	if folded.Find(offTopicTerms) != "" {
		return "", nil
	}
	if isMedical(text) && folded.Find(scope.in) == "" {
		return "", nil
	}
	subject := e.subjectText(k, prev, searchLang, p)
	if place := placeIn(text); place != "" && prev.Place != "" && !strings.Contains(prev.Place, place) {
		for _, old := range strings.Split(prev.Place, "、") {
			subject = strings.ReplaceAll(subject, old, " ")
		}
	}
	query := subject + " " + text
	found, err := e.src.Search(ctx, query, searchLang, max(ctxHits, 1+alts))
	if err != nil || len(found) == 0 {
		return "", err
	}
	// What the follow-up adds: its words without the cue words.
	core := stripCues(text, searchLang)
	bare := strings.IndexFunc(core, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0
	own := map[string]float64{}
	ownBest := ""
	if !bare {
		oh, err := e.src.Search(ctx, core, searchLang, 60)
		if err != nil {
			return "", err
		}
		for i, h := range oh {
			own[h.ID] = h.Coverage
			if i == 0 {
				ownBest = h.ID
			}
		}
	}
	best := 0
	for i, h := range found {
		if h.Rank+p.OwnWeight*own[h.ID] > found[best].Rank+p.OwnWeight*own[found[best].ID] {
			best = i
		}
	}
	top := found[best]
	// A follow-up naming only a place ("那广州呢", "and in Xi'an?") asks the
	// same for that place: an article for another place is no answer, nor is
	// whatever the place alone finds.
	place := placeIn(text)
	placeOnly := place != "" && strings.ReplaceAll(core, " ", "") == strings.ToLower(strings.ReplaceAll(zh.Fold(place), " ", ""))
	if placeOnly {
		if art, ok := k.Article(searchLang, top.ID); !ok || art.Regional() && index.FindTerm(art.Region+" "+art.Title, []string{place}) == "" {
			*a = Answer{Question: a.Question, Lang: a.Lang, Disclaimer: a.Disclaimer, Alternatives: []Alternative{}}
			return "", nil
		}
		bare = true
	}
	rest := append(append([]index.Hit{}, found[:best]...), found[best+1:]...)
	if out := folded.Find(scope.out); out != "" && !About(k, top.ID, out) {
		return "", nil
	}
	if !bare {
		need := p.MinOwnCoverage
		if top.ID != prev.ID && !slices.Contains(related(k, prev.ID), top.ID) && top.ID != ownBest && !(a.Answered && a.ID == top.ID) {
			need = p.MinJumpCoverage
		}
		if own[top.ID] < need {
			return "", nil
		}
	}
	if a.Answered && a.ID == top.ID {
		return query, nil // the context changes nothing: the question's own answer stands, unlabelled
	}
	if !a.Answered && a.Reason == ReasonUnsure && top.ID == self.Candidate && top.ID != prev.ID {
		// The question's own candidate, not the previous subject: its own
		// words found it and the context only made it sure. Unlabelled, and
		// the question alone is the subject a next turn is read with.
		*a = Answer{Question: a.Question, Lang: a.Lang, Disclaimer: a.Disclaimer, Alternatives: []Alternative{}}
		e.fill(a, k, append([]index.Hit{top}, rest...), top.ID, alts, searchLang)
		return "", nil
	}
	if standalone {
		suggested := slices.ContainsFunc(a.Alternatives, func(x Alternative) bool { return x.ID == top.ID })
		if a.Answered || a.Reason != ReasonUnsure || top.ID != self.Candidate && !suggested {
			return "", nil
		}
		// The context confirms what the question alone was unsure of; the
		// question alone is the subject a next turn is read with.
		*a = Answer{Question: a.Question, Lang: a.Lang, Disclaimer: a.Disclaimer, Alternatives: []Alternative{}}
		e.fill(a, k, append([]index.Hit{top}, rest...), top.ID, alts, searchLang)
		return "", nil
	}
	art, ok := k.Article(a.Lang, top.ID)
	prevArt, ok2 := k.Article(a.Lang, prev.ID)
	if !ok || !ok2 {
		return "", nil
	}
	*a = Answer{Question: a.Question, Lang: a.Lang, Disclaimer: a.Disclaimer, Alternatives: []Alternative{}}
	e.fill(a, k, append([]index.Hit{top}, rest...), art.ID, alts, searchLang)
	a.Context = prevArt.ID
	a.ContextLabel = ContextLabel(a.Lang, prevArt.Title)
	if a.Lang == "zh" && zh.IsTraditional(text) {
		a.ContextLabel = zh.ToTraditional(a.ContextLabel)
	}
	a.Text = a.ContextLabel + "\n" + a.Text
	return query, nil
}

// related is the articles article id links to.
func related(k *kb.KB, id string) []string {
	if art, ok := k.Article("zh", id); ok {
		return art.Related
	}
	return nil
}

// subjectText is what the previous turn contributes to the search.
func (e *Engine) subjectText(k *kb.KB, prev *convo, lang string, p FollowUpParams) string {
	var article string
	if art, ok := k.Article(lang, prev.ID); ok {
		article = art.Title + " " + strings.Join(art.Tags, " ")
	}
	switch {
	case prev.Lang != lang || p.SubjectFrom == "article":
		return article
	case p.SubjectFrom == "both":
		return prev.Subject + " " + article
	default:
		return prev.Subject
	}
}

// offTopicWords mark small talk about something else (weather, sights,
// shopping, visas): such a message never inherits the context.
var offTopicWords = []string{"天气", "下雨", "下雪", "气温", "好玩", "好吃", "旅游", "景点", "餐厅", "饭店", "酒店", "附近", "签证",
	"weather", "rain", "restaurant", "hotel", "sightseeing", "tourist", "visa", "nearby",
	// health questions the symptom list misses
	"康复", "恢复期", "recovery", "recover"}

// offTopicTerms are offTopicWords folded once.
var offTopicTerms = index.NewTerms(offTopicWords...)

// Cue words a follow-up leans on the context with; stripCues drops them
// (and particles) to leave what the follow-up adds.
var (
	zhStrip = byLength([]string{"那么", "那个", "这个", "那", "呢", "吗", "吧", "啊", "呀", "啦", "的", "了", "也", "还", "都", "要", "能", "会",
		"可以", "咋", "怎么", "怎样", "啥", "什么", "哪个", "哪些", "哪里", "哪儿", "在哪", "去哪", "哪", "多久", "多长时间", "多少",
		"带什么", "带啥", "准备什么", "准备啥", "弄", "也行", "行不行", "行吗", "不", "是", "一样", "在", "一般", "我", "你", "他", "她", "们"})
	enStrip = map[string]bool{"what": true, "about": true, "how": true, "if": true, "and": true, "then": true, "also": true,
		"too": true, "it": true, "that": true, "there": true, "them": true, "they": true, "can": true, "i": true, "do": true,
		"does": true, "is": true, "are": true, "where": true, "long": true, "much": true, "the": true, "a": true, "of": true,
		"my": true, "we": true, "you": true, "what's": true, "it's": true, "i'm": true, "in": true, "on": true, "for": true,
		"to": true, "still": true, "usually": true, "get": true, "be": true, "take": true, "need": true, "will": true}
)

// byLength sorts cue words longest first, so "也行" goes before "也".
func byLength(ws []string) []string {
	slices.SortStableFunc(ws, func(a, b string) int { return len(b) - len(a) })
	return ws
}

// stripCues is text without its cue words and particles.
func stripCues(text, lang string) string {
	if lang == "en" {
		var keep []string
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }) {
			if !enStrip[w] {
				keep = append(keep, w)
			}
		}
		return strings.Join(keep, " ")
	}
	t := zh.Fold(text)
	for _, c := range zhStrip {
		t = strings.ReplaceAll(t, c, " ")
	}
	return strings.Join(strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

// ContextLabel is the line an answer read in context starts with, naming the
// previous article it was read with ("关于医保卡丢了怎么去医院看病:").
func ContextLabel(lang, title string) string {
	if lang == "en" {
		return "On " + strings.TrimRight(title, "?？") + ":"
	}
	return "关于" + strings.TrimRight(title, "?？") + ":"
}

// Elliptical cues: a follow-up leans on what was said before.
var (
	zhCues = []string{"那", "呢", "要多久", "多久", "多长时间", "带什么", "带啥", "材料", "能跨省", "跨省", "在哪", "哪里", "去哪",
		"多少钱", "多少", "网上", "手机上", "能不能", "也", "还", "怎么弄", "咋弄", "这个", "那个", "他", "她", "孩子", "父母", "爸妈"}
	enCues = []string{"and", "what about", "how about", "what if", "how long", "how much", "can i", "do i", "is it", "it", "that",
		"there", "them", "they", "then", "also", "too", "where", "online", "my kids", "my parents"}
)

// isElliptical reports whether a question leans on context: it is short, or
// it carries a cue ("那…呢", "要多久", "what about", "how long").
func isElliptical(text, lang string, p FollowUpParams) bool {
	if lang == "en" {
		words := strings.Fields(strings.ToLower(text))
		if len(words) <= p.MaxShortWords {
			return true
		}
		padded := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
			return !unicode.IsLetter(r) && r != '\''
		}), " ") + " "
		for _, c := range enCues {
			if strings.Contains(padded, " "+c+" ") {
				return true
			}
		}
		return false
	}
	n := 0
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	if n <= p.MaxShortRunes {
		return true
	}
	t := zh.Fold(text)
	for _, c := range zhCues {
		if strings.Contains(t, c) {
			return true
		}
	}
	return false
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
