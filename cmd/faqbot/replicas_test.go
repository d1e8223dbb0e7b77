package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"faqbot/bot/bottest"
	"faqbot/kb/state/postgres/pgtest"
)

// Secrets the replicas share, as a Kubernetes Secret would give them.
const (
	replicaAdminToken = "replica-admin-token"
	replicaWeChat     = "replica-wechat-token"
	replicaTGToken    = "123456789:replica-test-token_abcdefghijklmnopqrstu"
	replicaTGSecret   = "replica-webhook-secret"
)

// replica is one `faqbot serve` on a loopback port.
type replica struct {
	name string
	base string
	logs *bottest.LogBuffer
	stop func() // graceful shutdown; also done when the test ends
}

// startReplica starts newServer with its own data directory and the shared
// state at stateURL, with WeChat, Telegram (webhook mode, Bot API at tgAPI)
// and the admin routes on, and stops it when the test ends.
func startReplica(t *testing.T, name, stateURL, tgAPI string) *replica {
	t.Helper()
	return startServer(t, name, func(cfg *config) {
		cfg.State = stateURL
		cfg.AdminToken = replicaAdminToken
		cfg.WeChat.Token = replicaWeChat
		cfg.Telegram.Token = replicaTGToken
		cfg.Telegram.APIEndpoint = tgAPI
		cfg.Telegram.WebhookURL = "https://bot.example.org/telegram"
		cfg.Telegram.WebhookSecret = replicaTGSecret
	})
}

// startServer starts newServer on a loopback port with its own data
// directory, the unsigned relay opened to loopback (FAQBOT_RELAY_OPEN_FROM,
// as a relay on a private network runs it: not throttled, user ids as
// given) and what set configures, and stops it when the test ends.
func startServer(t testing.TB, name string, set func(*config)) *replica {
	t.Helper()
	cfg := defaultConfig()
	cfg.Data = t.TempDir()
	cfg.Web.Secret = ""
	cfg.Web.OpenFrom = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	set(cfg)
	r := &replica{name: name, logs: &bottest.LogBuffer{}}
	level := slog.LevelInfo
	if cfg.LogLevel == "warn" {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := newServer(ctx, cfg, log, stdio{strings.NewReader(""), io.Discard, io.Discard})
	if err != nil {
		cancel()
		t.Fatalf("%s: %v", name, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { err := srv.serve(ctx, ln); srv.close(); done <- err }() // closed (data directory released) when stop returns
	r.base = "http://" + ln.Addr().String()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s: serve returned %v", name, err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("%s did not stop within 20 s", name)
			}
		})
	}
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, r.logs.String())
		}
	})
	return r
}

