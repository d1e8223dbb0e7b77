package main

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// defaultMaxConns caps the connections serve keeps open at once
// (FAQBOT_MAX_CONNS). An idle keep-alive connection costs some tens of kB;
// 1,024 of them stay far below a 256 MiB pod limit.
const defaultMaxConns = 1024

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

// limitListener returns a listener that keeps at most n accepted
// connections open: beyond that, Accept waits for one to close, and new
// clients wait in the kernel's accept queue. n <= 0 means no cap.
func limitListener(l net.Listener, n int) net.Listener {
	if n <= 0 {
		return l
	}
	return &capListener{Listener: l, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type capListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *capListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &capConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *capListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// capConn gives its slot back once, on the first Close.
type capConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
