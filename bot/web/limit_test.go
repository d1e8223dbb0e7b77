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
	// A relay opened to a private network (FAQBOT_RELAY_OPEN_FROM) is not
	// throttled, with or without a secret.
	for _, secret := range []string{"", "s3cret"} {
		open, _, _ := newLimitEnv(t, Config{Secret: secret, OpenFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
		for i := range 100 {
			if code, _ := open.post("/api/ask", ask, sameOrigin); code != 200 {
				t.Fatalf("open relay (secret %q), request %d: %d", secret, i, code)
			}
			if code, _ := open.post("/api/ask", ask, nil); code != 200 {
				t.Fatalf("open relay (secret %q), unsigned request %d: %d", secret, i, code)
			}
		}
	}
}

// TestDefaultConfigLimited is the bar for a fresh deployment (no
// FAQBOT_RELAY_SECRET, nothing opened): 40 unsigned asks and 40 unsigned
// votes from one address in a burst get some 429s, counted as channel
// "api"; and a "user" of one address reaches nothing of the same "user"
// from another address (its context, its votes).
func TestDefaultConfigLimited(t *testing.T) {
	t.Parallel()
	env, _, m := newLimitEnv(t, Config{})
	ok, limited := map[string]int{}, map[string]int{}
	for i := range 40 {
		for path, body := range map[string]string{
			"/api/ask":      fmt.Sprintf(`{"question":"医保卡丢了怎么办 %d","user":"u%d"}`, i, i),
			"/api/feedback": fmt.Sprintf(`{"id":"lost-card","lang":"zh","up":true,"user":"u%d"}`, i),
		} {
			switch code, reply := env.post(path, body, nil); code {
			case 200:
				ok[path]++
			case 429:
				limited[path]++
			default:
				t.Fatalf("%s %d: %d %s", path, i, code, reply)
			}
		}
	}
	for _, path := range []string{"/api/ask", "/api/feedback"} {
		if limited[path] == 0 || ok[path] == 0 {
			t.Errorf("%s: %d of 40 answered, %d refused with 429; want some of each", path, ok[path], limited[path])
		}
	}
	if m.get("api/ask") != limited["/api/ask"] || m.get("api/feedback") != limited["/api/feedback"] {
		t.Errorf("metrics %v, refused %v", m.n, limited)
	}
}

// TestUnsignedUserNamespaced: without a signature, "alice" from address A
// and "alice" from address B are two users (so B gets none of A's
// conversation context), and neither is the "alice" a signed relay speaks
// for. Behind a trusted proxy the forwarded client is the address.
func TestUnsignedUserNamespaced(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	for _, tc := range []struct {
		name string
		cfg  Config
		hdr  func(client string) map[string]string
		a, b string
	}{
		{"no secret, direct", Config{}, func(string) map[string]string { return nil }, "", ""},
		{"secret, page, behind a proxy", Config{Secret: secret, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
			func(c string) map[string]string {
				return map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": c}
			}, "203.0.113.1", "198.51.100.2"},
		{"no secret, behind a proxy", Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
			func(c string) map[string]string { return map[string]string{"X-Forwarded-For": c} }, "203.0.113.1", "198.51.100.2"},
	} {
		env, _, _ := newLimitEnv(t, tc.cfg)
		ask := `{"question":"医保卡丢了怎么办","user":"alice"}`
		if code, reply := env.post("/api/ask", ask, tc.hdr(tc.a)); code != 200 {
			t.Fatalf("%s: %d %s", tc.name, code, reply)
		}
		userA := env.last().User
		if tc.a == "" {
			// The test server has one address; compare with what the
			// relay would make of another client.
			if userA == "alice" || userA == "web:alice" || !strings.HasSuffix(userA, ":alice") || !strings.Contains(userA, "127.0.0.1") {
				t.Errorf("%s: unsigned user %q, want alice namespaced by 127.0.0.1", tc.name, userA)
			}
			continue
		}
		if code, reply := env.post("/api/ask", ask, tc.hdr(tc.b)); code != 200 {
			t.Fatalf("%s: %d %s", tc.name, code, reply)
		}
		userB := env.last().User
		if userA == userB || userA == "alice" || userB == "alice" || userA == "web:alice" {
			t.Errorf("%s: alice from %s is %q, from %s %q: want two namespaced users", tc.name, tc.a, userA, tc.b, userB)
		}
		if !strings.Contains(userA, tc.a) || !strings.Contains(userB, tc.b) {
			t.Errorf("%s: users %q, %q not keyed by their clients", tc.name, userA, userB)
		}
	}
	// A signed relay speaks for "alice" herself.
	env, _, _ := newLimitEnv(t, Config{Secret: secret})
	body := `{"question":"医保卡丢了怎么办","user":"alice"}`
	if code, reply := env.post("/api/ask", body, signed(secret, body, time.Now())); code != 200 {
		t.Fatal(code, reply)
	}
	if u := env.last().User; u != "alice" {
		t.Errorf("signed user %q, want alice", u)
	}
	// So does an unsigned request from FAQBOT_RELAY_OPEN_FROM.
	open, _, _ := newLimitEnv(t, Config{OpenFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if code, reply := open.post("/api/ask", body, nil); code != 200 {
		t.Fatal(code, reply)
	}
	if u := open.last().User; u != "alice" {
		t.Errorf("open-relay user %q, want alice", u)
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
	if ClientKey(a) != ClientKey(b) || ClientKey(a) == ClientKey(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("IPv6 clients are not keyed by /64")
	}
}

// TestLimiterMapBounded: many clients never grow the limiter map past
// MaxClients.
func TestLimiterMapBounded(t *testing.T) {
	t.Parallel()
	th := newThrottle(Config{MaxClients: 64}.withDefaults())
	now := time.Now()
	for i := range 1000 {
		key := ClientKey(netip.AddrFrom4([4]byte{10, byte(i / 256), byte(i % 256), 1}))
		if ok, _ := th.allow(key, "web", "feedback", now); !ok {
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
