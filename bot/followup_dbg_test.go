package bot

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestFollowUpDebug(t *testing.T) {
	conv := os.Getenv("FAQBOT_CONV")
	if conv == "" {
		t.Skip()
	}
	e := newTestEngine(t, Deps{Memory: NewMemory()})
	for _, q := range strings.Split(conv, "|") {
		a, err := e.Ask(context.Background(), Question{Text: q, User: "u", Channel: "t"})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q → %v %s ctx=%s (%.2f) alts=%v", q, a.Answered, a.ID, a.Context, a.Score, a.Alternatives)
	}
}
