package main

import (
	"context"
	"fmt"
	"strings"

	"faqbot/kb"
	"faqbot/kb/state"
	"faqbot/kb/state/postgres"
	"faqbot/kb/state/resilient"
)

// stateStore is what serve uses of the state store: the channels' state
// (telegramState, wechatState, relayStore, Journal), the curator's report,
// the hourly sweep: every backend method (kb.Store) and where failed
// background writes are reported. *state.Store (bbolt) and *resilient.Store
// (PostgreSQL) satisfy it.
type stateStore interface {
	kb.Store
	SetLogErrorHandler(fn func(error))
}

var (
	_ stateStore = (*state.Store)(nil)
	_ stateStore = (*resilient.Store)(nil)
)

// usesPostgres reports whether cfg.State names a PostgreSQL database.
func usesPostgres(cfg *config) bool {
	return strings.HasPrefix(cfg.State, "postgres://") || strings.HasPrefix(cfg.State, "postgresql://")
}

// openState opens the state store: PostgreSQL when cfg.State is a
// postgres:// or postgresql:// URL (shared by every replica, kept answering
// through outages by resilient), else bbolt under cfg.Data (one process).
// The returned function closes it.
func openState(ctx context.Context, cfg *config) (stateStore, func() error, error) {
	return openStateSpool(ctx, cfg, nil, false)
}

// openStateWith is serve's openState: with a hook told of every state-store
// failure by operation name (for a Prometheus counter; used only with
// PostgreSQL, bbolt errors reach the callers, who log them), and, with
// PostgreSQL, the vote spool under cfg.Data (state.Spool), where votes wait
// durably while the database is away (kb/state/resilient).
func openStateWith(ctx context.Context, cfg *config, onError func(op string, err error)) (stateStore, func() error, error) {
	return openStateSpool(ctx, cfg, onError, true)
}

func openStateSpool(ctx context.Context, cfg *config, onError func(op string, err error), spool bool) (stateStore, func() error, error) {
	if cfg.State != "" && !usesPostgres(cfg) {
		return nil, nil, fmt.Errorf("%w: -state %q: want a postgres:// or postgresql:// URL, or nothing for bbolt under -data", errUsage, redactURL(cfg.State))
	}
	if !usesPostgres(cfg) {
		s, err := state.Open(cfg.Data)
		if err != nil {
			return nil, nil, err
		}
		s.SetLogLimit(cfg.LogMax)
		return s, s.Close, nil
	}
	pg, err := postgres.Open(ctx, cfg.State, postgres.Options{OnError: onError, LogMax: cfg.LogMax})
	if err != nil {
		return nil, nil, err
	}
	opts := resilient.Options{OnError: onError}
	if spool {
		sp, err := state.OpenSpool(cfg.Data, 0)
		if err != nil {
			pg.Close()
			return nil, nil, err
		}
		opts.Spool = sp
	}
	s := resilient.New(pg, opts)
	return s, s.Close, nil
}

// defaultLogMax bounds the question log (FAQBOT_LOG_MAX): at about 360 B a
// question on disk, some 360 MB; the hourly sweep removes the oldest beyond
// it, as it removes those past FAQBOT_RETENTION.
const defaultLogMax = 1_000_000

// redactURL hides a password in a URL for messages.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return u
	}
	user, _, _ := strings.Cut(creds, ":")
	return scheme + "://" + user + ":***@" + host
}
