package telegram

import (
	"fmt"
	"testing"
	"time"
)

func TestFloodControl(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	f := newFlood(20, time.Minute)
	f.now = func() time.Time { return now }
	type step struct {
		after    time.Duration
		user     int64
		ok, warn bool
	}
	var steps []step
	for range 20 {
		steps = append(steps, step{time.Second, 1, true, false})
	}
	steps = append(steps,
		step{time.Second, 1, false, true},      // 21st in a minute: one "slow down"
		step{time.Second, 1, false, false},     // then silence
		step{0, 2, true, false},                // other users are not affected
		step{time.Second, 1, false, false},     // still flooding
		step{38 * time.Second, 1, true, false}, // the first request has left the window
		step{0, 1, false, true},                // full again: a new episode, a new warning
	)
	for i, s := range steps {
		now = now.Add(s.after)
		ok, warn := f.allow(s.user)
		if ok != s.ok || warn != s.warn {
			t.Fatalf("step %d (user %d at +%v): ok=%v warn=%v, want %v %v", i, s.user, now.Sub(time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)), ok, warn, s.ok, s.warn)
		}
	}
	// Idle users are forgotten.
	now = now.Add(2 * time.Minute)
	for i := range 1024 {
		f.allow(int64(1000 + i))
	}
	f.mu.Lock()
	_, kept := f.users[1]
	f.mu.Unlock()
	if kept {
		t.Errorf("idle user still tracked")
	}
}

func TestFloodEndToEnd(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	startBot(t, fake, nil, harnessOpts{})
	for i := range 25 {
		fake.push(textUpdate(14001, 14001, fmt.Sprintf("医保卡丢了怎么看病 %d", i)))
	}
	h2 := textUpdate(14002, 14002, "异地就医怎么备案")
	fake.push(h2)
	fake.waitOK(t, "sendMessage", 22, waitFor)
	time.Sleep(200 * time.Millisecond)
	var answers, slow int
	for _, c := range fake.callsOf("sendMessage", true) {
		switch {
		case c.Params.Get("chat_id") != "14001":
		case c.Params.Get("text") == escape(labels["zh"]["slow"]):
			slow++
		default:
			answers++
		}
	}
	if answers != 20 || slow != 1 {
		t.Errorf("flooding user got %d answers and %d slow-downs, want 20 and 1", answers, slow)
	}
}
