package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCleanCut: text over the limit is cut at a rune boundary whatever
// bytes sit at the cut; `faqbot ask` with 1,100 bytes of 0xF0 used to
// panic here (slice bounds out of range).
func TestCleanCut(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"1100 bytes of 0xF0", strings.Repeat("\xf0", 1100), 1024, ""},
		{"0xF0 then text", strings.Repeat("\xf0", 1030) + "医保", 1024, ""},
		{"3 bytes of 0xF0, max 2", "\xf0\xf0\xf0", 2, ""},
		{"continuation bytes", strings.Repeat("\x80", 2000), 1024, ""},
		{"Chinese cut mid-rune", strings.Repeat("医", 5), 7, "医医"},
		{"4-byte rune cut", "ab😀", 5, "ab"},
		{"invalid before the cut", "ab\xff医保", 6, "ab 医"},
		{"short", "医保卡", 1024, "医保卡"},
		{"no limit", strings.Repeat("医", 2000), 0, strings.Repeat("医", 2000)},
		{"controls and spaces", "\x00a\t\n b\u200b\ufeffc\u0085", 100, "a b c"},
	} {
		got := Clean(tc.in, tc.max)
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		checkClean(t, tc.in, tc.max, got)
	}
}

func checkClean(t *testing.T, in string, max int, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("Clean(%q, %d) = %q: invalid UTF-8", in, max, got)
	}
	if max > 0 && len(got) > max {
		t.Fatalf("Clean(%q, %d) = %q: %d bytes", in, max, got, len(got))
	}
	if again := Clean(got, max); again != got {
		t.Fatalf("Clean is not idempotent on %q: %q then %q", in, got, again)
	}
	if got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
		t.Fatalf("Clean(%q) = %q: spaces not collapsed", in, got)
	}
}

// FuzzClean: any bytes, any limit: valid UTF-8, at most max bytes,
// idempotent, never a panic.
func FuzzClean(f *testing.F) {
	for _, s := range []string{
		strings.Repeat("\xf0", 1100), "\xf0\x9f\x98", "\xf0\x9f\x98\x80", "医保卡丢了怎么办", "\xe5\x8c",
		"a\xffb", strings.Repeat("\x80", 10), "\xed\xa0\x80", "\xf4\x90\x80\x80", "\u200b\ufeff", "x\u0085y",
	} {
		for _, max := range []int{0, 1, 2, 3, 4, 5, 7, 1024} {
			f.Add(s, max)
		}
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 4096 || max < -1 {
			max %= 4096
		}
		checkClean(t, s, max, Clean(s, max))
	})
}
