package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// secretHeader carries the webhook secret_token on every webhook call.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxWebhookBody bounds a webhook request; real updates are a few kB.
const maxWebhookBody = 1 << 20

// Run serves Telegram until ctx is done: long polling, or in webhook mode
// registering the webhook (ServeHTTP then receives the updates) and waiting.
// It returns nil on shutdown and an error only when the webhook is refused.
func (t *Bot) Run(ctx context.Context) error {
	if t.cfg.WebhookURL != "" {
		return t.runWebhook(ctx)
	}
	return t.poll(ctx)
}

// poll is the long-polling loop. The offset is saved after each batch, so a
// restart neither re-answers nor skips; a Bot API outage backs off from
// backoffMin doubling to backoffMax and recovers by itself.
func (t *Bot) poll(ctx context.Context) error {
	// A webhook left from an earlier webhook-mode run makes getUpdates fail
	// with 409; pending updates are kept.
	if _, err := t.api(ctx).MakeRequest("deleteWebhook", nil); err != nil && ctx.Err() == nil {
		t.log.Warn("telegram deleteWebhook", "err", err)
	}
	offset, err := t.st.Offset(offsetKey)
	if err != nil {
		return fmt.Errorf("telegram: read update offset: %w", err)
	}
	backoff := t.backoffMin
	for ctx.Err() == nil {
		updates, err := t.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			t.log.Warn("telegram getUpdates failed", "err", err, "backoff", backoff)
			if sleep(ctx, backoff) != nil {
				break
			}
			backoff = min(2*backoff, t.backoffMax)
			continue
		}
		backoff = t.backoffMin
		next, complete := t.handleBatch(ctx, updates)
		if next > offset {
			offset = next
			if err := t.st.SetOffset(offsetKey, offset); err != nil {
				t.log.Error("telegram save update offset", "err", err)
			}
		}
		if !complete {
			break
		}
	}
	t.log.Info("telegram polling stopped")
	return nil
}

// rawUpdate is an update decoded leniently: one malformed update must not
// stall the loop.
type rawUpdate struct {
	id  int
	u   update
	err error
}

