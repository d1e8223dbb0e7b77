package bot

import (
	_ "embed"
	"fmt"
	"math"
	"strings"
	"unicode"

	"faqbot/bot/internal/logit"
	"faqbot/index"
	"faqbot/kb"
)

// The answer/no-answer decision is a logistic regression over the signals
// of the search (index.Hit) and of the question, fitted on the labelled sets
// by `go run ./bot/internal/fit` and committed as confidence.json. The engine
// answers iff p(the candidate article answers the question) ≥ its threshold.

//go:embed confidence.json
var modelJSON []byte

// FeatureNames name the confidence model's inputs, in order.
var FeatureNames = []string{
	"coverage",       // IDF-weighted share of the question the article holds
	"similarity",     // overlap with the article's closest curated phrasing
	"distinct",       // share of the question's distinctive terms the article holds
	"raw_share",      // BM25 of the candidate over the best BM25
	"margin",         // rank lead over the best other article
	"unknown_share",  // share of question tokens no article uses
	"log_tokens",     // question length
	"place_mismatch", // local article, question names another place
	"local_no_place", // local article, question names no place
	"in_scope",       // question names an in-scope term (医保, 报销 ...)
	"out_scope",      // question names an out-of-scope term the article is about
	"names_year",     // question names a year (2024年, 24年)
	"asks_figure",    // question asks for an amount or a ratio
	"coverage_in",    // coverage × in_scope
	"head",           // coverage by the title, questions and tags only
	"unit",           // best coverage by one phrasing or passage
	"log_raw",        // BM25 score of the candidate
	"near_uncovered", // similarity to the closest known uncovered question
	"near_offtopic",  // similarity to the closest known neighbouring-subject question
	"sim_lead",       // similarity minus near_uncovered
	"contain",        // largest share of one curated phrasing the question holds
	"miss_max",       // IDF (share of the unknown-term IDF) of the most distinctive question term the article lacks
	"miss_mass",      // summed IDF of the specific question terms the article lacks (in unknown-term IDFs)
	"miss_unknown",   // a specific question term the article lacks is used by no article
	"head_miss_max",  // miss_max against the article's title, phrasings and tags only
	"head_miss_mass", // miss_mass against the same
	"in_context",     // the reading is the message with the previous subject (followup.go)
	"own_cover",      // coverage of the candidate by the message's own words (1 when read alone)
}

// placeMismatch is the index of "place_mismatch" in FeatureNames.
const placeMismatch = 7

// model is the committed confidence model. A model that does not fit
// FeatureNames (features were added and not refitted yet) is replaced by one
// that answers nothing, so that the fitter can still compute features;
// modelErr says why (TestModelLoads fails on it).
var model, modelErr = func() (*logit.Model, error) {
	m, err := logit.Load(modelJSON, FeatureNames)
	if err != nil {
		n := len(FeatureNames)
		return &logit.Model{Names: FeatureNames, Mean: make([]float64, n), Std: make([]float64, n),
			Weights: make([]float64, n), Bias: -10, Threshold: 0.5}, fmt.Errorf("bot/confidence.json: %w", err)
	}
	return m, nil
}()

// ModelError reports a committed model that does not fit FeatureNames.
func ModelError() error { return modelErr }

// ModelThreshold is the committed answer threshold of the confidence model.
func ModelThreshold() float64 { return model.Threshold }

// Decision is how the engine decided about one question: what Ask did, and
// the model's view of it, for eval's threshold table and for the fit.
type Decision struct {
	// Gate is set when a hard rule decided before the model: empty, greeting,
	// junk, out-of-scope, medical, no-hit.
	Gate string
	// Candidate is the article the engine would answer with.
	Candidate string
	Features  []float64
	P         float64 // p(Candidate answers the question)
	// InScope: the question is about medical insurance (unsure, not no-match,
	// when the model is not confident).
	InScope bool
}

// Answers reports whether the decision answers at threshold t.
func (d Decision) Answers(t float64) bool { return d.Gate == "" && d.Candidate != "" && d.P >= t }

// Unsure reports whether the decision is "unsure" at threshold t.
func (d Decision) Unsure(t float64) bool {
	return d.Gate == "" && d.Candidate != "" && d.P < t && d.InScope
}

