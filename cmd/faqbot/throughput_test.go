package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"faqbot/kb/state/postgres/pgtest"
)

// TestAskThroughput measures POST /api/ask over loopback HTTP with the state
// on bbolt and on PostgreSQL in the same run: one server per backend (the
// other stopped meanwhile), 16 clients each asking distinct questions of
// content/regression.tsv in a closed loop, as their own users (so each
// question also reads the user's language and writes its conversation
// context). PostgreSQL is a throwaway server with fsync and
// synchronous_commit on, like bbolt's commits; the rounds alternate
// (bbolt, PostgreSQL, bbolt, PostgreSQL) so that drift in the machine's
// load hits both. Only with FAQBOT_ASK_THROUGHPUT=1:
//
//	FAQBOT_ASK_THROUGHPUT=1 go test -run TestAskThroughput -v ./cmd/faqbot
//
// FAQBOT_ASK_SECONDS sets each round's length (default 4), FAQBOT_ASK_ROUNDS
// the rounds per backend (default 2).
func TestAskThroughput(t *testing.T) {
	if os.Getenv("FAQBOT_ASK_THROUGHPUT") == "" {
		t.Skip("set FAQBOT_ASK_THROUGHPUT=1 to measure")
	}
	seconds := 4
	if s, err := strconv.Atoi(os.Getenv("FAQBOT_ASK_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	rounds := 2
	if r, err := strconv.Atoi(os.Getenv("FAQBOT_ASK_ROUNDS")); err == nil && r > 0 {
		rounds = r
	}
	const clients = 16
	labelled, err := loadRegression(defaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var questions []string
	seen := map[string]bool{}
	for _, l := range labelled {
		if q := strings.TrimSpace(l.Question); q != "" && !seen[q] {
			seen[q] = true
			questions = append(questions, q)
		}
	}
	pg, err := pgtest.Start("fsync=on", "synchronous_commit=on")
	if err != nil {
		t.Skip("PostgreSQL: ", err)
	}
	t.Cleanup(func() { pg.Close() })
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("machine: %s/%s, %d CPUs (GOMAXPROCS %d), load average %s; %d clients, %d distinct questions, %d s per round",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), strings.Join(strings.Fields(string(load))[:3], " "), clients, len(questions), seconds)

	backends := []struct{ name, state string }{{"bbolt", ""}, {"postgres", pg.URL("postgres")}}
	all := map[string][]time.Duration{}
	elapsed := map[string]time.Duration{}
	for round := range rounds {
		for _, b := range backends {
			lat, took, errs := askRound(t, b.name, b.state, questions, clients, time.Duration(seconds)*time.Second)
			if errs > 0 {
				t.Errorf("%s round %d: %d failed requests", b.name, round+1, errs)
			}
			all[b.name] = append(all[b.name], lat...)
			elapsed[b.name] += took
			t.Logf("round %d %-8s %s", round+1, b.name, summarize(lat, took))
		}
	}
	for _, b := range backends {
		t.Logf("total   %-8s %s", b.name, summarize(all[b.name], elapsed[b.name]))
	}
}

// askRound starts a server on state (bbolt when ""), warms it, then runs
// clients closed-loop clients for d and returns every request's latency.
func askRound(t *testing.T, name, state string, questions []string, clients int, d time.Duration) (lat []time.Duration, took time.Duration, errs int) {
	t.Helper()
	srv := startServer(t, name, func(cfg *config) {
		cfg.State = state
		cfg.LogLevel = "warn"
	})
	defer srv.stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	ask := func(user, q string) error {
		body, _ := json.Marshal(map[string]string{"question": q, "user": user})
		resp, err := client.Post(srv.base+"/api/ask", "application/json", strings.NewReader(string(body)))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	for i := range 2 * clients { // warm-up: connections, first searches, pools
		ask("warm", questions[i%len(questions)])
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for c := range clients {
		wg.Go(func() {
			user := fmt.Sprintf("bench-%s-%d", name, c)
			mine := make([]time.Duration, 0, 4096)
			bad := 0
			for k := 0; time.Now().Before(end); k++ {
				q := questions[(c+k*clients)%len(questions)]
				t0 := time.Now()
				if err := ask(user, q); err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	return lat, time.Since(start), errs
}

// summarize is "N requests, R req/s, p50 X, p99 Y".
func summarize(lat []time.Duration, took time.Duration) string {
	if len(lat) == 0 {
		return "no requests"
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	pct := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("%6d requests  %6.0f req/s  p50 %-8s p99 %s",
		len(s), float64(len(s))/took.Seconds(), pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond))
}
