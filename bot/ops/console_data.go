package ops

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"faqbot/bot"
	"faqbot/index"
	"faqbot/index/zh"
	"faqbot/kb"
)

// VoteLog walks the votes; the state stores implement it (kb.Store).
type VoteLog interface {
	Votes(since time.Time, fn func(kb.Vote) error) error
}

// Timeline is the query log and the votes of a period, bucket by bucket
// (UTC days, or weeks from Monday): what the console's overview draws.
// Its totals are those of the Report of the same period.
type Timeline struct {
	Since, Until time.Time
	Week         bool
	Buckets      []Bucket
	// Reasons, Channels and Langs are the keys seen in the period, sorted.
	Reasons, Channels, Langs []string
	Total                    Bucket // the whole period
}

// Bucket is one day or week of the timeline.
type Bucket struct {
	Start    time.Time
	Asked    int
	Answered int
	Unsure   int
	Declined map[string]int // by reason (medical, no-match, greeting ...)
	// FollowUps are the questions read in the context of the user's
	// previous one (kb.LogEntry.Context).
	FollowUps int
	Channels  map[string]int
	Langs     map[string]int
	Up, Down  int
	P50, P99  time.Duration
	latencies []time.Duration
}

// FollowUpShare is the share of the questions read as follow-ups.
func (b Bucket) FollowUpShare() float64 {
	if b.Asked == 0 {
		return 0
	}
	return float64(b.FollowUps) / float64(b.Asked)
}

// DeclinedTotal is how many questions were declined, whatever the reason.
func (b Bucket) DeclinedTotal() int {
	n := 0
	for _, v := range b.Declined {
		n += v
	}
	return n
}

func newBucket(start time.Time) Bucket {
	return Bucket{Start: start, Declined: map[string]int{}, Channels: map[string]int{}, Langs: map[string]int{}}
}

// bucketStart is the start of the day or week (Monday) holding t, in UTC.
func bucketStart(t time.Time, week bool) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if week {
		d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	}
	return d
}

// BuildTimeline reads the log and the votes from since to until into
// buckets.
func BuildTimeline(ql QueryLog, votes VoteLog, since, until time.Time, week bool) (Timeline, error) {
	return buildTimeline(ql, votes, since, until, week, true)
}

// buildTimeline is BuildTimeline; without buckets it sums up the period only
// (Total), however long.
func buildTimeline(ql QueryLog, votes VoteLog, since, until time.Time, week, buckets bool) (Timeline, error) {
	tl := Timeline{Since: since, Until: until, Week: week, Total: newBucket(since)}
	index := map[time.Time]int{}
	step := func(t time.Time) time.Time {
		if week {
			return t.AddDate(0, 0, 7)
		}
		return t.AddDate(0, 0, 1)
	}
	for t := bucketStart(since, week); buckets && t.Before(until); t = step(t) {
		index[t] = len(tl.Buckets)
		tl.Buckets = append(tl.Buckets, newBucket(t))
	}
	at := func(t time.Time) *Bucket {
		if i, ok := index[bucketStart(t, week)]; ok {
			return &tl.Buckets[i]
		}
		return nil
	}
	reasons, channels, langs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	err := ql.Log(since, func(e kb.LogEntry) error {
		if !e.Time.Before(until) {
			return nil
		}
		channels[e.Channel], langs[e.Lang] = true, true
		for _, b := range []*Bucket{at(e.Time), &tl.Total} {
			if b == nil {
				continue
			}
			b.Asked++
			switch {
			case e.ID != "":
				b.Answered++
			case e.Reason == bot.ReasonUnsure:
				b.Unsure++
			default:
				r := e.Reason
				if r == "" {
					r = "other"
				}
				reasons[r] = true
				b.Declined[r]++
			}
			if e.Context != "" {
				b.FollowUps++
			}
			b.Channels[e.Channel]++
			b.Langs[e.Lang]++
			b.latencies = append(b.latencies, e.Latency)
		}
		return nil
	})
	if err != nil {
		return tl, err
	}
	if votes != nil {
		err = votes.Votes(since, func(v kb.Vote) error {
			if v.Time.Before(since) || !v.Time.Before(until) {
				return nil
			}
			for _, b := range []*Bucket{at(v.Time), &tl.Total} {
				if b == nil {
					continue
				}
				if v.Up {
					b.Up++
				} else {
					b.Down++
				}
			}
			return nil
		})
		if err != nil {
			return tl, err
		}
	}
	for i := range tl.Buckets {
		tl.Buckets[i].P50, tl.Buckets[i].P99 = percentiles(tl.Buckets[i].latencies)
	}
	tl.Total.P50, tl.Total.P99 = percentiles(tl.Total.latencies)
	tl.Reasons, tl.Channels, tl.Langs = sortedKeys(reasons), sortedKeys(channels), sortedKeys(langs)
	return tl, nil
}

