package zh

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"醫保卡丟了怎麼辦", "医保卡丢了怎么办"},
		{"異地就醫備案", "异地就医备案"},
		{"報銷", "报销"},
		{"家庭共濟", "家庭共济"},
		{"生育津貼", "生育津贴"},
		{"ＭＥＤＩＣＡＬ　Ｉｎｓｕｒａｎｃｅ１２３", "medical insurance123"},
		{"医保\x00卡\u0007", "医保 卡 "},
		{"bad\xffutf8", "bad utf8"},
		// 乾 is both 干 (dry) and itself (乾坤): ambiguous, left alone.
		{"乾", "乾"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTraditionalRoundTrip(t *testing.T) {
	for in, want := range map[string]string{
		"医保卡丢了怎么报销":    "醫保卡丟了怎麼報銷",
		"回复 1 查看，恢复参保": "回覆 1 查看，恢復參保",
	} {
		if got := ToTraditional(in); got != want {
			t.Errorf("ToTraditional(%q) = %q, want %q", in, got, want)
		}
	}
	if !IsTraditional("醫保卡丟了怎麼辦") || IsTraditional("医保卡丢了怎么办") || IsTraditional("insurance") {
		t.Error("IsTraditional misjudges")
	}
	if n := len(t2s); n < 2000 {
		t.Errorf("only %d Traditional→Simplified pairs: table not generated from Unihan?", n)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct{ in, want string }{
		{"医保卡丢了怎么办", "zh"},
		{"醫保卡丟了", "zh"},
		{"I lost my insurance card", "en"},
		{"What is 医保码?", "zh"},
		{"How do I use my 医保码 at the hospital?", "en"},
		{"😀😀", ""},
		{"12345", ""},
		{"", ""},
		{"ＨＥＬＬＯ", "en"},
	}
	for _, tt := range tests {
		if got := Detect(tt.in); got != tt.want {
			t.Errorf("Detect(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzFold: folding never panics, always yields valid UTF-8 without control
// characters, and is idempotent.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"醫保卡", "薴", "ＡＢＣ", "\xff\xfe", "a\x00b", "+title:x -body:*", "\"", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Fold(%q) = %q: invalid UTF-8", s, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 && r != ' ' }) {
			t.Fatalf("Fold(%q) = %q keeps control characters", s, got)
		}
		if again := Fold(got); again != got {
			t.Fatalf("Fold not idempotent: %q -> %q -> %q", s, got, again)
		}
		_ = Detect(s)
	})
}

// TestTableMatchesMaps: Fold and IsTraditional read a table built from the
// maps; they must agree with the map lookups they replace, on every rune
// and on random mixes of Han, Latin, full-width, control and invalid bytes.
func TestTableMatchesMaps(t *testing.T) {
	t.Parallel()
	foldMaps := func(s string) string { // Fold as it was: foldRune on every rune
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(foldRune(r))
		}
		return b.String()
	}
	isTradMaps := func(s string) bool {
		var trad, simp int
		for _, r := range s {
			if _, ok := t2s[r]; ok {
				trad++
			} else if _, ok := s2t[r]; ok {
				simp++
			}
		}
		return trad > simp
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if got, want := Fold(s), foldMaps(s); got != want {
			t.Fatalf("Fold(%U) = %q, want %q", r, got, want)
		}
		if got, want := IsTraditional(s), isTradMaps(s); got != want {
			t.Fatalf("IsTraditional(%U) = %v, want %v", r, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []rune("醫保卡丟了怎麼辦医保卡丢了怎么办異地就醫备案报銷ＡＢｃ１　 aZ\u0007\u3000乾干\u346e𠀀𪚥\uffff")
	for range 20_000 {
		var b []byte
		for range rng.IntN(24) {
			if rng.IntN(20) == 0 {
				b = append(b, 0xff)
				continue
			}
			b = utf8.AppendRune(b, pool[rng.IntN(len(pool))])
		}
		s := string(b)
		if got, want := Fold(s), foldMaps(s); got != want {
			t.Fatalf("Fold(%q) = %q, want %q", s, got, want)
		}
		if got, want := IsTraditional(s), isTradMaps(s); got != want {
			t.Fatalf("IsTraditional(%q) = %v, want %v", s, got, want)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	q := "醫保卡丟了怎麼辦? 异地就医备案要带什么材料 What about Guangzhou?"
	b.ReportAllocs()
	for range b.N {
		Fold(q)
		IsTraditional(q)
	}
}

// TestFoldFixedPoint: Fold(Fold(x)) == Fold(x) for every BMP rune and every
// rune the Traditional→Simplified table names (FuzzFold found U+85B4 薴,
// which Unihan simplifies to 苧, itself simplified to 苎).
func TestFoldFixedPoint(t *testing.T) {
	check := func(r rune) {
		once := Fold(string(r))
		if twice := Fold(once); twice != once {
			t.Errorf("U+%04X %q: Fold %q (%U), Fold again %q (%U)", r, string(r), once, []rune(once), twice, []rune(twice))
		}
	}
	for r := range rune(0x10000) {
		check(r)
	}
	for tr, s := range t2s {
		check(tr)
		check(s)
	}
	if got := Fold("薴"); got != "苎" {
		t.Errorf("Fold(薴) = %q, want 苎", got)
	}
}
