package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"faqbot/bot/bottest"
)

var sameOrigin = map[string]string{"Sec-Fetch-Site": "same-origin"}

// countMetrics counts RateLimited calls by channel/kind.
type countMetrics struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *countMetrics) RateLimited(channel, kind string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int{}
	}
	m.n[channel+"/"+kind]++
}

func (m *countMetrics) get(k string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[k]
}

// fakeClock is a settable clock for the limiters.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newLimitEnv is a relay with cfg, a fake clock and counted metrics.
func newLimitEnv(t *testing.T, cfg Config) (*relayEnv, *fakeClock, *countMetrics) {
	t.Helper()
	st := bottest.NewState()
	eng := newAsker(t)
	log := &bottest.LogBuffer{}
	m := &countMetrics{}
	cfg.Log, cfg.Metrics = slog.New(slog.NewTextHandler(log, nil)), m
	rl := NewRelay(eng, st, cfg)
	clock := &fakeClock{t: time.Now()}
	rl.now = clock.now
	mux := http.NewServeMux()
	mux.Handle("/api/", rl)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &relayEnv{t: t, rl: rl, srv: srv, st: st, eng: eng, log: log}, clock, m
}

// postResp is post returning the response headers too.
func (e *relayEnv) postResp(path, body string, hdr map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

// TestUnsignedVotesLimited: with a relay secret set, "Sec-Fetch-Site:
// same-origin" is something any script can send. 200 unsigned votes from
// one client (each with a new user id, as a script would) store at most 60,
// and those beyond the limit get 429 with Retry-After, counted in the
// metrics.
func TestUnsignedVotesLimited(t *testing.T) {
	t.Parallel()
	env, _, m := newLimitEnv(t, Config{Secret: "s3cret"})
	arts := []string{"lost-card", "remote-filing", "family-bind"}
	limited := 0
	for i := range 200 {
		body := fmt.Sprintf(`{"id":%q,"lang":"zh","up":false,"user":"script-%d"}`, arts[i%len(arts)], i)
		resp, reply := env.postResp("/api/feedback", body, sameOrigin)
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			limited++
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
			if !strings.Contains(reply, `"error"`) {
				t.Fatalf("429 body %q", reply)
			}
		default:
			t.Fatalf("vote %d: %d %s", i, resp.StatusCode, reply)
		}
	}
	stored := len(env.st.Votes())
	if stored > 60 || stored != DefaultFeedbackLimit.Burst {
		t.Errorf("%d of 200 unsigned votes stored, want the burst (%d), at most 60", stored, DefaultFeedbackLimit.Burst)
	}
	if limited != 200-stored || m.get("web/feedback") != limited {
		t.Errorf("%d refused, %d counted in metrics, want %d", limited, m.get("web/feedback"), 200-stored)
	}
	// A flood does not flood the log.
	if n := strings.Count(env.log.String(), "level=INFO"); n != 0 {
		t.Errorf("%d Info lines for refused votes", n)
	}
}

