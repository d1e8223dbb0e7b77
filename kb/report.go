package kb

import (
	"strings"
	"time"
	"unicode"
)

// Report is the curator's view of the state store: what people ask that the
// bot cannot answer, which answers they dislike, and how each channel fares.
// Every state backend (kb/state, kb/state/postgres) returns it.
type Report struct {
	Since      time.Time `json:"since"`
	Questions  int       `json:"questions"`
	Unanswered []Group   `json:"unanswered"` // most asked first
	// Unsure are the medical insurance questions no article clearly
	// answered (reason "unsure"), most asked first: what to write next.
	Unsure      []Group            `json:"unsure"`
	ThumbsDown  []ArticleCount     `json:"thumbs_down"`  // most down-votes first
	TopArticles []ArticleCount     `json:"top_articles"` // most answered first
	ByChannel   map[string]Outcome `json:"by_channel"`
	ByLang      map[string]Outcome `json:"by_lang"`
}

// Group is one unanswered question, normalised, with how often it was asked,
// the spellings people used (at most three, first asked first) and when it
// was last asked.
type Group struct {
	Key      string    `json:"key"`
	Count    int       `json:"count"`
	Examples []string  `json:"examples"`
	Last     time.Time `json:"last"`
}

// ArticleCount counts something per article.
type ArticleCount struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
	Up    int    `json:"up,omitempty"`
	Down  int    `json:"down,omitempty"`
}

// Outcome is the answer rate and vote ratio of one channel or language.
type Outcome struct {
	Asked    int     `json:"asked"`
	Answered int     `json:"answered"`
	Rate     float64 `json:"answer_rate"`
	Up       int     `json:"up"`
	Down     int     `json:"down"`
	UpRatio  float64 `json:"up_ratio"`
}

// WithRates returns o with Rate and UpRatio computed from its counts.
func (o Outcome) WithRates() Outcome {
	o.Rate, o.UpRatio = 0, 0
	if o.Asked > 0 {
		o.Rate = float64(o.Answered) / float64(o.Asked)
	}
	if o.Up+o.Down > 0 {
		o.UpRatio = float64(o.Up) / float64(o.Up+o.Down)
	}
	return o
}

// ReportExamples is how many spellings a Group keeps.
const ReportExamples = 3

// NormalizeQuestion is the grouping key of unanswered questions: case, width,
// punctuation and spaces do not split a group.
func NormalizeQuestion(q string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(q) {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
