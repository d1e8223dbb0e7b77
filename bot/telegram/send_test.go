package telegram

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"
)

// senderFor is a sender talking to fake, with the given rates.
func senderFor(t *testing.T, fake *fakeBotAPI, global rate.Limit, chat rate.Limit) *sender {
	t.Helper()
	h := startBot(t, fake, nil, harnessOpts{noRun: true, realism: true})
	s := h.tg.send
	s.global = rate.NewLimiter(global, 1)
	s.chatLimit, s.chatBurst = chat, 1
	s.retryBase, s.retryMax = 10*time.Millisecond, 40*time.Millisecond
	return s
}

func TestSendRateLimits(t *testing.T) {
	t.Run("per chat", func(t *testing.T) {
		fake := newFakeBotAPI(t, testToken)
		s := senderFor(t, fake, 1000, 10) // 10/s per chat: 100ms apart
		var wg sync.WaitGroup
		start := time.Now()
		for i := range 6 {
			wg.Go(func() {
				if err := s.messages(context.Background(), 42, 0, 0, renderText(fmt.Sprint("m", i))); err != nil {
					t.Error(err)
				}
			})
		}
		// Another chat is not held up behind chat 42's 500ms.
		if err := s.messages(context.Background(), 43, 0, 0, renderText("other")); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 250*time.Millisecond {
			t.Errorf("chat 43 waited %v behind chat 42", d)
		}
		wg.Wait()
		if d := time.Since(start); d < 500*time.Millisecond {
			t.Errorf("6 messages to one chat at 10/s took %v, want ≥ 500ms", d)
		}
		var at []time.Time
		for _, c := range fake.callsOf("sendMessage", true) {
			if c.Params.Get("chat_id") == "42" {
				at = append(at, c.At)
			}
		}
		if len(at) != 6 {
			t.Fatalf("%d messages", len(at))
		}
		if span := at[5].Sub(at[0]); span < 400*time.Millisecond {
			t.Errorf("6 messages to one chat arrived within %v, want about 500ms", span)
		}
	})
	t.Run("global", func(t *testing.T) {
		fake := newFakeBotAPI(t, testToken)
		s := senderFor(t, fake, 100, 1000) // 100/s overall
		var wg sync.WaitGroup
		start := time.Now()
		for i := range 21 {
			wg.Go(func() {
				if err := s.messages(context.Background(), int64(100+i), 0, 0, renderText("hi")); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if d := time.Since(start); d < 190*time.Millisecond {
			t.Errorf("21 messages at 100/s took %v, want ≥ 200ms", d)
		}
	})
	t.Run("production", func(t *testing.T) {
		fake := newFakeBotAPI(t, testToken)
		h := startBot(t, fake, nil, harnessOpts{noRun: true, realism: true})
		if h.tg.send.global.Limit() != 30 || h.tg.send.chatLimit != 1 {
			t.Fatalf("limits %v/s overall, %v/s per chat", h.tg.send.global.Limit(), h.tg.send.chatLimit)
		}
		start := time.Now()
		if err := h.tg.send.messages(context.Background(), 42, 0, 0, renderText("1"), renderText("2"), renderText("3")); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 1900*time.Millisecond {
			t.Errorf("3 messages to one chat in %v: faster than 1/s", d)
		}
	})
}

func TestSendRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		faults    []fakeBotFault
		calls     int
		delivered bool
		apiCode   int // the error's code when not delivered
	}{
		{"500 then ok", []fakeBotFault{{Code: 500, Desc: "Internal Server Error"}}, 2, true, 0},
		{"proxy 502 page", []fakeBotFault{{Status: 502, Body: "<html>Bad Gateway</html>"}, {Status: 504, Body: "<html>timeout</html>"}}, 3, true, 0},
		{"429 without retry_after", []fakeBotFault{{Code: 429, Desc: "Too Many Requests"}}, 2, true, 0},
		{"429 retry_after", []fakeBotFault{{Code: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1}}, 2, true, 0},
		{"5xx forever", []fakeBotFault{{Code: 500}, {Code: 500}, {Code: 500}, {Code: 500}, {Code: 500}, {Code: 500}}, 5, false, 500},
		{"blocked by user", []fakeBotFault{{Code: 403, Desc: "Forbidden: bot was blocked by the user"}}, 1, false, 403},
		{"bad request", []fakeBotFault{{Code: 400, Desc: "Bad Request: chat not found"}}, 1, false, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeBotAPI(t, testToken)
			s := senderFor(t, fake, 1000, 1000)
			fake.fail("sendMessage", tc.faults...)
			err := s.messages(context.Background(), 42, 0, 0, renderText("hello"))
			calls := fake.callsOf("sendMessage", false)
			ok := fake.callsOf("sendMessage", true)
			if len(calls) != tc.calls {
				t.Errorf("%d calls, want %d: %s", len(calls), tc.calls, fake.summary())
			}
			if tc.delivered && (err != nil || len(ok) != 1) {
				t.Errorf("err=%v, %d delivered", err, len(ok))
			}
			if !tc.delivered {
				var apiErr *tgbotapi.Error
				if err == nil || !errors.As(err, &apiErr) || apiErr.Code != tc.apiCode {
					t.Errorf("err=%v, want API error %d", err, tc.apiCode)
				}
			}
			if len(tc.faults) > 0 && tc.faults[0].RetryAfter > 0 && len(calls) == 2 {
				if wait := calls[1].At.Sub(calls[0].At); wait < time.Duration(tc.faults[0].RetryAfter)*time.Second {
					t.Errorf("retried after %v", wait)
				}
			}
		})
	}
}

func TestSendStopsOnCancel(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	s := senderFor(t, fake, 1000, 1000)
	fake.fail("sendMessage", fakeBotFault{Code: 429, Desc: "Too Many Requests: retry after 60", RetryAfter: 60})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.messages(ctx, 42, 0, 0, renderText("hello"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned after %v", d)
	}
	if n := len(fake.callsOf("sendMessage", true)); n != 0 {
		t.Errorf("%d delivered", n)
	}
}