// TestUnsignedAskLimited: the page keeps working within its limit (burst
// 10, then one every 2 s); the relay's signed requests from the same
// address, and every request when no secret is set, are never throttled.
func TestUnsignedAskLimited(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	env, clock, m := newLimitEnv(t, Config{Secret: secret})
	ask := `{"question":"医保卡丢了怎么办","user":"page-session-1"}`
	for i := range DefaultAskLimit.Burst {
		if code, body := env.post("/api/ask", ask, sameOrigin); code != 200 {
			t.Fatalf("page question %d: %d %s", i, code, body)
		}
	}
	resp, _ := env.postResp("/api/ask", ask, sameOrigin)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("question over the burst: %d Retry-After %q, want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clock.add(2 * time.Second)
	if code, _ := env.post("/api/ask", ask, sameOrigin); code != 200 {
		t.Errorf("after Retry-After: %d", code)
	}
	if code, _ := env.post("/api/ask", ask, sameOrigin); code != 429 {
		t.Errorf("right after: %d, want 429", code)
	}
	// Votes have their own bucket.
	if code, _ := env.post("/api/feedback", `{"id":"lost-card","lang":"zh","up":true,"user":"page-session-1"}`, sameOrigin); code != 200 {
		t.Errorf("vote while questions are limited: %d", code)
	}
	if m.get("web/ask") != 2 {
		t.Errorf("metrics counted %d limited questions, want 2", m.get("web/ask"))
	}
	// Signed relay requests from the same address: never throttled.
	for i := range 50 {
		body := fmt.Sprintf(`{"question":"医保卡丢了怎么办","user":"relay-%d"}`, i)
		ts := strconv.FormatInt(clock.now().Unix(), 10)
		hdr := map[string]string{TimestampHeader: ts, SignatureHeader: Sign([]byte(secret), ts, []byte(body))}
		if code, reply := env.post("/api/ask", body, hdr); code != 200 {
			t.Fatalf("signed request %d: %d %s", i, code, reply)
		}
	}
	// No secret: an open relay on a private network is not throttled.
	open, _, _ := newLimitEnv(t, Config{})
	for i := range 100 {
		if code, _ := open.post("/api/ask", ask, sameOrigin); code != 200 {
			t.Fatalf("no secret, request %d: %d", i, code)
		}
		if code, _ := open.post("/api/ask", ask, nil); code != 200 {
			t.Fatalf("no secret, unsigned request %d: %d", i, code)
		}
	}
}

// TestTrustedProxies: behind a configured proxy each forwarded client has
// its own bucket; without one, X-Forwarded-For is the client's own
// say-so and ignored.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	vote := `{"id":"lost-card","lang":"zh","up":true,"user":"u"}`
	from := func(addr string) map[string]string {
		return map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": addr}
	}
	burst := DefaultFeedbackLimit.Burst
	proxied, _, _ := newLimitEnv(t, Config{Secret: "s", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	for _, client := range []string{"203.0.113.1", "203.0.113.2", "198.51.100.7, 127.0.0.1"} {
		for i := range burst {
			if code, _ := proxied.post("/api/feedback", vote, from(client)); code != 200 {
				t.Fatalf("client %s, vote %d: %d", client, i, code)
			}
		}
		if code, _ := proxied.post("/api/feedback", vote, from(client)); code != 429 {
			t.Errorf("client %s over its burst: %d", client, code)
		}
	}
	direct, _, _ := newLimitEnv(t, Config{Secret: "s"})
	ok := 0
	for i := range 3 * burst {
		if code, _ := direct.post("/api/feedback", vote, from(fmt.Sprintf("203.0.113.%d", i))); code == 200 {
			ok++
		}
	}
	if ok != burst {
		t.Errorf("spoofed X-Forwarded-For from an untrusted peer: %d accepted, want %d", ok, burst)
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	trusted, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		remote, xff, realIP string
		trusted             []netip.Prefix
		want                string
	}{
		{"192.0.2.1:5000", "", "", nil, "192.0.2.1"},
		{"192.0.2.1:5000", "203.0.113.9", "", nil, "192.0.2.1"},                 // untrusted peer
		{"127.0.0.1:5000", "203.0.113.9", "", trusted, "203.0.113.9"},           // nginx
		{"127.0.0.1:5000", "1.1.1.1, 203.0.113.9", "", trusted, "203.0.113.9"},  // client-written left part ignored
		{"127.0.0.1:5000", "203.0.113.9, 10.1.2.3", "", trusted, "203.0.113.9"}, // two trusted hops
		{"127.0.0.1:5000", "10.0.0.1, 10.1.2.3", "", trusted, "10.0.0.1"},       // all trusted: the leftmost
		{"127.0.0.1:5000", "junk, 203.0.113.9", "", trusted, "203.0.113.9"},
		{"127.0.0.1:5000", "203.0.113.9, junk", "", trusted, "127.0.0.1"}, // malformed hop: stop
		{"127.0.0.1:5000", "", "203.0.113.5", trusted, "203.0.113.5"},
		{"192.0.2.1:5000", "", "203.0.113.5", trusted, "192.0.2.1"},
		{"[::1]:5000", "[2001:db8::1]:443", "", trusted, "2001:db8::1"},
		{"[::ffff:127.0.0.1]:5000", "203.0.113.9", "", trusted, "203.0.113.9"},
	} {
		r := httptest.NewRequest("POST", "/api/ask", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if tc.realIP != "" {
			r.Header.Set("X-Real-IP", tc.realIP)
		}
		if got := clientAddr(r, tc.trusted); got.String() != tc.want {
			t.Errorf("%s xff=%q real=%q: %s, want %s", tc.remote, tc.xff, tc.realIP, got, tc.want)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("bad CIDR accepted")
	}
	if _, err := ParseTrustedProxies("proxy.local"); err == nil {
		t.Error("host name accepted")
	}
	// One IPv6 subscriber (a /64) is one client.
	a, b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	if clientKey(a) != clientKey(b) || clientKey(a) == clientKey(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("IPv6 clients are not keyed by /64")
	}
}

// TestLimiterMapBounded: many clients never grow the limiter map past
// MaxClients.
func TestLimiterMapBounded(t *testing.T) {
	t.Parallel()
	th := newThrottle(Config{MaxClients: 64}.withDefaults())
	th.trusted = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	now := time.Now()
	for i := range 1000 {
		r := httptest.NewRequest("POST", "/api/feedback", nil)
		r.RemoteAddr = "127.0.0.1:1"
		r.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.1", i/256, i%256))
		if ok, _ := th.allow(r, "feedback", now); !ok {
			t.Fatalf("client %d refused on its first request", i)
		}
		if n := len(th.clients); n > 64 {
			t.Fatalf("%d clients tracked, want at most 64", n)
		}
	}
	// Idle clients go first: after their buckets refilled, a new client
	// replaces them all.
	th.makeRoom(now.Add(time.Hour))
	if n := len(th.clients); n != 0 {
		t.Errorf("%d idle clients kept", n)
	}
}

// TestRequestID: with X-Faqbot-Request-Id the id is signed (ts + "." + id
// + "." + body) and is what replay detection keys on, so a relay may send
// one body twice in a second under two ids; one id is accepted once. The
// old format without an id stays valid.
func TestRequestID(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	env := newRelayEnv(t, secret)
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	body := `{"question":"医保卡丢了怎么办","user":"relay-9"}`
	withID := func(id, signedID string) map[string]string {
		return map[string]string{TimestampHeader: ts, RequestIDHeader: id, SignatureHeader: SignRequest([]byte(secret), ts, signedID, []byte(body))}
	}
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		code int
	}{
		{"first id", withID("req-1", "req-1"), 200},
		{"same body, same second, second id", withID("req-2", "req-2"), 200},
		{"first id again", withID("req-1", "req-1"), 401},
		{"id not signed", withID("req-3", ""), 401},
		{"id swapped", withID("req-4", "req-5"), 401},
		{"id with a dot", withID("a.b", "a.b"), 401},
		{"empty id", withID("", ""), 401},
		{"old format", signed(secret, body, now), 200},
		{"old format replayed", signed(secret, body, now), 401},
	} {
		if code, reply := env.post("/api/ask", body, tc.hdr); code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, code, reply, tc.code)
		}
	}
	if n := len(env.eng.Asked()); n != 3 {
		t.Errorf("%d requests answered, want 3", n)
	}
	// The id changes the signature; without one it is the old one.
	if SignRequest([]byte(secret), ts, "", []byte(body)) != Sign([]byte(secret), ts, []byte(body)) ||
		SignRequest([]byte(secret), ts, "x", []byte(body)) == Sign([]byte(secret), ts, []byte(body)) {
		t.Error("SignRequest and Sign disagree")
	}
}
