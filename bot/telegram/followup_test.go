package telegram

import (
	"context"
	"strings"
	"testing"

	"faqbot/bot"
	"faqbot/bot/bottest"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestAnswerCardContext: a follow-up read in context shows the context label
// first, so a wrong guess is visible.
func TestAnswerCardContext(t *testing.T) {
	t.Parallel()
	eng := bottest.NewAsker(t)
	tg := &Bot{eng: eng}
	a, err := eng.Ask(context.Background(), bot.Question{Text: "医保卡丢了怎么去医院看病"})
	if err != nil || !a.Answered {
		t.Fatalf("%+v %v", a, err)
	}
	a.Context, a.ContextLabel = "lost-card", "关于医保卡丢了<怎么办>:"
	m := tg.answerMessage(a)
	checkMessage(t, m)
	if want := "<i>" + escape(a.ContextLabel) + "</i>\n<b>"; !strings.HasPrefix(m.Text, want) {
		t.Errorf("reply does not start with the context label:\n%s", m.Text)
	}
}

// TestConversationKey: a private chat is the user's conversation; in a group
// it is the user's in that chat.
func TestConversationKey(t *testing.T) {
	u := &tgbotapi.User{ID: 42}
	if got := conversationKey(incoming{chat: 42, user: u, private: true}); got != "42" {
		t.Errorf("private: %q", got)
	}
	if got := conversationKey(incoming{chat: -100, user: u}); got != "-100:42" {
		t.Errorf("group: %q", got)
	}
	if got := conversationKey(incoming{chat: -100}); got != "" {
		t.Errorf("no user: %q", got)
	}
}
