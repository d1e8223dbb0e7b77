package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkServeAsk drives the real serve wiring (bbolt state under a fresh
// data directory, answer cache, conversation context, the JSON log at info
// level) over loopback HTTP with 16 clients in a closed loop: GET /healthz
// as the baseline, POST /api/ask with every request a new question (the
// regression questions, numbered) from a new user, and one question
// repeated (the answer cache). Its profiles show what a question costs the
// server (the clients run in the same process and show up too):
//
//	go test -run '^$' -bench ServeAsk -benchtime 3000x -cpuprofile cpu.out \
//	    -blockprofile block.out -mutexprofile mutex.out ./cmd/faqbot
//
// The machine may be busy: compare the sub-benchmarks of one run only.
func BenchmarkServeAsk(b *testing.B) {
	labelled, err := loadRegression(defaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	var questions []string
	for _, l := range labelled {
		if q := strings.TrimSpace(l.Question); q != "" {
			questions = append(questions, q)
		}
	}
	srv := startServer(b, "bench", func(cfg *config) { cfg.LogLevel = "info" })
	const clients = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}, Timeout: 10 * time.Second}
	b.Cleanup(client.CloseIdleConnections)
	do := func(req *http.Request) error {
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: HTTP %d", req.URL.Path, resp.StatusCode)
		}
		return nil
	}
	ask := func(q, user string) error {
		body, _ := json.Marshal(map[string]string{"question": q, "user": user})
		req, _ := http.NewRequest(http.MethodPost, srv.base+"/api/ask", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		return do(req)
	}
	for i := range 2 * clients { // warm-up: connections, first searches
		if err := ask(questions[i%len(questions)], "warm"); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	run := func(b *testing.B, one func(i int64) error) {
		b.SetParallelism((clients + 1) / 2) // GOMAXPROCS 2 on the reference machine: 16 clients
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := one(seq.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	base := time.Now().UnixNano()
	b.Run("healthz", func(b *testing.B) {
		run(b, func(int64) error {
			req, _ := http.NewRequest(http.MethodGet, srv.base+"/healthz", nil)
			return do(req)
		})
	})
	b.Run("distinct", func(b *testing.B) {
		run(b, func(i int64) error {
			return ask(fmt.Sprintf("%s %d", questions[int(i)%len(questions)], base+i), fmt.Sprintf("bench-%d-%d", base, i))
		})
	})
	b.Run("repeat", func(b *testing.B) {
		run(b, func(i int64) error { return ask(questions[0], fmt.Sprintf("bench-%d-%d", base, i)) })
	})
	b.Run("repeat-returning", func(b *testing.B) { // 1,000 users who ask again
		run(b, func(i int64) error { return ask(questions[0], fmt.Sprintf("bench-%d-r%d", base, i%1000)) })
	})
}

// BenchmarkServeAskHandler is POST /api/ask through serve's handler without
// the network (one question repeated, from the answer cache; each request a
// new user, whose context is read and kept in memory): what the server
// spends on a cached answer, with allocations.
//
//	go test -run '^$' -bench ServeAskHandler -benchmem ./cmd/faqbot
func BenchmarkServeAskHandler(b *testing.B) {
	cfg := defaultConfig()
	cfg.Data = b.TempDir()
	cfg.Web.Secret = ""
	// httptest's requests come from 192.0.2.1: a relay opened to it
	// (FAQBOT_RELAY_OPEN_FROM), or every question past the burst is a 429.
	cfg.Web.OpenFrom = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv, err := newServer(context.Background(), cfg, log, stdio{strings.NewReader(""), io.Discard, io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.close)
	ask := func(user string) {
		body := `{"question":"医保卡丢了怎么办","user":"` + user + `"}`
		req := httptest.NewRequest(http.MethodPost, "/api/ask", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.handler.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("HTTP %d: %s", w.Code, w.Body)
		}
	}
	ask("warm")
	base := time.Now().UnixNano()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ask("bench-" + strconv.FormatInt(base+int64(i), 10))
	}
}
