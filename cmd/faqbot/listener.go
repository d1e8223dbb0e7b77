package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"faqbot/bot/web"
)

// defaultMaxConns caps the connections serve keeps open at once
// (FAQBOT_MAX_CONNS). An idle keep-alive connection costs some tens of kB;
// 1,024 of them stay far below a 256 MiB pod limit.
const defaultMaxConns = 1024

// defaultMaxConnsPerClient caps the connections one client keeps open at
// once (FAQBOT_MAX_CONNS_PER_CLIENT). A browser opens about 6 per host; 64
// leaves room for a few dozen people behind one NAT address.
const defaultMaxConnsPerClient = 64

// newHTTPServer is serve's http.Server: every phase of a request has a
// timeout, and an idle keep-alive connection is closed after 30 s, so idle
// clients cannot pile up connections.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// connBudget is what budgetListener enforces.
type connBudget struct {
	// Max caps the connections open at once (0: no cap). At the cap,
	// idle connections are closed to make room; when none is idle, Accept
	// waits for one to close and new clients wait in the kernel's queue.
	Max int
	// PerClient caps the connections one client keeps open (0: no cap);
	// the client is web.ClientKey of the TCP peer (an IPv4 address or an
	// IPv6 /64), as for the rate limits. A connection over it closes that
	// client's longest-idle connection, or, when none is idle, is answered
	// 429 and closed.
	PerClient int
	// Exempt are peers whose connections carry many clients (the trusted
	// proxies): no per-client cap for them.
	Exempt []netip.Prefix
}

// budgetListener keeps connections within a connBudget. Idle keep-alive
// connections are shed first: from 7/8 of Max on, each new connection
// closes one idle connection (of the client holding the most, longest idle
// first), and at Max every idle one may go before Accept waits. So one
// client can hold at most PerClient connections, and a crowd of idle ones
// never locks a new client out. Set the server's ConnState to track, which
// tells it which connections are idle.
type budgetListener struct {
	net.Listener
	b    connBudget
	high int // from here on, shed idle connections

	mu      sync.Mutex
	cond    *sync.Cond
	open    int
	perKey  map[netip.Prefix]int
	conns   map[*budgetConn]struct{}
	closed  bool
	refused atomic.Int64 // over PerClient with nothing idle to close
	shed    atomic.Int64 // idle connections closed for room
}

// budgetConn is one accepted connection; its fields after Conn are guarded
// by the listener's mu.
type budgetConn struct {
	net.Conn
	l        *budgetListener
	key      netip.Prefix
	exempt   bool
	state    http.ConnState
	since    time.Time // when it entered state
	released bool
}

// newBudgetListener wraps l. With neither cap set it returns nil: use l.
func newBudgetListener(l net.Listener, b connBudget) *budgetListener {
	if b.Max <= 0 && b.PerClient <= 0 {
		return nil
	}
	bl := &budgetListener{Listener: l, b: b, perKey: map[netip.Prefix]int{}, conns: map[*budgetConn]struct{}{}}
	bl.high = b.Max - b.Max/8
	bl.cond = sync.NewCond(&bl.mu)
	return bl
}

// limitListener returns l within budget b, and the ConnState hook the
// http.Server must call (nil when there is no budget).
func limitListener(l net.Listener, b connBudget) (net.Listener, func(net.Conn, http.ConnState)) {
	bl := newBudgetListener(l, b)
	if bl == nil {
		return l, nil
	}
	return bl, bl.track
}

// sheddableNew is how long a connection may stay without a first request
// before it counts as idle (ReadHeaderTimeout closes it at 5 s anyway).
const sheddableNew = time.Second