// do sends a request and returns the status and body.
func (r *replica) do(t *testing.T, method, path, ctype, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, r.name, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

var wechatNonce atomic.Int64

// wechat pushes a plain-mode text message as WeChat does (signed with the
// token, the current timestamp and a fresh nonce) and returns the reply's
// text ("" for "success").
func (r *replica) wechat(t *testing.T, openid, text string, msgID int) string {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := strconv.FormatInt(1_000_000+wechatNonce.Add(1), 10)
	parts := []string{replicaWeChat, ts, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	q := url.Values{"signature": {hex.EncodeToString(sum[:])}, "timestamp": {ts}, "nonce": {nonce}}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[gh_replicas]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%s</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>",
		openid, ts, text, msgID)
	code, out := r.do(t, http.MethodPost, "/wechat?"+q.Encode(), "text/xml", body)
	if code != 200 {
		t.Fatalf("WeChat push to %s: HTTP %d %s", r.name, code, out)
	}
	if out == "success" {
		return ""
	}
	var reply struct {
		ToUserName string
		Content    string
	}
	if err := xml.Unmarshal([]byte(out), &reply); err != nil || reply.ToUserName != openid {
		t.Fatalf("WeChat reply from %s: %v\n%s", r.name, err, out)
	}
	return reply.Content
}

// telegram posts one webhook update as Telegram does.
func (r *replica) telegram(t *testing.T, update string) {
	t.Helper()
	code, out := r.do(t, http.MethodPost, "/telegram", "application/json", update, "X-Telegram-Bot-Api-Secret-Token", replicaTGSecret)
	if code != 200 {
		t.Fatalf("Telegram webhook on %s: HTTP %d %s", r.name, code, out)
	}
}

// report is GET /admin/stats on this replica.
func (r *replica) report(t *testing.T) (questions int, articles map[string]int) {
	t.Helper()
	code, out := r.do(t, http.MethodGet, "/admin/stats?since=1d", "", "", "Authorization", "Bearer "+replicaAdminToken)
	if code != 200 {
		t.Fatalf("GET /admin/stats on %s: HTTP %d %s", r.name, code, out)
	}
	var rep struct {
		Questions   int
		TopArticles []struct {
			ID    string
			Count int
		} `json:"top_articles"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("/admin/stats on %s: %v\n%s", r.name, err, out)
	}
	articles = map[string]int{}
	for _, a := range rep.TopArticles {
		articles[a.ID] = a.Count
	}
	return rep.Questions, articles
}

// settledQuestions waits until every replica's report shows the same number
// of questions for a while (query-log entries are written in batches every
// 50 ms) and returns it.
func settledQuestions(t *testing.T, rs ...*replica) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last, stable := -1, 0
	for {
		n, _ := rs[0].report(t)
		same := n == last
		for _, r := range rs[1:] {
			if m, _ := r.report(t); m != n {
				same = false
			}
		}
		if same {
			stable++
		} else {
			stable = 0
		}
		if stable >= 3 {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("reports do not settle: %d questions last seen", n)
		}
		last = n
		time.Sleep(100 * time.Millisecond)
	}
}

// fakeTelegram is the Bot API as far as faqbot serve uses it in webhook
// mode: getMe, setWebhook, sendMessage (counted per chat).
type fakeTelegram struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent map[string]int // chat id -> sendMessage calls
	msg  int
}

func newFakeTelegram(t *testing.T) *fakeTelegram {
	f := &fakeTelegram{sent: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		if !strings.HasPrefix(r.URL.Path, "/bot"+replicaTGToken+"/") {
			http.Error(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		r.ParseForm()
		var result string
		switch method {
		case "getMe":
			result = `{"id":7000002,"is_bot":true,"first_name":"FAQ","username":"faqbot_replicas_bot"}`
		case "sendMessage":
			f.mu.Lock()
			f.sent[r.PostForm.Get("chat_id")]++
			f.msg++
			id := f.msg
			f.mu.Unlock()
			result = fmt.Sprintf(`{"message_id":%d,"date":%d,"chat":{"id":%s,"type":"private"},"text":"ok"}`,
				id, time.Now().Unix(), r.PostForm.Get("chat_id"))
		default: // setWebhook, deleteWebhook, answerCallbackQuery, ...
			result = "true"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"result":%s}`, result)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTelegram) sentTo(chat int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent[strconv.Itoa(chat)]
}

// tgUpdate is a private-chat text message update.
func tgUpdate(updateID, chat int, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"},`+
		`"from":{"id":%d,"is_bot":false,"first_name":"T","language_code":"zh"},"text":%q}}`,
		updateID, updateID, time.Now().Unix(), chat, chat, text)
}