// percentiles are the 50th and 99th (nearest-rank) of ds, which it sorts.
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return rank(0.50), rank(0.99)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Cluster is a set of unanswered or unsure question groups that ask much
// the same thing, with the articles closest to them.
type Cluster struct {
	Count    int
	Groups   []kb.Group
	Examples []string // up to five spellings, most asked group first
	Last     time.Time
	Lang     string
	// Reason is why the engine does not answer the first example now
	// (unsure, no-match, medical, greeting ...; empty: it answers it now).
	Reason string
	// Answers is the article the engine now answers the first example with
	// (after a reindex), if any.
	Answers string
	Closest []Closest
	// Proposals are the articles the cluster could become phrasings of,
	// with the exact front-matter lines to add.
	Proposals []Proposal
	// NewArticle is set when no article is close: the cluster needs one.
	NewArticle bool
}

// Closest is one article near a question.
type Closest struct {
	ID, Title string
	Coverage  float64
}

// Proposal is a "questions:" line for an article: what to paste into its
// file's front matter.
type Proposal struct {
	ID, Title, File string
	Lines           string
}

// MaxClusterGroups bounds the question groups ClusterQuestions reads: the
// most asked ones.
const MaxClusterGroups = 500

// minProposeCoverage is how much of a question an article must hold to be
// proposed as its home (the share stats -suggest uses).
const minProposeCoverage = 0.3

// ClusterQuestions groups unsure (and, separately, unanswered) question
// groups whose spellings share most of their character bigrams or words,
// and finds the articles closest to each cluster. Clusters are ranked by
// demand (questions asked), most first.
func ClusterQuestions(ctx context.Context, e *bot.Engine, src bot.Searcher, groups []kb.Group) ([]Cluster, error) {
	groups = append([]kb.Group(nil), groups...)
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Count > groups[j].Count })
	groups = first(groups, MaxClusterGroups)
	type member struct {
		g    kb.Group
		toks map[string]bool
	}
	var clusters [][]member
	for _, g := range groups {
		if len(g.Examples) == 0 {
			continue
		}
		m := member{g, shingles(g.Key)}
		placed := false
		for i, c := range clusters {
			if jaccard(c[0].toks, m.toks) >= 0.5 {
				clusters[i] = append(c, m)
				placed = true
				break
			}
		}
		if !placed {
			clusters = append(clusters, []member{m})
		}
	}
	ix := src.Current() // one generation for all clusters
	k := ix.KB()
	var out []Cluster
	for _, ms := range clusters {
		c := Cluster{}
		for _, m := range ms {
			c.Count += m.g.Count
			c.Groups = append(c.Groups, m.g)
			if m.g.Last.After(c.Last) {
				c.Last = m.g.Last
			}
			for _, ex := range m.g.Examples {
				if len(c.Examples) < 5 {
					c.Examples = append(c.Examples, ex)
				}
			}
		}
		q := c.Examples[0]
		c.Lang = zh.Detect(q)
		if c.Lang == "" {
			c.Lang = "zh"
		}
		if e != nil {
			a, err := e.Ask(ctx, bot.Question{Text: q, Channel: "console", Quiet: true})
			if err != nil {
				return nil, err
			}
			c.Reason = a.Reason
			if a.Answered {
				c.Answers = a.ID
			}
			if c.Reason == bot.ReasonGreeting || c.Reason == bot.ReasonEmpty {
				continue // not a question: nothing to write
			}
		}
		hits, err := ix.Search(ctx, q, c.Lang, 3)
		if err != nil {
			return nil, err
		}
		var sugg []bot.Suggestion
		for _, h := range hits {
			art, ok := k.Article(c.Lang, h.ID)
			if !ok {
				continue
			}
			c.Closest = append(c.Closest, Closest{ID: h.ID, Title: art.Title, Coverage: h.Coverage})
			if h.Coverage >= minProposeCoverage {
				for _, ex := range c.Examples {
					sugg = append(sugg, bot.Suggestion{Question: ex, ID: h.ID, Lang: c.Lang, Count: c.Count, Coverage: h.Coverage})
				}
			}
		}
		byID := map[string][]string{}
		var ids []string
		for _, s := range FilterSuggestions(k, sugg) {
			if byID[s.ID] == nil {
				ids = append(ids, s.ID)
			}
			if !containsFold(byID[s.ID], s.Question) {
				byID[s.ID] = append(byID[s.ID], s.Question)
			}
		}
		for _, id := range ids {
			art, _ := k.Article(c.Lang, id)
			var b strings.Builder
			b.WriteString("questions:\n")
			for _, q := range art.Questions {
				fmt.Fprintf(&b, "  - %s\n", yamlScalar(q))
			}
			for _, q := range byID[id] {
				fmt.Fprintf(&b, "  - %s   # new\n", yamlScalar(q))
			}
			c.Proposals = append(c.Proposals, Proposal{ID: id, Title: art.Title, File: "content/" + c.Lang + "/" + id + ".md", Lines: b.String()})
		}
		// Only a question about medical insurance (the engine is unsure of
		// it) can need an article: off-topic ones are declined on purpose.
		far := len(c.Closest) == 0 || c.Closest[0].Coverage < minProposeCoverage
		c.NewArticle = far && (e == nil || c.Reason == bot.ReasonUnsure)
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out, nil
}

