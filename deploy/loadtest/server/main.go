// Command server serves faqbot's HTTP front ends (GET, POST /wechat,
// /api/, GET /) with the real engine on the embedded content, plus a
// trivial handler on /trivial as the baseline: the target of the browser
// test (deploy/webtest). The load script (run.sh) measures `faqbot serve`
// itself; this server has no conversation context, no answer cache and no
// metrics, so its figures are not serve's.
//
//	go run ./deploy/loadtest/server -addr 127.0.0.1:8089
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"faqbot/bot"
	"faqbot/bot/ops"
	"faqbot/bot/web"
	"faqbot/bot/wechat"
	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
	"faqbot/kb/state"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "listen address")
	data := flag.String("data", "", "state directory (default: a temporary one)")
	token := flag.String("wechat-token", "loadtest-token", "WeChat token")
	aesKey := flag.String("wechat-aes-key", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "WeChat EncodingAESKey")
	appID := flag.String("wechat-appid", "wxloadtest0000000", "WeChat AppID")
	secret := flag.String("relay-secret", "", "FAQBOT_RELAY_SECRET for /api/ask")
	flag.StringVar(&adminToken, "admin-token", "", "FAQBOT_ADMIN_TOKEN: serve the curator console on /admin/")
	flag.Float64Var(&askLimit, "ask-limit", 0, "questions a minute (and burst) per unsigned client (0: the default)")
	flag.BoolVar(&demo, "demo", false, "fill the store with two weeks of sample questions and votes first (for the console's screenshots)")
	flag.Parse()
	if err := run(*addr, *data, *token, *aesKey, *appID, *secret); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(addr, data, token, aesKey, appID, secret string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if data == "" {
		dir, err := os.MkdirTemp("", "faqbot-loadtest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		data = dir
	}
	st, err := state.Open(data)
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := kb.Load(content.FS)
	if err != nil {
		return err
	}
	ix, err := index.Build(ctx, k, "")
	if err != nil {
		return err
	}
	live := index.NewLive(ix)
	defer live.Close()
	eng := bot.NewEngine(live, bot.DefaultOptions, bot.Deps{Journal: st, HashUser: st.HashUser, Log: log})
	if demo {
		if err := fillDemo(ctx, live, st); err != nil {
			return err
		}
	}
	wc, err := wechat.New(wechat.Config{Token: token, AESKey: aesKey, AppID: appID, MaxAge: 5 * time.Minute, Log: log}, eng, st)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/wechat", wc)
	// The load comes from loopback: an open relay there (FAQBOT_RELAY_OPEN_FROM),
	// or every unsigned question past the first ten would be a 429.
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	mux.Handle("/api/", web.NewRelay(eng, st, web.Config{Secret: secret, Log: log, OpenFrom: loopback, AskLimit: web.Limit{PerMinute: askLimit, Burst: int(askLimit)}}))
	mux.Handle("/", web.Page(eng)) // not "GET /": it would conflict with "/api/"
	f, err := content.FS.Open("regression.tsv")
	if err != nil {
		return err
	}
	regression, err := kb.ParseLabelled(f)
	f.Close()
	if err != nil {
		return err
	}
	mux.Handle("/admin/", (&ops.Admin{Token: adminToken, Log: log, Service: &ops.Service{Reports: st,
		Reindexer: &ops.Reindexer{Live: live, Regression: regression}}}).Handler())
	mux.HandleFunc("/trivial", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok\n"))
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	wc.Wait()
	return nil
}
