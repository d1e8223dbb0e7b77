package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"faqbot/bot"
	"faqbot/bot/ops"
	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
	"faqbot/kb/state"
	"faqbot/kb/state/resilient"
)

// server is everything `faqbot serve` runs, built by newServer so tests can
// start it on a loopback port.
type server struct {
	cfg      *config
	log      *slog.Logger
	store    stateStore
	closeSt  func() error
	live     *index.Live
	engine   *bot.Engine
	ops      *ops.Service
	metrics  *bot.Metrics
	registry *prometheus.Registry
	handler  http.Handler
	runners  []func(ctx context.Context) error // front ends with their own loops
	drains   []func()                          // wait for front ends' background work
	unlock   func()                            // releases the data directory
}

// errDataInUse is newServer's error when another server holds -data.
var errDataInUse = errors.New("in use by another faqbot serve")

func runServe(ctx context.Context, cfg *config, args []string, s stdio) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: serve takes no arguments", errUsage)
	}
	// Listen first: a bad address or a busy port fails in milliseconds,
	// not after the index is built and every front end said "on".
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("%s %q: cannot listen: %w", cfg.setting("addr"), cfg.Addr, err)
	}
	defer ln.Close()
	log, flush := newLogger(cfg, os.Stderr)
	defer flush()
	srv, err := newServer(ctx, cfg, log, s)
	if err != nil {
		return err
	}
	defer srv.close()
	return srv.serve(ctx, ln)
}

func newServer(ctx context.Context, cfg *config, log *slog.Logger, s stdio) (*server, error) {
	srv := &server{cfg: cfg, log: log, registry: prometheus.NewRegistry()}
	srv.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv.metrics = bot.NewMetrics(srv.registry)
	if lh, ok := log.Handler().(limitHandler); ok {
		registerLogMetrics(srv.registry, lh.lim)
	}

	// First, before anything is opened or built: one server per -data,
	// whatever the state backend.
	unlock, err := lockData(cfg.Data)
	if err != nil {
		return nil, err
	}
	srv.unlock = unlock
	k, err := loadKB(cfg)
	if err != nil {
		unlock()
		return nil, err
	}
	store, closeStore, err := openStateWith(ctx, cfg, srv.metrics.StateError)
	if err != nil {
		unlock()
		return nil, err
	}
	srv.store, srv.closeSt = store, closeStore
	store.SetLogErrorHandler(func(err error) { log.Error("query log write failed", "err", err) })
	start := time.Now()
	p := newProgress(cfg.stderr)
	p.stage("opening or building the index of %d articles", len(k.IDs()))
	ix, built, err := index.OpenOrBuild(ctx, k, cfg.Data)
	p.done()
	if err != nil {
		closeStore()
		unlock()
		return nil, err
	}
	if built {
		freeBuildMemory()
	}
	log.Info("index ready", "built", built, "articles", len(k.IDs()), "took", time.Since(start))
	srv.live = index.NewLive(ix)
	if docs, err := ix.DocCount(); err == nil {
		srv.metrics.IndexServing(docs)
	}
	opts := bot.DefaultOptions
	opts.CacheSize = bot.DefaultCacheSize // popular questions from memory; emptied on every reindex
	srv.engine = bot.NewEngine(srv.live, opts, bot.Deps{
		Journal: store, Log: log, HashUser: store.HashUser, Metrics: srv.metrics,
		Memory: convoMemory(store), // conversation context for follow-ups
	})
	registerContextMetrics(srv.registry, store)
	registerSpoolMetrics(srv.registry, store)
	if _, err := loadRegression(cfg); err != nil {
		srv.close()
		return nil, err
	}
	srv.ops = &ops.Service{Reports: store, Reindexer: &ops.Reindexer{
		Live: srv.live,
		Load: func() (*kb.KB, error) { return loadKB(cfg) },
		Build: func(ctx context.Context, k *kb.KB) (*index.Index, error) {
			defer freeBuildMemory()
			return index.BuildOnDisk(ctx, k, cfg.Data)
		},
		LoadRegression: func() ([]kb.Labelled, error) { return loadRegression(cfg) },
		Metrics:        srv.metrics,
		Source:         contentName(cfg),
	}}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", srv.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(srv.registry, promhttp.HandlerOpts{}))
	mux.Handle("/admin/", (&ops.Admin{Token: cfg.AdminToken, Service: srv.ops, Log: log}).Handler())
	if err := srv.frontEnds(ctx, mux, s); err != nil {
		srv.close()
		return nil, err
	}
	srv.handler = mux
	return srv, nil
}

