package telegram

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"faqbot/bot/bottest"
)

const testSecret = "s3cret-Token_1"

func TestWebhook(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{cfg: func(c *Config) {
		c.WebhookURL = "https://bot.example.com/telegram"
		c.WebhookSecret = testSecret
	}})
	reg := fake.waitOK(t, "setWebhook", 1, waitFor)[0].Params
	if reg.Get("url") != "https://bot.example.com/telegram" || reg.Get("secret_token") != testSecret ||
		!strings.Contains(reg.Get("allowed_updates"), "callback_query") {
		t.Errorf("setWebhook params %v", reg)
	}
	srv := httptest.NewServer(h.tg)
	defer srv.Close()
	update := func(id int, text string) string {
		u := textUpdate(11001, 11001, text)
		u["update_id"] = id
		b, _ := json.Marshal(u)
		return string(b)
	}
	post := func(method, secret, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/telegram", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set(secretHeader, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name, method, secret, body string
		status                     int
	}{
		{"wrong secret", "POST", "wrong", update(1, "医保卡丢了怎么看病"), 401},
		{"secret prefix", "POST", testSecret[:5], update(1, "医保卡丢了怎么看病"), 401},
		{"secret longer", "POST", testSecret + "x", update(1, "医保卡丢了怎么看病"), 401},
		{"no secret", "POST", "", update(1, "医保卡丢了怎么看病"), 401},
		{"GET", "GET", testSecret, "", 405},
		// Acknowledged (and logged), or Telegram would redeliver them forever.
		{"malformed JSON", "POST", testSecret, `{"update_id":`, 200},
		{"oversized", "POST", testSecret, `{"update_id":1,"message":{"text":"` + strings.Repeat("a", 2<<20) + `"}}`, 200},
	} {
		if got := post(tc.method, tc.secret, tc.body); got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.status)
		}
	}
	if n := len(fake.callsOf("sendMessage", false)); n != 0 {
		t.Fatalf("rejected requests sent %d messages", n)
	}
	if !strings.Contains(h.logs.String(), "bad secret token") {
		t.Errorf("refusals must be logged:\n%s", h.logs.String())
	}
	bottest.NoSecrets(t, h.logs.String(), testSecret)
	// The right secret: answered once, even when Telegram delivers twice.
	for range 2 {
		if got := post("POST", testSecret, update(2, "医保卡丢了怎么看病")); got != 200 {
			t.Errorf("status %d", got)
		}
	}
	if got := fake.callsOf("sendMessage", false); len(got) != 1 || got[0].Params.Get("chat_id") != "11001" {
		t.Errorf("sent: %s", fake.summary())
	}
	if n := len(fake.callsOf("getUpdates", false)); n != 0 {
		t.Errorf("webhook mode polled %d times", n)
	}
}

