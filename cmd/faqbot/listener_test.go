package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// budgetServer serves h on loopback within budget b; it returns the
// address and the listener.
func budgetServer(t *testing.T, b connBudget, h http.HandlerFunc) (string, *budgetListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTPServer(h, slog.New(slog.DiscardHandler))
	if hs.IdleTimeout != 30*time.Second {
		t.Errorf("IdleTimeout %v, want 30s", hs.IdleTimeout)
	}
	capped, track := limitListener(ln, b)
	hs.ConnState = track
	go hs.Serve(capped)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String(), capped.(*budgetListener)
}

// dialFrom opens a TCP connection to addr from the loopback address from
// (127.0.0.x: each is another client).
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends GET path on c and reads the status line within wait.
func get(c net.Conn, path string, wait time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.Status, nil
}

// TestConnLimit: with a cap of 2 and two requests in flight, a third
// connection waits (the kernel queues it) until one of them ends, then is
// served; with two idle keep-alive connections instead, a third is served
// at once: the longest idle is closed for it.
func TestConnLimit(t *testing.T) {
	release := make(chan struct{})
	addr, bl := budgetServer(t, connBudget{Max: 2}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		fmt.Fprintln(w, "ok")
	})
	var busy sync.WaitGroup
	for i := range 2 {
		c := dialFrom(t, "127.0.0.1", addr)
		busy.Add(1)
		go func() {
			defer busy.Done()
			if st, err := get(c, "/slow", 10*time.Second); err != nil || !strings.HasPrefix(st, "200") {
				t.Errorf("slow request %d: %q %v", i, st, err)
			}
		}()
	}
	waitFor(t, func() bool { n, _, _ := bl.counts(); return n == 2 })
	time.Sleep(100 * time.Millisecond) // both requests in the handler
	third := dialFrom(t, "127.0.0.1", addr)
	if st, err := get(third, "/", 300*time.Millisecond); err == nil {
		t.Fatalf("a third connection was served beyond the cap of 2 while both were busy: %q", st)
	}
	close(release)
	busy.Wait() // the two connections are now idle; one of them is shed for the third
	third.SetDeadline(time.Now().Add(5 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(third), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the requests ended: %v %v", resp, err)
	}
	// Two idle keep-alive connections and a new one: served at once.
	fourth := dialFrom(t, "127.0.0.1", addr)
	if st, err := get(fourth, "/", 2*time.Second); err != nil || !strings.HasPrefix(st, "200") {
		t.Fatalf("with two idle connections at the cap: %q %v", st, err)
	}
	if open, _, shed := bl.counts(); open > 2 || shed < 2 {
		t.Errorf("open %d (cap 2), shed %d (want at least 2)", open, shed)
	}
	// Closing the listener ends Serve even while Accept waits for a slot.
	if err := bl.Close(); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5 s")
		}
	}
}

// TestConnPerClient: one client holds at most PerClient connections: over
// it, its own longest-idle connection is closed, or, when all are busy,
// the new one gets 429 and is closed. Another client is not affected, and
// a trusted proxy has no per-client cap.
func TestConnPerClient(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	addr, bl := budgetServer(t, connBudget{Max: 100, PerClient: 3, Exempt: nil}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		fmt.Fprintln(w, "ok")
	})
	// Idle: a fourth connection closes the first one.
	var conns []net.Conn
	for i := range 4 {
		c := dialFrom(t, "127.0.0.1", addr)
		if st, err := get(c, "/", 2*time.Second); err != nil || !strings.HasPrefix(st, "200") {
			t.Fatalf("idle connection %d: %q %v", i, st, err)
		}
		conns = append(conns, c)
	}
	if st, err := get(conns[0], "/", 2*time.Second); err == nil {
		t.Errorf("the longest-idle connection still served (%q) after a fourth from the same client", st)
	}
	// Busy: three requests in flight, a fourth connection gets 429.
	for i := range 3 {
		c := dialFrom(t, "127.0.0.3", addr)
		go get(c, "/slow", 10*time.Second)
		_ = i
	}
	waitFor(t, func() bool {
		bl.mu.Lock()
		defer bl.mu.Unlock()
		n := 0
		for c := range bl.conns {
			if c.state == http.StateActive && strings.HasPrefix(c.key.String(), "127.0.0.3") {
				n++
			}
		}
		return n == 3
	})
	if st, err := get(dialFrom(t, "127.0.0.3", addr), "/", 2*time.Second); err != nil || !strings.HasPrefix(st, "429") {
		t.Errorf("over the per-client cap with all busy: %q %v, want 429", st, err)
	}
	// Another client is served.
	if st, err := get(dialFrom(t, "127.0.0.4", addr), "/", 2*time.Second); err != nil || !strings.HasPrefix(st, "200") {
		t.Errorf("another client: %q %v", st, err)
	}
	if _, refused, _ := bl.counts(); refused != 1 {
		t.Errorf("refused %d, want 1", refused)
	}
}