// freeBuildMemory returns to the system what an index build used and no
// longer does, which the runtime would give back only slowly: at 5,000
// articles the build peaks at 1.3 GB resident, 0.4 GB once returned
// (BenchmarkSynthetic5000).
func freeBuildMemory() { debug.FreeOSMemory() }

// convoMemory is where the engine keeps conversation contexts: with bbolt,
// in memory (state.Volatile: saved at a clean stop, lost in a crash), so
// that a question never waits for the disk; on PostgreSQL, the shared
// store itself, so that every replica reads a follow-up in its context.
func convoMemory(store stateStore) bot.Memory {
	if s, ok := store.(*state.Store); ok {
		return s.Volatile()
	}
	return store
}

// registerContextMetrics exports how many conversation contexts the bbolt
// store keeps in memory and how many it dropped for room (PostgreSQL keeps
// them in its tables: nothing to count here).
func registerContextMetrics(reg prometheus.Registerer, store stateStore) {
	s, ok := store.(*state.Store)
	if !ok {
		return
	}
	vol := s.Volatile()
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "faqbot_conversation_contexts", Help: "Conversation contexts kept in memory for follow-ups.",
		}, func() float64 { return float64(vol.Len()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "faqbot_conversation_contexts_dropped_total",
			Help: "Unexpired conversation contexts dropped to stay within the limit (state.DefaultVolatileMax).",
		}, func() float64 { return float64(vol.Dropped()) }),
	)
}

// registerLogMetrics exports the log lines dropped as repeats, by level.
func registerLogMetrics(reg prometheus.Registerer, lim *repeatLimiter) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "faqbot_log_lines_suppressed_total",
			Help:        "Log lines dropped because their message was logged 5 times in the last 10 s.",
			ConstLabels: prometheus.Labels{"level": strings.ToLower(level.String())},
		}, func() float64 { return float64(lim.Suppressed(level)) }))
	}
}

// registerConnMetrics exports the connection budget's counts.
func registerConnMetrics(reg prometheus.Registerer, bl *budgetListener) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "faqbot_http_connections_open", Help: "HTTP connections open now.",
		}, func() float64 { n, _, _ := bl.counts(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "faqbot_http_connections_refused_total",
			Help: "Connections answered 429 and closed: their client held FAQBOT_MAX_CONNS_PER_CLIENT, none idle.",
		}, func() float64 { _, n, _ := bl.counts(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "faqbot_http_connections_shed_total",
			Help: "Idle keep-alive connections closed to make room (near FAQBOT_MAX_CONNS, or over a client's cap).",
		}, func() float64 { _, _, n := bl.counts(); return float64(n) }),
	)
}

// registerSpoolMetrics exports the vote spool's figures (PostgreSQL only:
// with bbolt every vote is written at once).
func registerSpoolMetrics(reg prometheus.Registerer, store stateStore) {
	rs, ok := store.(*resilient.Store)
	if !ok {
		return
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "faqbot_vote_spool_votes", Help: "Votes spooled on local disk, waiting for PostgreSQL.",
		}, func() float64 { return float64(rs.Spool().Votes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "faqbot_vote_spool_lag_seconds", Help: "Age of the oldest spooled vote (0 when none waits).",
		}, func() float64 { return rs.Spool().Lag.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "faqbot_vote_spool_replayed_total", Help: "Spooled votes written to PostgreSQL.",
		}, func() float64 { return float64(rs.Spool().Replayed) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "faqbot_vote_spool_refused_total", Help: "Votes refused with 503 because the spool was full.",
		}, func() float64 { return float64(rs.Spool().Refused) }),
	)
}

