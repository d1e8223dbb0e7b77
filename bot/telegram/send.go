package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"faqbot/bot"
)

// sender delivers Bot API calls within Telegram's limits: about 30
// messages a second overall and one a second per chat (token buckets, not
// sleeps), a 429's retry_after waited out and the call made once more, 5xx
// and network errors retried with bounded backoff.
type sender struct {
	api     func(context.Context) *tgbotapi.BotAPI
	log     *slog.Logger
	metrics *bot.Metrics

	global    *rate.Limiter
	chatLimit rate.Limit
	chatBurst int

	retries   int           // extra attempts after a 5xx or network error
	retryBase time.Duration // first backoff, doubled per attempt
	retryMax  time.Duration
	max429    int // 429s tolerated for one call

	mu    sync.Mutex
	chats map[int64]*chatGate
	calls int
}

// chatGate paces one chat.
type chatGate struct {
	lim   *rate.Limiter
	until time.Time // no sends before (a 429's retry_after)
	used  time.Time
}

func newSender(api func(context.Context) *tgbotapi.BotAPI, log *slog.Logger, m *bot.Metrics) *sender {
	return &sender{
		api: api, log: log, metrics: m,
		global:    rate.NewLimiter(30, 1),
		chatLimit: 1, chatBurst: 1,
		retries: 4, retryBase: 500 * time.Millisecond, retryMax: 8 * time.Second, max429: 5,
		chats: map[int64]*chatGate{},
	}
}

// gate returns the chat's limiter, creating it; idle gates are dropped now
// and then (an idle gate is full, so a new one is the same).
func (s *sender) gate(chat int64) *chatGate {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.calls++; s.calls%1024 == 0 {
		for id, g := range s.chats {
			if now.Sub(g.used) > time.Minute && now.After(g.until) {
				delete(s.chats, id)
			}
		}
	}
	g := s.chats[chat]
	if g == nil {
		g = &chatGate{lim: rate.NewLimiter(s.chatLimit, s.chatBurst)}
		s.chats[chat] = g
	}
	g.used = now
	return g
}

// hold stops sends to chat until t.
func (s *sender) hold(chat int64, t time.Time) {
	g := s.gate(chat)
	s.mu.Lock()
	if t.After(g.until) {
		g.until = t
	}
	s.mu.Unlock()
}

func (s *sender) waitChat(ctx context.Context, chat int64) error {
	g := s.gate(chat)
	s.mu.Lock()
	until := g.until
	s.mu.Unlock()
	if err := sleep(ctx, time.Until(until)); err != nil {
		return err
	}
	return g.lim.Wait(ctx)
}

// messages sends msgs to chat in order, the first as a reply to replyTo (0:
// none), all of them in forum topic thread (0: none). The request is built
// here because v5.5.1's MessageConfig has no message_thread_id.
func (s *sender) messages(ctx context.Context, chat int64, thread, replyTo int, msgs ...message) error {
	for i, m := range msgs {
		p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "text": m.Text, "parse_mode": tgbotapi.ModeHTML}
		p.AddBool("disable_web_page_preview", true)
		p.AddNonZero("message_thread_id", thread)
		if i == 0 && replyTo != 0 {
			p.AddNonZero("reply_to_message_id", replyTo)
			p.AddBool("allow_sending_without_reply", true)
		}
		if mk := m.markup(); mk != nil {
			if err := p.AddInterface("reply_markup", mk); err != nil {
				return fmt.Errorf("telegram sendMessage: %w", err)
			}
		}
		err := s.do(ctx, chat, func(b *tgbotapi.BotAPI) error { _, err := b.MakeRequest("sendMessage", p); return err })
		if err != nil {
			return fmt.Errorf("telegram sendMessage: %w", err)
		}
	}
	return nil
}

// request makes a call that is not a chat message (answerCallbackQuery,
// answerInlineQuery): no rate limit, same retries.
func (s *sender) request(ctx context.Context, c tgbotapi.Chattable) error {
	if err := s.do(ctx, 0, func(b *tgbotapi.BotAPI) error { _, err := b.Request(c); return err }); err != nil {
		return fmt.Errorf("telegram request: %w", err)
	}
	return nil
}

// do makes one call, paced when chat != 0, with retries.
func (s *sender) do(ctx context.Context, chat int64, call func(*tgbotapi.BotAPI) error) error {
	backoff := s.retryBase
	failures, limited := 0, 0
	for {
		if chat != 0 {
			if err := s.waitChat(ctx, chat); err != nil {
				return err
			}
			if err := s.global.Wait(ctx); err != nil {
				return err
			}
		}
		err := call(s.api(ctx))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		var apiErr *tgbotapi.Error
		isAPI := errors.As(err, &apiErr)
		switch {
		case isAPI && apiErr.RetryAfter > 0:
			if limited++; limited > s.max429 {
				return err
			}
			wait := time.Duration(apiErr.RetryAfter) * time.Second
			s.metrics.RateLimited(channelName, "429")
			s.log.Warn("telegram rate limited", "retry_after", wait)
			if chat != 0 {
				s.hold(chat, time.Now().Add(wait))
			} else if err := sleep(ctx, wait); err != nil {
				return err
			}
		case isAPI && apiErr.Code < 500 && apiErr.Code != 429:
			return err // bad request, blocked by the user, ...: retrying cannot help
		default: // 5xx, 429 without retry_after, network or decoding error
			if failures++; failures > s.retries {
				return err
			}
			s.log.Warn("telegram call failed, retrying", "err", err, "backoff", backoff)
			if err := sleep(ctx, backoff); err != nil {
				return err
			}
			backoff = min(2*backoff, s.retryMax)
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