// hasHan reports whether s contains Chinese characters.
func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestReplicasSharePostgres is issue 15's bar, end to end over loopback
// HTTP: two replicas (two servers, each with its own data directory and
// index) on one throwaway PostgreSQL.
func TestReplicasSharePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and two replicas: skipped with -short")
	}
	pg, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip("PostgreSQL binaries (initdb, postgres) not found, so the two-replica test cannot start a database: apt-get install postgresql")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	tg := newFakeTelegram(t)
	r1 := startReplica(t, "replica 1", pg.URL("postgres"), tg.srv.URL)
	r2 := startReplica(t, "replica 2", pg.URL("postgres"), tg.srv.URL)
	const question = "医保卡丢了怎么办"

	t.Run("language kept across replicas", func(t *testing.T) {
		if got := r1.wechat(t, "o-english", "English", 101); !strings.Contains(got, "English") {
			t.Fatalf(`"English" on replica 1: %q`, got)
		}
		got := r2.wechat(t, "o-english", question, 102)
		title, _, _ := strings.Cut(got, "\n")
		if got == "" || hasHan(title) {
			t.Errorf("next question on replica 2 not answered in English:\n%s", got)
		}
		t.Logf("%s on replica 2 after \"English\" on replica 1: %q", question, title)
		// Someone who chose nothing gets Chinese for the same question.
		if other := r2.wechat(t, "o-default", question, 103); !hasHan(other) {
			t.Errorf("control user answered in %q", other)
		}
	})

	t.Run("WeChat retry answered once", func(t *testing.T) {
		before := settledQuestions(t, r1, r2)
		// Each message is posted to both replicas at the same instant (a
		// retry racing the first delivery), so their answers overlap.
		questions := []string{"异地就医怎么备案", "家庭共济怎么绑定", "医保卡丢了怎么办", "生孩子医保能报销多少", "门诊费用能报销吗"}
		replies := make([][2]string, len(questions))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, q := range questions {
			for j, r := range []*replica{r1, r2} {
				wg.Go(func() { <-start; replies[i][j] = r.wechat(t, "o-retry", q, 201+i) })
			}
		}
		close(start)
		wg.Wait()
		for i, rep := range replies {
			if rep[0] == "" || rep[0] != rep[1] {
				t.Errorf("replies to one message (%s) differ:\nreplica 1: %q\nreplica 2: %q", questions[i], rep[0], rep[1])
			}
		}
		// And a late retry after both answered.
		if c := r2.wechat(t, "o-retry", questions[0], 201); c != replies[0][0] {
			t.Errorf("late retry on replica 2: %q", c)
		}
		if after := settledQuestions(t, r1, r2); after != before+len(questions) {
			t.Errorf("report: %d questions before, %d after %d messages each sent to both replicas, want +%d", before, after, len(questions), len(questions))
		}
	})

	t.Run("Telegram redelivery answered once", func(t *testing.T) {
		const chatOnce, chatTwice = 900001, 900002
		r1.telegram(t, tgUpdate(5001, chatOnce, question))
		once := tg.sentTo(chatOnce)
		if once == 0 {
			t.Fatal("an update on one replica sent nothing")
		}
		u := tgUpdate(5002, chatTwice, question)
		var wg sync.WaitGroup
		wg.Go(func() { r1.telegram(t, u) })
		wg.Go(func() { r2.telegram(t, u) })
		wg.Wait()
		r2.telegram(t, u) // a late redelivery
		if twice := tg.sentTo(chatTwice); twice != once {
			t.Errorf("one update posted to both webhooks sent %d messages, one delivery sends %d", twice, once)
		}
		t.Logf("sendMessage calls: %d for an update posted to one replica, %d for one posted to both and again", once, tg.sentTo(chatTwice))
	})

	t.Run("database outage", func(t *testing.T) {
		before := settledQuestions(t, r1, r2)
		if err := pg.Stop(); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*replica{r1, r2} {
			code, out := r.do(t, http.MethodPost, "/api/ask", "application/json", `{"question":"家庭共济怎么绑定"}`)
			if code != 200 || !strings.Contains(out, `"answered":true`) {
				t.Errorf("ask on %s with PostgreSQL stopped: HTTP %d %s", r.name, code, out)
			}
			if code, out := r.do(t, http.MethodGet, "/readyz", "", ""); code != 200 {
				t.Errorf("/readyz on %s with PostgreSQL stopped: HTTP %d %s", r.name, code, out)
			}
		}
		if got := r1.wechat(t, "o-outage", question, 301); !hasHan(got) {
			t.Errorf("WeChat during the outage: %q", got)
		}
		_, metrics := r1.do(t, http.MethodGet, "/metrics", "", "")
		if !strings.Contains(metrics, "faqbot_state_errors_total") {
			t.Error("/metrics does not count the state store's failures")
		}

		if err := pg.Restart(); err != nil {
			t.Fatal(err)
		}
		code, out := r2.do(t, http.MethodPost, "/api/ask", "application/json", `{"question":"生孩子医保能报销多少"}`)
		if code != 200 {
			t.Fatalf("ask after the restart: HTTP %d %s", code, out)
		}
		// The question asked after the restart, and the three queued during
		// the outage, reach the report seen by both replicas.
		deadline := time.Now().Add(30 * time.Second)
		for {
			n1, _ := r1.report(t)
			n2, _ := r2.report(t)
			if n1 == before+4 && n2 == before+4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("report after PostgreSQL came back: %d and %d questions, want %d", n1, n2, before+4)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}
