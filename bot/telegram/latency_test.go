package telegram

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestLatency measures the time from an update becoming available
// on the (loopback, fake) Bot API to the reply's sendMessage arriving there,
// with the production rate limits, over 200 questions from 200 chats
// arriving at 25/s (under the 30/s global limit). It logs p50/p99 (run with
// -v) and fails when p99 is over 5s: far above the ~100ms a quiet 2-core
// machine shows, far below what a misapplied limit would cost (a 1/s global
// limit would make p99 minutes).
func TestLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("200 questions paced over 8 s: skipped with -short")
	}
	fake := newFakeBotAPI(t, testToken)
	startBot(t, fake, nil, harnessOpts{realism: true})
	questions := []string{"医保卡丢了怎么看病", "异地就医怎么备案", "How do I file for care in another city?", "家庭共济怎么绑定", "今天天气怎么样", "生育保险报销多少"}
	const n = 200
	ids := make([]int, n)
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	for i := range n {
		<-tick.C
		ids[i] = fake.push(textUpdate(int64(20000+i), int64(20000+i), questions[i%len(questions)]))
	}
	sent := fake.waitOK(t, "sendMessage", n, 30*time.Second)
	byChat := map[string]time.Time{}
	for _, c := range sent {
		byChat[c.Params.Get("chat_id")] = c.At
	}
	lat := make([]time.Duration, 0, n)
	for i, id := range ids {
		at, ok := byChat[fmt.Sprint(20000+i)]
		if !ok {
			t.Fatalf("chat %d not answered", 20000+i)
		}
		lat = append(lat, at.Sub(fake.pushedAt(id)))
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	t.Logf("update → sendMessage over %d updates at 25/s: p50=%v p90=%v p99=%v max=%v", n, p(0.5), p(0.9), p(0.99), lat[len(lat)-1])
	if p(0.99) > 5*time.Second {
		t.Errorf("p99 %v > 5s", p(0.99))
	}
}