// yamlScalar is s as a YAML list item's value: plain when YAML reads it
// back as the same string, quoted otherwise ("What: this?", "#1 ...").
func yamlScalar(s string) string {
	out, err := yaml.Marshal([]string{s})
	if err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(strings.TrimPrefix(string(out), "- "), "\n")
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if kb.QuestionKey(x) == kb.QuestionKey(s) {
			return true
		}
	}
	return false
}

// shingles are a normalised question's words (Latin) and character bigrams
// (Han), the units clusters are compared by.
func shingles(key string) map[string]bool {
	out := map[string]bool{}
	rs := []rune(zh.Fold(key))
	var word []rune
	flush := func() {
		if len(word) > 0 {
			out[string(word)] = true
			word = word[:0]
		}
	}
	for i, r := range rs {
		if r < 0x2E80 {
			word = append(word, r)
			continue
		}
		flush()
		if i+1 < len(rs) && rs[i+1] >= 0x2E80 {
			out[string(rs[i:i+2])] = true
		} else if i == 0 || rs[i-1] < 0x2E80 {
			out[string(r)] = true
		}
	}
	flush()
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 0
	for k := range a {
		if b[k] {
			n++
		}
	}
	return float64(n) / float64(len(a)+len(b)-n)
}

// ArticleHealth is one article's use in a period.
type ArticleHealth struct {
	ID, Title, Topic, Updated string
	Hits, Up, Down            int
	// Questions are the questions it answered, most asked first (up to 5).
	Questions []QuestionCount
	Stale     bool // updated more than a year ago
	NeverHit  bool
}

// QuestionCount is a question and how often it was asked.
type QuestionCount struct {
	Question string
	Count    int
}

// StaleAfter is the age of an article's `updated` date from which the
// console flags it.
const StaleAfter = 365 * 24 * time.Hour

