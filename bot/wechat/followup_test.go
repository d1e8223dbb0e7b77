package wechat

import (
	"context"
	"strings"
	"testing"

	"faqbot/bot"
	"faqbot/bot/bottest"
)

// TestRenderAnswerContext: a follow-up read in context starts with the
// context label, so a wrong guess is visible.
func TestRenderAnswerContext(t *testing.T) {
	eng := bottest.NewAsker(t)
	a, err := eng.Ask(context.Background(), bot.Question{Text: "医保卡丢了怎么去医院看病"})
	if err != nil || !a.Answered {
		t.Fatalf("%+v %v", a, err)
	}
	a.Context, a.ContextLabel = "lost-card", "关于医保卡丢了怎么去医院看病:"
	out := renderAnswer(a, nil)
	if !strings.HasPrefix(out, a.ContextLabel+"\n"+a.Title+"\n\n") || len(out) > maxBytes {
		t.Errorf("reply:\n%s", out)
	}
}
