package bot

import (
	"strings"
	"testing"

	"faqbot/content"
	"faqbot/kb"
)

// TestLexicon: the word lists from content/words.txt match on folded text,
// Chinese as substrings and English as words.
func TestLexicon(t *testing.T) {
	t.Parallel()
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	lx := newLexicon(k)
	for _, tc := range []struct {
		text           string
		greeting, sick bool
	}{
		{"謝謝", true, false}, // Traditional folds to 谢谢
		{"谢谢！", true, false},
		{"Thank you!", true, false},
		{"你好", true, false},
		{"Can I see a doctor in Spain with my card?", false, false}, // "pain" only inside a word
		{"I have back pain, which hospital?", false, true},
		{"最近老是头晕", false, true},
		{"醫保卡丟了", false, false},
	} {
		if got := lx.greeting(tc.text); got != tc.greeting {
			t.Errorf("greeting(%q) = %v", tc.text, got)
		}
		if got := lx.medical(tc.text); got != tc.sick {
			t.Errorf("medical(%q) = %v", tc.text, got)
		}
	}
	if lang, ok := lx.thanksLang("謝謝"); !ok || lang != "zh" {
		t.Errorf("thanksLang(謝謝) = %q %v", lang, ok)
	}
	for _, tc := range []struct {
		text, lang string
		cue        bool
		core       string
	}{
		{"那广州呢", "zh", true, "广州"},
		{"那門診呢？", "zh", true, "门诊"},
		{"医保卡丢了怎么办", "zh", false, "医保卡丢 办"},
		{"what about Guangzhou?", "en", true, "guangzhou"},
		{"Is it better to pay resident insurance?", "en", true, "better pay resident insurance"},
		{"Can I use my card at a pharmacy", "en", false, "use card at pharmacy"},
	} {
		if got := lx.followUpCue(tc.text, tc.lang); got != tc.cue {
			t.Errorf("followUpCue(%q) = %v", tc.text, got)
		}
		if got := lx.strip(tc.text, tc.lang); got != tc.core {
			t.Errorf("strip(%q) = %q, want %q", tc.text, got, tc.core)
		}
	}
	if got := CheckWords(k); len(got) != 0 {
		t.Errorf("content/words.txt: %v", got)
	}
}

// TestCheckWords: lint reports an entry folding changes, a malformed place,
// and a province that is not listed.
func TestCheckWords(t *testing.T) {
	t.Parallel()
	fsys := contentWith(t, kb.WordsFile, func(words string) string {
		words = strings.Replace(words, "[greetings]\n", "[greetings]\n謝謝你\n", 1)
		return strings.Replace(words, "[places]\n", "[places]\n宜宾:四川省:yibin\n乐山\n", 1)
	})
	k, err := kb.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(CheckWords(k), "\n")
	for _, want := range []string{`"謝謝你" can never match`, `its province "四川省" is not a listed place`, `place "乐山": want name:province`} {
		if !strings.Contains(got, want) {
			t.Errorf("CheckWords does not report %s:\n%s", want, got)
		}
	}
}