func TestWebhookGeneratedSecret(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{cfg: func(c *Config) { c.WebhookURL = "https://bot.example.com/telegram" }})
	secret := fake.waitOK(t, "setWebhook", 1, waitFor)[0].Params.Get("secret_token")
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{32,256}$`).MatchString(secret) {
		t.Fatalf("generated secret %q", secret)
	}
	u := textUpdate(11002, 11002, "/help")
	u["update_id"] = 1
	body, _ := json.Marshal(u)
	req := httptest.NewRequest("POST", "/telegram", strings.NewReader(string(body)))
	req.Header.Set(secretHeader, secret)
	w := httptest.NewRecorder()
	h.tg.ServeHTTP(w, req)
	if w.Code != 200 || len(fake.callsOf("sendMessage", true)) != 1 {
		t.Errorf("status %d, %s", w.Code, fake.summary())
	}
}

func TestWebhookRefused(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	fake.fail("setWebhook", fakeBotFault{Code: 500, Desc: "Internal Server Error"},
		fakeBotFault{Code: 400, Desc: "Bad Request: bad webhook: Failed to resolve host"})
	h := startBot(t, fake, nil, harnessOpts{noRun: true, cfg: func(c *Config) { c.WebhookURL = "https://nowhere.invalid/telegram" }})
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	err := h.tg.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "Failed to resolve host") {
		t.Errorf("Run = %v", err)
	}
	if n := len(fake.callsOf("setWebhook", false)); n != 2 {
		t.Errorf("%d setWebhook calls, want a retry after the 500 then a stop", n)
	}
}

func TestWebhookOffInPollingMode(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{noRun: true})
	w := httptest.NewRecorder()
	h.tg.ServeHTTP(w, httptest.NewRequest("POST", "/telegram", strings.NewReader("{}")))
	if w.Code != 404 {
		t.Errorf("status %d", w.Code)
	}
}

func TestConstructorErrors(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	eng := bottest.NewAsker(t)
	st := bottest.NewState()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"wrong token", Config{Token: "999:wrong-token-value", APIEndpoint: fake.URL()}, "Unauthorized"},
		{"unreachable", Config{Token: testToken, APIEndpoint: closed.URL}, "connect"},
		{"bad endpoint", Config{Token: testToken, APIEndpoint: "ftp://x"}, "not an http(s) base URL"},
		{"empty token", Config{Token: " ", APIEndpoint: fake.URL()}, "empty token"},
		{"malformed token", Config{Token: "12 3:a b%zz", APIEndpoint: fake.URL()}, "malformed token"},
		{"bad webhook URL", Config{Token: testToken, APIEndpoint: fake.URL(), WebhookURL: "bot.example.com"}, "webhook URL"},
		{"bad secret", Config{Token: testToken, APIEndpoint: fake.URL(), WebhookURL: "https://a.example/t", WebhookSecret: "has space"}, "webhook secret"},
	} {
		tg, err := New(context.Background(), tc.cfg, eng, st, nil)
		if err == nil || tg != nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		bottest.NoSecrets(t, err.Error(), strings.TrimSpace(tc.cfg.Token), "wrong-token-value", "AAtest-SECRET")
	}
}

func TestPollBackoffAndRecovery(t *testing.T) {
	fake := newFakeBotAPI(t, testToken)
	fake.fail("getUpdates",
		fakeBotFault{Code: 500, Desc: "Internal Server Error"},
		fakeBotFault{Status: 502, Body: "<html>Bad Gateway</html>"},
		fakeBotFault{Code: 409, Desc: "Conflict: terminated by other getUpdates request"},
		fakeBotFault{Code: 429, Desc: "Too Many Requests"},
		fakeBotFault{Code: 500, Desc: "Internal Server Error"},
		fakeBotFault{Code: 500, Desc: "Internal Server Error"},
	)
	h := startBot(t, fake, nil, harnessOpts{}) // backoff 20ms doubling to 200ms
	h.ask(t, 12001, "医保卡丢了怎么看病")
	polls := fake.callsOf("getUpdates", false)
	if len(polls) < 7 {
		t.Fatalf("%d polls", len(polls))
	}
	want := []time.Duration{20, 40, 80, 160, 200, 200} // ms, capped
	for i, w := range want {
		gap := polls[i+1].At.Sub(polls[i].At)
		if gap < w*time.Millisecond*9/10 || gap > w*time.Millisecond*3+time.Second {
			t.Errorf("gap after failure %d: %v, want about %dms", i+1, gap, w)
		}
	}
	if !polls[6].OK {
		t.Errorf("did not recover")
	}
}

func TestShutdownIsPrompt(t *testing.T) {
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{noRun: true, cfg: func(c *Config) { c.PollTimeout = 50 * time.Second }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.tg.Run(ctx) }()
	// Wait until a long poll is in flight.
	for deadline := time.Now().Add(waitFor); len(fake.callsOf("getUpdates", false)) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no getUpdates")
		}
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("Run returned %v after cancel", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestShutdownMidUpdateIsRetriedAfterRestart(t *testing.T) {
	fake := newFakeBotAPI(t, testToken)
	st := bottest.NewState()
	h := startBot(t, fake, st, harnessOpts{noRun: true})
	h.tg.drain = 50 * time.Millisecond
	// Telegram holds the reply back for a minute: shutdown comes first.
	fake.fail("sendMessage", fakeBotFault{Code: 429, Desc: "Too Many Requests: retry after 60", RetryAfter: 60})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.tg.Run(ctx) }()
	id := fake.push(textUpdate(13001, 13001, "医保卡丢了怎么看病"))
	for deadline := time.Now().Add(waitFor); len(fake.callsOf("sendMessage", false)) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no sendMessage")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not stop within the drain time")
	}
	if off, _ := st.Offset(offsetKey); off > int64(id) {
		t.Fatalf("offset %d saved past the unanswered update %d", off, id)
	}
	// The next run answers it: not skipped.
	startBot(t, fake, st, harnessOpts{})
	got := fake.waitOK(t, "sendMessage", 1, waitFor)
	if got[0].Params.Get("chat_id") != "13001" {
		t.Errorf("sent %v", got[0].Params)
	}
}