// candidate picks the article to consider among the hits (best first),
// following the region rule: a local article answers a question that names
// its place, or one naming no place when no general article is about as
// close; a question naming another place gets a close general article.
func candidate(k *kb.KB, lx *lexicon, hits []index.Hit, places []place) int {
	top := hits[0]
	close := func(h index.Hit) bool { return h.Rank >= regionCloseness*top.Rank }
	local := func(h index.Hit) (bool, string) {
		a, ok := k.Article("zh", h.ID)
		return ok && a.Regional(), regionOf(k, h.ID)
	}
	fits := func(region string) bool {
		for _, p := range places {
			if lx.placeFits(region, p) {
				return true
			}
		}
		return false
	}
	isLocal, region := local(top)
	switch {
	case isLocal && len(places) > 0 && !fits(region):
		for i, h := range hits[1:] {
			if l, r := local(h); close(h) && (!l || fits(r)) {
				return i + 1
			}
		}
	case isLocal && len(places) == 0:
		for i, h := range hits[1:] {
			if l, _ := local(h); close(h) && !l {
				return i + 1
			}
		}
	case !isLocal && len(places) > 0:
		for i, h := range hits[1:] {
			if l, r := local(h); l && close(h) && fits(r) {
				return i + 1
			}
		}
	}
	return 0
}

// regionCloseness is how close (share of the top rank) another article must
// be for the region rule to prefer it.
const regionCloseness = 0.85

func regionOf(k *kb.KB, id string) string {
	if a, ok := k.Article("zh", id); ok {
		return a.Region
	}
	return ""
}

// features computes the model's inputs for hit i of hits.
func features(k *kb.KB, lx *lexicon, question string, hits []index.Hit, i int, places []place, inScope, outOfScope bool, nearU, nearN float64, miss index.Missing, rd reading) []float64 {
	h, top := hits[i], hits[0]
	rawShare := 1.0
	if top.Raw > 0 {
		rawShare = h.Raw / top.Raw
	}
	margin := h.Margin
	if i > 0 {
		margin = h.Rank - top.Rank
	}
	unknown := 0.0
	if h.Tokens > 0 {
		unknown = float64(h.Unknown) / float64(h.Tokens)
	}
	var mismatch, noPlace float64
	if a, ok := k.Article("zh", h.ID); ok && a.Regional() {
		if len(places) == 0 {
			noPlace = 1
		} else {
			mismatch = 1
			for _, p := range places {
				if lx.placeFits(a.Region, p) {
					mismatch = 0
				}
			}
		}
	}
	out := b2f(outOfScope)
	return []float64{
		h.Coverage, h.Similarity, h.Distinct, rawShare, margin, unknown,
		math.Log1p(float64(h.Tokens)), mismatch, noPlace, b2f(inScope), out,
		b2f(namesYear(question)), b2f(lx.asksFigure(question)),
		h.Coverage * b2f(inScope),
		h.Head, h.Unit, math.Log1p(h.RawAbs),
		nearU, nearN, h.Similarity - nearU,
		h.Contain,
		miss.Max, min(miss.Mass, 3), b2f(miss.Unknown), miss.HeadMax, min(miss.HeadMass, 3),
		b2f(rd.inContext), rd.ownCover(h.ID),
	}
}

// reading says how the text the model decides on was made: the question
// alone, or a follow-up with its previous subject, whose own words (without
// the cue words) cover each article by own.
type reading struct {
	inContext bool
	own       map[string]float64 // nil: every article counts as covered (a cue-only follow-up)
}

func (r reading) ownCover(id string) float64 {
	if !r.inContext || r.own == nil {
		return 1
	}
	return r.own[id]
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// isJunk reports a message that cannot be a question: fewer than two
// distinct letters (医医医医医, "aaaa"), or no Chinese or Latin letter.
func isJunk(text string) bool {
	first, two := rune(-1), false // the first letter; whether another one follows
	words := false
	for _, r := range strings.ToLower(text) {
		if unicode.Is(unicode.Han, r) || r >= 'a' && r <= 'z' {
			words = true
		}
		if unicode.IsLetter(r) {
			switch {
			case first < 0:
				first = r
			case r != first:
				two = true
			}
		}
		if words && two {
			return false
		}
	}
	return true
}

// About reports whether article id is about term: its title, questions or
// tags name it in either language (a passing mention in the body does not
// make a housing-fund question ours). The curator report filters its
// suggestions with it too.
func About(k *kb.KB, id, term string) bool {
	for _, lang := range kb.Languages {
		if a, ok := k.Article(lang, id); ok && index.FindTerm(a.Title+"\n"+strings.Join(a.Questions, "\n")+"\n"+strings.Join(a.Tags, "\n"), []string{term}) != "" {
			return true
		}
	}
	return false
}