func (l *budgetListener) Accept() (net.Conn, error) {
	for {
		var victims []*budgetConn
		l.mu.Lock()
		for l.b.Max > 0 && l.open >= l.b.Max && !l.closed {
			if v := l.victimLocked(netip.Prefix{}, false); v != nil {
				l.releaseLocked(v)
				victims = append(victims, v)
				continue
			}
			// Wait for a close or an idle connection (track wakes us), or
			// for a new connection to count as idle.
			t := time.AfterFunc(sheddableNew, func() { l.mu.Lock(); l.cond.Broadcast(); l.mu.Unlock() })
			l.cond.Wait()
			t.Stop()
		}
		closed := l.closed
		l.mu.Unlock()
		closeAll(victims)
		if closed {
			return nil, net.ErrClosed
		}
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		peer := remoteIP(c.RemoteAddr())
		bc := &budgetConn{Conn: c, l: l, key: web.ClientKey(peer), exempt: isIn(peer, l.b.Exempt), state: http.StateNew, since: time.Now()}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return nil, net.ErrClosed
		}
		victims = victims[:0]
		if !bc.exempt && l.b.PerClient > 0 && l.perKey[bc.key] >= l.b.PerClient {
			v := l.victimLocked(bc.key, true)
			if v == nil {
				l.mu.Unlock()
				l.refused.Add(1)
				refuse(c)
				continue
			}
			l.releaseLocked(v)
			victims = append(victims, v)
		}
		l.open++
		l.perKey[bc.key]++
		l.conns[bc] = struct{}{}
		if l.b.Max > 0 && l.open > l.high {
			if v := l.victimLocked(netip.Prefix{}, false); v != nil {
				l.releaseLocked(v)
				victims = append(victims, v)
			}
		}
		l.mu.Unlock()
		closeAll(victims)
		return bc, nil
	}
}

// victimLocked picks the idle connection to close: of client key when
// onlyKey, else of the client holding the most connections; the longest
// idle first. Nil when none is idle. Called with l.mu held.
func (l *budgetListener) victimLocked(key netip.Prefix, onlyKey bool) *budgetConn {
	now := time.Now()
	var best *budgetConn
	bestN := 0
	for c := range l.conns {
		if onlyKey && c.key != key {
			continue
		}
		if !(c.state == http.StateIdle || c.state == http.StateNew && now.Sub(c.since) >= sheddableNew) {
			continue
		}
		n := l.perKey[c.key]
		if c.exempt {
			n = 0 // a proxy's connections go last
		}
		if best == nil || n > bestN || n == bestN && c.since.Before(best.since) {
			best, bestN = c, n
		}
	}
	if best != nil {
		l.shed.Add(1)
	}
	return best
}

// releaseLocked gives a connection's place back, once. Called with l.mu held.
func (l *budgetListener) releaseLocked(c *budgetConn) {
	if c.released {
		return
	}
	c.released = true
	l.open--
	if l.perKey[c.key]--; l.perKey[c.key] <= 0 {
		delete(l.perKey, c.key)
	}
	delete(l.conns, c)
	l.cond.Broadcast()
}

// track is the http.Server's ConnState hook: which connections are idle.
func (l *budgetListener) track(c net.Conn, st http.ConnState) {
	bc, ok := c.(*budgetConn)
	if !ok {
		return
	}
	l.mu.Lock()
	bc.state, bc.since = st, time.Now()
	if st == http.StateIdle {
		l.cond.Broadcast() // an Accept waiting at the cap may close it
	}
	l.mu.Unlock()
}

// counts returns the connections open now, those refused over the
// per-client cap and those shed for room since the start.
func (l *budgetListener) counts() (open int, refused, shed int64) {
	l.mu.Lock()
	open = l.open
	l.mu.Unlock()
	return open, l.refused.Load(), l.shed.Load()
}

func (l *budgetListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	return err
}

func (c *budgetConn) Close() error {
	err := c.Conn.Close()
	c.l.mu.Lock()
	c.l.releaseLocked(c)
	c.l.mu.Unlock()
	return err
}

func closeAll(cs []*budgetConn) {
	for _, c := range cs {
		c.Conn.Close() // the server's goroutine then sees the error and calls Close
	}
}

// tooManyConns is what a connection over its client's cap gets before it
// is closed.
const tooManyConns = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 50\r\n\r\n" +
	`{"error":"too many connections from this client"}` + "\n"

// refuse answers 429 without reading the request and closes c.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	io.WriteString(c, tooManyConns)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite() // FIN after the answer, so the client reads it
	}
	c.Close()
}

func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func isIn(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
