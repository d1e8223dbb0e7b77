package main

import (
	"context"
	"strings"
	"testing"

	"faqbot/bot"
	"faqbot/bot/bottest"
	"faqbot/index/zh"
)

// TestChatTextUnsure: an unsure reply numbers its suggestions [1]..[3],
// once, with the honest sentence, the hand-off and the disclaimer in the
// question's language and script.
func TestChatTextUnsure(t *testing.T) {
	t.Parallel()
	f := bottest.NewAsker(t)
	k := bottest.KB(t)
	ids := []string{"drug-class-a-b", "surgery-coverage", "dental-coverage"}
	for _, tc := range []struct {
		q, lang, intro string
		trad           bool
	}{
		{"打胰岛素的钱医保给报吗", "zh", "我没有找到确切回答这个问题的内容", false},
		{"Is insulin covered?", "en", "I don't have an article that answers this exactly", false},
		{"打胰島素的錢醫保給報嗎", "zh", "我沒有找到確切回答這個問題的內容", true},
	} {
		f.Unsure[tc.q] = ids
		a, err := f.Ask(context.Background(), bot.Question{Text: tc.q})
		if err != nil || a.Reason != bot.ReasonUnsure {
			t.Fatalf("%q: %+v %v", tc.q, a, err)
		}
		conv := func(s string) string { return s }
		if tc.trad {
			conv = zh.ToTraditional
		}
		text := chatText(f, a)
		for _, want := range []string{tc.intro, conv(k.Handoff(tc.lang)), conv(k.Disclaimer(tc.lang))} {
			if !strings.Contains(text, want) {
				t.Errorf("%q: lacks %q:\n%s", tc.q, want, text)
			}
		}
		for i, alt := range a.Alternatives {
			if !strings.Contains(text, "["+string(rune('1'+i))+"] "+alt.Title+"\n") || strings.Count(text, alt.Title) != 1 {
				t.Errorf("%q: suggestion %d %q not numbered once:\n%s", tc.q, i+1, alt.Title, text)
			}
		}
	}
}

// TestChatUnsure: the terminal chat over the real engine: a question the
// knowledge base does not cover gets numbered suggestions, and "1" prints
// the first one's article in the reply's language.
func TestChatUnsure(t *testing.T) {
	out, _, err := runCmd(t, "Does medical insurance pay for IVF?\n1\n", "chat")
	if err != nil {
		t.Fatal(err)
	}
	replies := strings.Split(out, "\n> ")
	if len(replies) < 3 {
		t.Fatalf("chat output:\n%s", out)
	}
	unsure, picked := replies[1], replies[2]
	if !strings.Contains(unsure, "I don't have an article that answers this exactly") {
		t.Fatalf("the engine no longer finds this question unsure (pick another from bot.TestUnsure):\n%s", unsure)
	}
	_, rest, ok := strings.Cut(unsure, "\n[1] ")
	first, _, _ := strings.Cut(rest, "\n")
	if !ok || first == "" || strings.Count(unsure, first) != 1 || strings.Contains(unsure, "\n1. ") {
		t.Fatalf("suggestions not numbered [1].. once:\n%s", unsure)
	}
	if !strings.HasPrefix(picked, first+"\n") {
		t.Errorf("1 should print %q:\n%s", first, picked)
	}
}
