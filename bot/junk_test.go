package bot

import (
	"strings"
	"testing"
	"unicode"
)

// isJunkOracle is isJunk as first written, with a set of the letters seen.
func isJunkOracle(text string) bool {
	seen := map[rune]bool{}
	words := false
	for _, r := range strings.ToLower(text) {
		if unicode.Is(unicode.Han, r) || r >= 'a' && r <= 'z' {
			words = true
		}
		if unicode.IsLetter(r) {
			seen[r] = true
		}
	}
	return !words || len(seen) < 2
}

// TestIsJunkOracle: isJunk, which stops at the second distinct letter,
// tells junk as the set-based version did, on every labelled question and
// on junk of every kind.
func TestIsJunkOracle(t *testing.T) {
	texts := append(labelledTexts(t), "", "医", "医医医医医", "aaaa", "AaAa", "Ab", "12345", "!!!", "ααβ", "αβ医", "β医医",
		"1a", "a1b", "ÀàÀ", "Σσς", "İi", "ﬁﬁ", "医?", "？？医疗", "Ωa", "ΩΩ", "a a a", "医 保")
	junk := 0
	for _, text := range texts {
		if got, want := isJunk(text), isJunkOracle(text); got != want {
			t.Errorf("isJunk(%q) = %v, want %v", text, got, want)
		}
		if isJunkOracle(text) {
			junk++
		}
	}
	if junk < 8 {
		t.Errorf("only %d junk texts: the test checks little", junk)
	}
}