// TestServeConnFlood is the bar on the real server, scaled down
// (a cap of 40 connections, 8 a client): one client opens 200 keep-alive
// connections and keeps every one it gets, four more clients hold 8 idle
// connections each, and another client's 5 probes are each answered
// within 2 s. The flood shows in /metrics.
func TestServeConnFlood(t *testing.T) {
	srv := startServer(t, "serve", func(cfg *config) { cfg.MaxConns, cfg.MaxConnsPerClient = 40, 8 })
	addr := strings.TrimPrefix(srv.base, "http://")
	var flood []net.Conn
	for range 200 {
		c := dialFrom(t, "127.0.0.1", addr)
		get(c, "/healthz", 2*time.Second)
		flood = append(flood, c)
	}
	for i := 2; i <= 5; i++ {
		for range 8 {
			get(dialFrom(t, fmt.Sprintf("127.0.0.%d", i), addr), "/healthz", 2*time.Second)
		}
	}
	for i := range 5 {
		start := time.Now()
		c := dialFrom(t, "127.0.0.9", addr)
		st, err := get(c, "/readyz", 2*time.Second)
		if err != nil || !strings.HasPrefix(st, "200") {
			t.Errorf("probe %d: %q %v after %s", i, st, err, time.Since(start))
		}
		c.Close()
	}
	c := dialFrom(t, "127.0.0.10", addr)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	metrics, _ := io.ReadAll(c)
	for _, m := range []string{"faqbot_http_connections_open ", "faqbot_http_connections_refused_total ", "faqbot_http_connections_shed_total "} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	held := 0
	for _, c := range flood {
		if st, err := get(c, "/healthz", time.Second); err == nil && strings.HasPrefix(st, "200") {
			held++
		}
	}
	if held > 8 {
		t.Errorf("one client still holds %d of its 200 connections, want at most 8", held)
	}
	t.Logf("one client holds %d of the 200 connections it opened", held)
}

// TestServeConnFloodFull is the bar at full size, with the default
// caps (1,024 connections, 64 a client): one client opens 1,100 keep-alive
// connections and keeps them, another 1,100 slow-body connections (a
// request head and one byte of its body), then 20 more addresses open 55
// idle ones each (1,100 more, past the global cap), and another client's 5
// probes over about 25 s are each answered within 2 s. Long (25 s): only
// with FAQBOT_LONG_TESTS=1.
func TestServeConnFloodFull(t *testing.T) {
	if os.Getenv("FAQBOT_LONG_TESTS") == "" {
		t.Skip("set FAQBOT_LONG_TESTS=1 (25 s)")
	}
	srv := startServer(t, "serve", func(cfg *config) {})
	addr := strings.TrimPrefix(srv.base, "http://")
	hold := func(from string, n int) {
		for range n {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
			c, err := d.Dial("tcp", addr)
			if err != nil {
				continue
			}
			t.Cleanup(func() { c.Close() })
			get(c, "/healthz", 500*time.Millisecond)
			c.SetDeadline(time.Time{})
		}
	}
	// slow opens n connections from one address that each send a request
	// head announcing a body and then 1 byte of it: requests in flight.
	slow := func(from string, n int) {
		for range n {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
			c, err := d.Dial("tcp", addr)
			if err != nil {
				continue
			}
			t.Cleanup(func() { c.Close() })
			io.WriteString(c, "POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		}
	}
	start := time.Now()
	hold("127.0.0.1", 1100)
	slow("127.0.0.2", 1100)
	for i := range 20 {
		hold(fmt.Sprintf("127.0.1.%d", i+1), 55)
	}
	t.Logf("3,300 connections opened in %s (1,100 idle and 1,100 slow-body from two addresses, 1,100 idle from 20 more)", time.Since(start).Round(time.Millisecond))
	var worst time.Duration
	for i := range 5 {
		begin := time.Now()
		c := dialFrom(t, "127.0.0.9", addr)
		st, err := get(c, "/readyz", 2*time.Second)
		took := time.Since(begin)
		worst = max(worst, took)
		if err != nil || !strings.HasPrefix(st, "200") {
			t.Errorf("probe %d: %q %v after %s", i, st, err, took)
		}
		c.Close()
		if i < 4 {
			time.Sleep(6 * time.Second)
		}
	}
	t.Logf("5 probes over 25 s: slowest %s", worst.Round(time.Millisecond))
}