// ready answers only when the live index answers a known question.
func (srv *server) ready(w http.ResponseWriter, r *http.Request) {
	k := srv.live.KB()
	ids := k.IDs()
	if len(ids) == 0 {
		http.Error(w, "no articles", http.StatusServiceUnavailable)
		return
	}
	a, _ := k.Article("zh", ids[0])
	hits, err := srv.live.Search(r.Context(), a.Title, "zh", 1)
	if err != nil || len(hits) == 0 {
		http.Error(w, "index not answering", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// serve runs the HTTP server and the front ends until ctx is done, then
// drains: in-flight requests get up to 10 s to finish. At most
// cfg.MaxConns connections are open at once, cfg.MaxConnsPerClient of one
// client (idle ones shed first: see budgetListener).
func (srv *server) serve(ctx context.Context, ln net.Listener) error {
	hs := newHTTPServer(srv.handler, srv.log)
	ln, hs.ConnState = limitListener(ln, connBudget{Max: srv.cfg.MaxConns, PerClient: srv.cfg.MaxConnsPerClient, Exempt: srv.cfg.Web.TrustedProxies})
	if bl, ok := ln.(*budgetListener); ok {
		registerConnMetrics(srv.registry, bl)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1+len(srv.runners))
	go func() { errc <- hs.Serve(ln) }()
	var runners sync.WaitGroup
	for _, run := range srv.runners {
		runners.Add(1)
		go func() { defer runners.Done(); errc <- run(ctx) }()
	}
	go srv.sweep(ctx)
	go srv.onHangup(ctx)
	srv.log.Info("serving", "addr", ln.Addr().String())

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		if errors.Is(err, http.ErrServerClosed) || errors.Is(err, context.Canceled) {
			err = nil
		}
	}
	cancel()
	shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if serr := hs.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = fmt.Errorf("shutdown: %w", serr)
	}
	// Front ends finish their in-flight updates before the store closes.
	finished := make(chan struct{})
	go func() { runners.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-shutdownCtx.Done():
		srv.log.Warn("front ends still busy at shutdown")
	}
	for _, drain := range srv.drains {
		drain()
	}
	srv.log.Info("stopped")
	return err
}

// sweep expires old state hourly (seen ids, sessions, the query log past retention).
func (srv *server) sweep(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := srv.store.Sweep(time.Now(), srv.cfg.Retention); err != nil {
			srv.log.Warn("sweep", "err", err)
		} else if n > 0 {
			srv.log.Info("sweep", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// onHangup reindexes on SIGHUP, the same path as POST /admin/reindex.
func (srv *server) onHangup(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			rep, err := srv.ops.Reindex(ctx)
			if err != nil {
				srv.log.Warn("reindex (SIGHUP) refused", "err", err)
				continue
			}
			srv.log.Info("reindex (SIGHUP)", "added", len(rep.Added), "removed", len(rep.Removed), "changed", len(rep.Changed), "build", rep.BuildTime)
		}
	}
}

func (srv *server) close() {
	if srv.live != nil {
		srv.live.Close()
	}
	if srv.closeSt != nil {
		srv.closeSt()
	}
	if srv.unlock != nil {
		srv.unlock()
	}
}

// loadRegression reads the curator's regression questions from the content
// tree (content/regression.tsv), which the reindex self-check scores.
func loadRegression(cfg *config) ([]kb.Labelled, error) {
	f, err := contentFS(cfg).Open("regression.tsv")
	if errors.Is(err, os.ErrNotExist) {
		f, err = content.FS.Open("regression.tsv")
	}
	if err != nil {
		return nil, fmt.Errorf("regression questions: %w", err)
	}
	defer f.Close()
	return kb.ParseLabelled(f)
}
