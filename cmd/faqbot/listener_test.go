package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestConnLimit: on loopback, with a cap of 2, two idle keep-alive
// connections hold the server's slots; a third connection's request waits
// (the kernel queues it) until one of them closes, then is served. The
// server closes idle keep-alive connections after 30 s, not 120.
func TestConnLimit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }),
		slog.New(slog.DiscardHandler))
	if hs.IdleTimeout != 30*time.Second {
		t.Errorf("IdleTimeout %v, want 30s", hs.IdleTimeout)
	}
	capped := limitListener(ln, 2)
	go hs.Serve(capped)
	t.Cleanup(func() { hs.Close() })
	addr := ln.Addr().String()

	get := func(c net.Conn, wait time.Duration) (string, error) {
		c.SetDeadline(time.Now().Add(wait))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return "", err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		return line, err
	}
	var idle []net.Conn
	for i := range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if line, err := get(c, 5*time.Second); err != nil || !strings.Contains(line, "200") {
			t.Fatalf("connection %d: %q %v", i, line, err)
		}
		idle = append(idle, c) // kept open: an idle keep-alive connection
	}
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { third.Close() })
	if line, err := get(third, 300*time.Millisecond); err == nil {
		t.Fatalf("a third connection was served beyond the cap of 2: %q", line)
	}
	idle[0].Close()
	third.SetDeadline(time.Now().Add(5 * time.Second))
	if line, err := bufio.NewReader(third).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("after a slot freed: %q %v", line, err)
	}
	// Closing the listener ends Serve even while Accept waits for a slot.
	if err := capped.Close(); err != nil {
		t.Fatal(err)
	}
}
