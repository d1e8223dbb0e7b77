package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"faqbot/bot/web"
	"faqbot/kb"
	"faqbot/kb/state/postgres"
	"faqbot/kb/state/postgres/pgtest"
)

// TestServeVotesAcrossOutage is the bar end to end, scaled (a 3 s
// outage): a server on PostgreSQL state takes a flood of signed votes
// through POST /api/feedback while PostgreSQL stops and starts again; every
// vote answered {"ok": true} is in the database soon after its return (the
// spool under -data), and /metrics shows the spool. FAQBOT_OUTAGE_SECONDS
// sets the outage (the bar is 15).
func TestServeVotesAcrossOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and stops it under load: skipped with -short")
	}
	pg, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	const secret = "vote-flood-secret"
	srv := startServer(t, "serve", func(cfg *config) {
		cfg.State = pg.URL("postgres")
		cfg.Web.Secret = secret
		cfg.Web.OpenFrom = nil
	})
	var acked, refused atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				body := fmt.Sprintf(`{"id":"lost-card","lang":"zh","up":true,"user":"relay-%d-%d"}`, w, i)
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				req, _ := http.NewRequest(http.MethodPost, srv.base+"/api/feedback", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(web.TimestampHeader, ts)
				req.Header.Set(web.SignatureHeader, web.Sign([]byte(secret), ts, []byte(body)))
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("vote: %v", err)
					return
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					acked.Add(1)
				case 503:
					refused.Add(1)
				default:
					t.Errorf("vote: HTTP %d", resp.StatusCode)
					return
				}
			}
		})
	}
	time.Sleep(time.Second)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	outage := 3 * time.Second
	if n, err := strconv.Atoi(os.Getenv("FAQBOT_OUTAGE_SECONDS")); err == nil && n > 0 {
		outage = time.Duration(n) * time.Second
	}
	time.Sleep(outage)
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	_, metrics := srv.do(t, http.MethodGet, "/metrics", "", "")
	if !strings.Contains(metrics, "faqbot_vote_spool_replayed_total") || strings.Contains(metrics, "faqbot_vote_spool_replayed_total 0\n") {
		t.Errorf("/metrics shows no spool written back:\n%s", grepLines(metrics, "faqbot_vote_spool"))
	}
	check, err := postgres.Open(context.Background(), pg.URL("postgres"), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	want := acked.Load()
	var n int64
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		n = 0
		check.Votes(time.Time{}, func(kb.Vote) error { n++; return nil })
		if n >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged votes stored 90 s after PostgreSQL's return", n, want)
		}
	}
	t.Logf("%d votes acknowledged (%d refused with 503), all stored %s after PostgreSQL's return", want, refused.Load(), time.Since(back).Round(time.Millisecond))
	if n != want || refused.Load() != 0 {
		t.Errorf("%d stored, %d acknowledged, %d refused", n, want, refused.Load())
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