// getUpdates long-polls once. Updates are decoded one by one; one that does
// not decode is logged and skipped.
func (t *Bot) getUpdates(ctx context.Context, offset int64) ([]rawUpdate, error) {
	cfg := tgbotapi.UpdateConfig{Offset: int(offset), Limit: 100, Timeout: int(t.cfg.PollTimeout.Seconds()), AllowedUpdates: allowedUpdates}
	resp, err := t.api(ctx).Request(cfg)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("decode updates: %w", err)
	}
	out := make([]rawUpdate, 0, len(raws))
	for _, raw := range raws {
		var r rawUpdate
		var id struct {
			UpdateID int `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &id); err != nil {
			t.log.Warn("telegram update without id skipped", "err", err)
			continue
		}
		r.id = id.UpdateID
		r.u, r.err = decodeUpdate(raw)
		out = append(out, r)
	}
	return out, nil
}

// handleBatch handles a batch of updates: one goroutine per chat keeps each
// chat in order while chats proceed in parallel. When ctx is done, no new
// update starts and the running ones get t.drain to finish. It returns the
// offset to save (the first update not handled, or past the last) and
// whether every update was handled.
func (t *Bot) handleBatch(ctx context.Context, updates []rawUpdate) (int64, bool) {
	if len(updates) == 0 {
		return 0, true
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if sleep(hctx, t.drain) == nil {
			cancel()
		}
	})
	defer stop()

	done := make([]bool, len(updates))
	queues := map[string][]int{}
	var order []string
	for i, r := range updates {
		k := queueKey(r)
		if _, ok := queues[k]; !ok {
			order = append(order, k)
		}
		queues[k] = append(queues[k], i)
	}
	var wg sync.WaitGroup
	for _, k := range order {
		wg.Go(func() {
			for _, i := range queues[k] {
				if ctx.Err() != nil {
					return
				}
				r := updates[i]
				if r.err != nil {
					t.log.Warn("telegram malformed update skipped", "update_id", r.id, "err", r.err)
					done[i] = true
					continue
				}
				uctx, ucancel := context.WithTimeout(hctx, t.cfg.HandleTimeout)
				done[i] = t.handleOne(uctx, ctx, r.u)
				ucancel()
			}
		})
	}
	wg.Wait()
	for i, ok := range done {
		if !ok {
			return int64(updates[i].id), false
		}
	}
	return int64(updates[len(updates)-1].id) + 1, true
}

// queueKey groups updates that must be handled in order: same chat (or,
// for inline queries, same user).
func queueKey(r rawUpdate) string {
	u := r.u
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return "c" + strconv.FormatInt(u.Message.Chat.ID, 10)
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return "c" + strconv.FormatInt(u.CallbackQuery.Message.Chat.ID, 10)
	case u.SentFrom() != nil:
		return "u" + strconv.FormatInt(u.SentFrom().ID, 10)
	}
	return "n" + strconv.Itoa(r.id)
}

// runWebhook registers the webhook with its secret token (retrying transient
// failures) and waits for ctx. The webhook stays registered on shutdown so
// Telegram keeps the updates for the next start.
func (t *Bot) runWebhook(ctx context.Context) error {
	backoff := t.backoffMin
	for {
		err := t.setWebhook(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		var apiErr *tgbotapi.Error
		if errors.As(err, &apiErr) && apiErr.Code >= 400 && apiErr.Code < 500 && apiErr.RetryAfter == 0 {
			return fmt.Errorf("telegram: setWebhook refused: %w", err)
		}
		t.log.Warn("telegram setWebhook failed", "err", err, "backoff", backoff)
		if sleep(ctx, backoff) != nil {
			return nil
		}
		backoff = min(2*backoff, t.backoffMax)
	}
	host := ""
	if u, err := url.Parse(t.cfg.WebhookURL); err == nil {
		host = u.Host
	}
	t.log.Info("telegram webhook registered", "host", host)
	<-ctx.Done()
	return nil
}

// setWebhook registers the webhook through the raw request call: v5.5.1's
// WebhookConfig has no secret_token field.
func (t *Bot) setWebhook(ctx context.Context) error {
	allowed, err := json.Marshal(allowedUpdates)
	if err != nil {
		return err
	}
	_, err = t.api(ctx).MakeRequest("setWebhook", tgbotapi.Params{
		"url":             t.cfg.WebhookURL,
		"secret_token":    t.secret,
		"allowed_updates": string(allowed),
		"max_connections": "40",
	})
	return err
}

// ServeHTTP is POST /telegram in webhook mode: the secret token header must
// match (constant-time; 401 otherwise, logged without the token), the body
// is one update; one that does not decode (or is over 1 MB) is logged and
// answered 200, since any error makes Telegram redeliver it forever. The update is handled before the reply, so Telegram
// redelivers it if faqbot dies meanwhile; redeliveries are answered once.
func (t *Bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t.cfg.WebhookURL == "" {
		http.Error(w, "telegram webhook mode is off", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := sha256.Sum256([]byte(r.Header.Get(secretHeader)))
	want := sha256.Sum256([]byte(t.secret))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		t.log.Warn("telegram webhook: bad secret token", "remote", r.RemoteAddr,
			"header_present", r.Header.Get(secretHeader) != "")
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	// An update that does not decode is logged and acknowledged: Telegram
	// would redeliver it forever after an error status.
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	var u update
	if err == nil {
		u, err = decodeUpdate(raw)
	}
	if err != nil {
		t.log.Warn("telegram webhook: undecodable update skipped", "update_id", updateID(raw), "bytes", len(raw), "err", err)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), t.cfg.HandleTimeout)
	defer cancel()
	if !t.handleOne(ctx, ctx, u) {
		http.Error(w, "not handled, retry", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}