// ArticlesHealth lists every article of k with its hits and votes from rep
// (the report of the period: the same counts as `faqbot stats`) and the
// questions that reached it from the query log.
func ArticlesHealth(k *kb.KB, rep kb.Report, ql QueryLog, since, now time.Time) ([]ArticleHealth, error) {
	byID := map[string]*ArticleHealth{}
	var out []*ArticleHealth
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			if byID[a.ID] != nil {
				continue
			}
			h := &ArticleHealth{ID: a.ID, Title: a.Title, Topic: a.Topic, Updated: a.Updated}
			if t, err := time.Parse("2006-01-02", a.Updated); err == nil && now.Sub(t) > StaleAfter {
				h.Stale = true
			}
			byID[a.ID] = h
			out = append(out, h)
		}
	}
	for _, c := range rep.TopArticles {
		if h := byID[c.ID]; h != nil {
			h.Hits, h.Up, h.Down = c.Count, c.Up, c.Down
		}
	}
	for _, c := range rep.ThumbsDown {
		if h := byID[c.ID]; h != nil && h.Hits == 0 {
			h.Up, h.Down = c.Up, c.Down
		}
	}
	questions := map[string]map[string]*QuestionCount{}
	if ql != nil {
		err := ql.Log(since, func(e kb.LogEntry) error {
			if e.ID == "" || byID[e.ID] == nil {
				return nil
			}
			m := questions[e.ID]
			if m == nil {
				m = map[string]*QuestionCount{}
				questions[e.ID] = m
			}
			key := kb.QuestionKey(e.Question)
			if m[key] == nil {
				m[key] = &QuestionCount{Question: e.Question}
			}
			m[key].Count++
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	res := make([]ArticleHealth, 0, len(out))
	for _, h := range out {
		var qs []QuestionCount
		for _, q := range questions[h.ID] {
			qs = append(qs, *q)
		}
		sort.Slice(qs, func(i, j int) bool {
			return qs[i].Count > qs[j].Count || qs[i].Count == qs[j].Count && qs[i].Question < qs[j].Question
		})
		h.Questions = first(qs, 5)
		h.NeverHit = h.Hits == 0
		res = append(res, *h)
	}
	sort.SliceStable(res, func(i, j int) bool {
		return res[i].Hits > res[j].Hits || res[i].Hits == res[j].Hits && res[i].ID < res[j].ID
	})
	return res, nil
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// HitTest is one question through the engine, with how it was decided.
type HitTest struct {
	Question, Lang string
	Answer         bot.Answer
	Decision       bot.Decision
	Threshold      float64
	Outcome        string // answered, unsure, declined
	Features       []Feature
	Candidates     []Candidate
	// After is the previous question the context reading assumed ("": none);
	// InContext is the answer read after it, Changed whether it differs.
	After     string
	InContext *bot.Answer
	Changed   bool
}

// Feature is one named input of the confidence model.
type Feature struct {
	Name  string
	Value float64
}

// Candidate is one article the search found, with its signals and passage.
type Candidate struct {
	ID, Title                       string
	Coverage, Similarity, Raw, Rank float64
	Heading, Passage                string
}

// Try runs the hit test of q (lang "" = the question's own) on engine e
// over src; after, when set, is asked first by the same user to show how
// context changes the reading (mem must then be a fresh engine's memory).
func Try(ctx context.Context, e, withMemory *bot.Engine, src bot.Searcher, q, lang, after string) (HitTest, error) {
	ht := HitTest{Question: q, Lang: lang, Threshold: bot.ModelThreshold(), After: after}
	a, d, err := e.Decide(ctx, bot.Question{Text: q, Lang: lang, Channel: "console", Quiet: true})
	if err != nil {
		return ht, err
	}
	ht.Answer, ht.Decision = a, d
	switch {
	case a.Answered:
		ht.Outcome = "answered"
	case a.Reason == bot.ReasonUnsure:
		ht.Outcome = "unsure"
	default:
		ht.Outcome = "declined"
	}
	for i, v := range d.Features {
		name := fmt.Sprintf("f%d", i)
		if i < len(bot.FeatureNames) {
			name = bot.FeatureNames[i]
		}
		ht.Features = append(ht.Features, Feature{Name: name, Value: v})
	}
	searchLang := zh.Detect(bot.Clean(q, 1024))
	if searchLang == "" {
		searchLang = a.Lang
	}
	var hits []index.Hit
	ix := src.Current()
	if searchLang != "" {
		if hits, err = ix.Search(ctx, bot.Clean(q, 1024), searchLang, 5); err != nil {
			return ht, err
		}
	}
	k := ix.KB()
	for _, h := range hits {
		art, ok := k.Article(searchLang, h.ID)
		if !ok {
			continue
		}
		c := Candidate{ID: h.ID, Title: art.Title, Coverage: h.Coverage, Similarity: h.Similarity, Raw: h.Raw, Rank: h.Rank}
		if ps := art.Passages(); len(ps) > 0 {
			p := ps[min(h.Section, len(ps)-1)]
			c.Heading, c.Passage = p.Heading, p.Body
		}
		ht.Candidates = append(ht.Candidates, c)
	}
	if after != "" && withMemory != nil {
		user := fmt.Sprintf("console-try-%d", time.Now().UnixNano())
		if _, err := withMemory.Ask(ctx, bot.Question{Text: after, Lang: lang, Channel: "console", User: user}); err != nil {
			return ht, err
		}
		ac, err := withMemory.Ask(ctx, bot.Question{Text: q, Lang: lang, Channel: "console", User: user})
		if err != nil {
			return ht, err
		}
		ht.InContext = &ac
		ht.Changed = ac.Answered != a.Answered || ac.ID != a.ID || ac.Reason != a.Reason || ac.Context != ""
	}
	return ht, nil
}
