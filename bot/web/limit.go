package web

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a per-client token bucket: PerMinute requests a minute on
// average, up to Burst at once. A negative PerMinute turns the limit off.
type Limit struct {
	PerMinute float64
	Burst     int
}

// Default limits on the untrusted (unsigned) requests of one client, and
// how many clients are tracked at once.
var (
	DefaultAskLimit      = Limit{PerMinute: 30, Burst: 10}
	DefaultFeedbackLimit = Limit{PerMinute: 20, Burst: 5}
)

const defaultMaxClients = 10000

// Metrics counts requests refused by a limit; *bot.Metrics satisfies it.
type Metrics interface {
	RateLimited(channel, kind string)
}

type noMetrics struct{}

func (noMetrics) RateLimited(string, string) {}

func (l Limit) withDefault(def Limit) Limit {
	if l.PerMinute == 0 {
		l.PerMinute = def.PerMinute
	}
	if l.Burst <= 0 {
		l.Burst = def.Burst
	}
	return l
}

func (l Limit) off() bool { return l.PerMinute < 0 }

// refill is how long an emptied bucket takes to fill again: a client idle
// that long is indistinguishable from a new one.
func (l Limit) refill() time.Duration {
	if l.off() || l.PerMinute == 0 {
		return 0
	}
	return time.Duration(float64(l.Burst) / l.PerMinute * float64(time.Minute))
}

func (l Limit) limiter() *rate.Limiter {
	return rate.NewLimiter(rate.Limit(l.PerMinute/60), l.Burst)
}

// ParseTrustedProxies parses FAQBOT_TRUSTED_PROXIES (and
// FAQBOT_RELAY_OPEN_FROM): comma-separated IP addresses and CIDR prefixes
// ("10.0.0.0/8, 127.0.0.1, ::1").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q: not an IP address or CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// throttle holds the per-client limiters of untrusted requests.
type throttle struct {
	ask, feedback Limit
	max           int
	metrics       Metrics

	mu      sync.Mutex
	clients map[netip.Prefix]*client
}

// client is one client's buckets.
type client struct {
	ask, feedback *rate.Limiter
	last          time.Time
}

func newThrottle(cfg Config) *throttle {
	return &throttle{ask: cfg.AskLimit, feedback: cfg.FeedbackLimit,
		max: cfg.MaxClients, metrics: cfg.Metrics, clients: map[netip.Prefix]*client{}}
}

// allow takes one token of kind ("ask" or "feedback") from the client's
// bucket; when there is none it returns how long until there is, and counts
// the refusal under channel.
func (t *throttle) allow(key netip.Prefix, channel, kind string, now time.Time) (bool, time.Duration) {
	lim := t.ask
	if kind == "feedback" {
		lim = t.feedback
	}
	if lim.off() {
		return true, 0
	}
	t.mu.Lock()
	c := t.clients[key]
	if c == nil {
		t.makeRoom(now)
		c = &client{ask: t.ask.limiter(), feedback: t.feedback.limiter()}
		t.clients[key] = c
	}
	c.last = now
	l := c.ask
	if kind == "feedback" {
		l = c.feedback
	}
	res := l.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay > 0 {
		res.CancelAt(now) // a refused request costs nothing
	}
	t.mu.Unlock()
	if delay == 0 {
		return true, 0
	}
	t.metrics.RateLimited(channel, kind)
	return false, delay
}

// makeRoom keeps the map under its bound: when full, clients idle long
// enough for their buckets to be full again are dropped (losing nothing);
// if that is not enough, arbitrary clients down to 7/8 of the bound (they
// start again with a full bucket). Called with t.mu held.
func (t *throttle) makeRoom(now time.Time) {
	if len(t.clients) < t.max {
		return
	}
	idle := max(t.ask.refill(), t.feedback.refill())
	for k, c := range t.clients {
		if now.Sub(c.last) >= idle {
			delete(t.clients, k)
		}
	}
	for k := range t.clients {
		if len(t.clients) < t.max*7/8 {
			break
		}
		delete(t.clients, k)
	}
}

// clientAddr is the address a request is throttled by: the TCP peer, or,
// when the peer is a trusted proxy, the first address in X-Forwarded-For
// (from the right) that is not a trusted proxy, else X-Real-IP. Headers from
// anyone else are ignored: a client could write anything there.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := remoteAddr(r.RemoteAddr)
	if !peer.IsValid() || !isTrusted(peer, trusted) {
		return peer
	}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(strings.Join(xff, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a := parseHop(hops[i])
			if !a.IsValid() {
				return peer // a malformed hop: trust nothing to its left
			}
			if !isTrusted(a, trusted) {
				return a
			}
			peer = a
		}
		return peer
	}
	if a := parseHop(r.Header.Get("X-Real-IP")); a.IsValid() {
		return a
	}
	return peer
}

func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, _ := netip.ParseAddr(s)
	return a.Unmap()
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port or in brackets.
func parseHop(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	return remoteAddr(s)
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientKey groups addresses into clients: an IPv4 address, or an IPv6
// /64 (one subscriber's network; a host can pick any address in it). The
// rate limits, the namespacing of unsigned user ids and serve's
// per-client connection budget all key on it.
func ClientKey(a netip.Addr) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	bits := 64
	if a.Is4() {
		bits = 32
	}
	p, _ := a.Prefix(bits)
	return p
}

// retryAfter is the Retry-After value for a wait: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
