package bot

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The year cue as first written, kept as the oracle for namesYear.
var yearRe = regexp.MustCompile(`(?i)(20\d\d|[12]\d年|\b(19|20)\d\d\b)`)

// TestCuesOracle: the scans agree with the regular expressions on every
// labelled question, on edge cases, and on random texts built from the
// pieces that matter (digits, 年, word characters, the figure words in
// any case).
func TestCuesOracle(t *testing.T) {
	t.Parallel()
	texts := append(labelledTexts(t),
		"", "2", "20", "202", "2024", "x2024", "1999", "a1999", "1999b", "_1999", "1999年", "19999", "12年", "3年", "23年",
		"99年", "2年", "１９９９", "RATE", "Rates", "the rate.", "ratio?", "ratios", "pirate", "karate rate", "HoW MuCh",
		"what percentage", "rate_", "9rate", "é1999", "1999é", "\xff1999\xff", "1999\xff",
	)
	pieces := []string{"1", "2", "9", "0", "19", "20", "年", "a", "_", " ", ".", "é", "ratio", "rate", "RATE", "Ratio",
		"how much", "HOW MUCH", "what percent", "percentage", "多少", "钱", "比例", "几成", "\xff"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	years := 0
	for _, s := range texts {
		if got, want := namesYear(s), yearRe.MatchString(s); got != want {
			t.Errorf("namesYear(%q) = %v, the expression says %v", s, got, want)
		} else if got {
			years++
		}
	}
	if years == 0 || years == len(texts) {
		t.Errorf("%d texts, %d with a year: the cases do not discriminate", len(texts), years)
	}
}

// TestAsksFigure: the figure cues of content/words.txt, English as words in
// any case, Chinese as substrings.
func TestAsksFigure(t *testing.T) {
	t.Parallel()
	lx := newLexicon(testIndex(t).KB())
	for text, want := range map[string]bool{
		"住院报销比例是多少": true, "生孩子能报多少": true, "HOW MUCH is it": true, "what's the rate?": true,
		"pirate insurance": false, "karate classes": false, "医保卡丢了怎么办": false, "ratios and rates": false,
	} {
		if got := lx.asksFigure(text); got != want {
			t.Errorf("asksFigure(%q) = %v, want %v", text, got, want)
		}
	}
}
