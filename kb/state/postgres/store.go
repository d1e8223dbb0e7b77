package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"faqbot/kb"
)

// Options tune a Store; the zero value is valid.
type Options struct {
	// OnError is told of failures nobody else sees: background query-log
	// writes ("log_write") and entries dropped because the queue was full
	// ("log_drop"). Foreground methods return their errors instead.
	OnError func(op string, err error)
	// Timeout bounds each database operation (default 2s).
	Timeout time.Duration
	// LogQueue bounds the query-log entries waiting for the database
	// (default 10000); past it the oldest are dropped.
	LogQueue int
	// MaxConns bounds the connection pool (default pgxpool's: max(4, CPUs)).
	MaxConns int32
	// LogMax bounds the query log: each Sweep removes the oldest entries
	// beyond it, besides those past the retention (0: no bound).
	LogMax int
}

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("state store closed")

// ErrQueueFull is reported (OnError "log_drop") for query-log entries dropped
// while the database did not take them.
var ErrQueueFull = errors.New("query log queue full: oldest entry dropped")

// Store is faqbot's state on PostgreSQL, shared by every replica that opens
// the same database. It has the bbolt store's method set and behaviour.
type Store struct {
	pool *pgxpool.Pool
	salt []byte
	opts Options

	mu      sync.Mutex // guards pending, closed, onLogError
	pending []kb.LogEntry
	closed  bool
	flushMu sync.Mutex // one log batch at a time
	wake    chan struct{}
	done    chan struct{}

	onLogError func(error)
}

// Open connects to the database at url (postgres://user:pass@host/db?...),
// applies the migrations it lacks and reads (or makes, once for all
// replicas) the salt. The database must answer at Open.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.LogQueue <= 0 {
		opts.LogQueue = 10000
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("state store: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("state store: %w", err)
	}
	s := &Store{pool: pool, opts: opts, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("state store %s: %w", redact(cfg), err)
	}
	go s.logWriter()
	return s, nil
}

// redact names the database without its password, for errors.
func redact(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

func (s *Store) init(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, max(s.opts.Timeout, 30*time.Second))
	defer cancel()
	if err := migrate(ctx, s.pool); err != nil {
		return err
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	// Insert if absent, then read: of replicas starting at once, the first
	// insert wins and everyone reads that one.
	if _, err := s.pool.Exec(ctx, `INSERT INTO faqbot_meta (key, value) VALUES ('salt', $1) ON CONFLICT (key) DO NOTHING`, salt); err != nil {
		return fmt.Errorf("salt: %w", err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT value FROM faqbot_meta WHERE key = 'salt'`).Scan(&s.salt); err != nil {
		return fmt.Errorf("salt: %w", err)
	}
	if len(s.salt) != 32 {
		return fmt.Errorf("salt: %d bytes, want 32", len(s.salt))
	}
	return nil
}

// SetLogErrorHandler sets where failed background query-log writes are
// reported (a logger), besides Options.OnError.
func (s *Store) SetLogErrorHandler(fn func(error)) {
	s.mu.Lock()
	s.onLogError = fn
	s.mu.Unlock()
}

func (s *Store) report(op string, err error) {
	s.mu.Lock()
	fn := s.onLogError
	s.mu.Unlock()
	if fn != nil {
		fn(fmt.Errorf("%s: %w", op, err))
	}
	if s.opts.OnError != nil {
		s.opts.OnError(op, err)
	}
}

func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.opts.Timeout)
}

// Close writes the pending query log and closes the pool. Entries the
// database does not take by then are lost (and Close says so).
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.wake)
	<-s.done
	err := s.FlushLog()
	if err != nil {
		s.mu.Lock()
		n := len(s.pending)
		s.pending = nil
		s.mu.Unlock()
		err = fmt.Errorf("close: %d query-log entries not written: %w", n, err)
	}
	s.pool.Close()
	return err
}

// HashUser returns the stored form of a platform user id: a salted SHA-256,
// so the store and logs never hold raw ids. Every replica of one database
// uses the same salt, so hashes (and reports) agree.
func (s *Store) HashUser(user string) string { return kb.HashUser(s.salt, user) }

// Offset returns a stored counter such as the Telegram update offset (0 if unset).
func (s *Store) Offset(name string) (int64, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT value FROM faqbot_offsets WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return v, wrap("offset", err)
}

// SetOffset stores a counter.
func (s *Store) SetOffset(name string, v int64) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO faqbot_offsets (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, name, v)
	return wrap("set offset", err)
}

// UserLang returns the language a user chose ("" if none).
func (s *Store) UserLang(userHash string) (string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var lang string
	err := s.pool.QueryRow(ctx, `SELECT lang FROM faqbot_langs WHERE user_hash = $1`, userHash).Scan(&lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return lang, wrap("user language", err)
}

// SetUserLang stores a user's language; "" forgets it.
func (s *Store) SetUserLang(userHash, lang string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	var err error
	if lang == "" {
		_, err = s.pool.Exec(ctx, `DELETE FROM faqbot_langs WHERE user_hash = $1`, userHash)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO faqbot_langs (user_hash, lang) VALUES ($1, $2)
			ON CONFLICT (user_hash) DO UPDATE SET lang = EXCLUDED.lang`, userHash, lang)
	}
	return wrap("set user language", err)
}

// micros is a ttl as the microseconds the SQL adds to the database's clock.
func micros(d time.Duration) int64 { return d.Microseconds() }

// PutTemp stores a short-lived value (a seen message id with its reply, a
// chat session) that expires after ttl, on the database's clock so that
// replicas agree. A negative ttl releases a claim.
func (s *Store) PutTemp(kind, key string, val []byte, ttl time.Duration) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO faqbot_temp (kind, key, value, expires)
		VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 microsecond')
		ON CONFLICT (kind, key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires`,
		kind, key, nonNil(val), micros(ttl))
	return wrap("put temp", err)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// GetTemp returns a short-lived value unless it is missing or expired.
func (s *Store) GetTemp(kind, key string) ([]byte, bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM faqbot_temp
		WHERE kind = $1 AND key = $2 AND expires >= clock_timestamp()`, kind, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("get temp", err)
	}
	return nonNil(v), true, nil
}

// ClaimTemp stores val under key only if no unexpired value is there, and
// reports whether it did. One statement decides: of any number of callers
// on any number of replicas, exactly one wins a key; the others get the
// winner's value.
func (s *Store) ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	for range 3 {
		var won bool
		err := s.pool.QueryRow(ctx, `INSERT INTO faqbot_temp AS t (kind, key, value, expires)
			VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 microsecond')
			ON CONFLICT (kind, key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires
			WHERE t.expires < clock_timestamp()
			RETURNING true`, kind, key, nonNil(val), micros(ttl)).Scan(&won)
		if err == nil {
			return true, nil, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return false, nil, wrap("claim", err)
		}
		// Held by an unexpired claim: return its value. If it expired or
		// was swept in between, try again.
		var existing []byte
		err = s.pool.QueryRow(ctx, `SELECT value FROM faqbot_temp
			WHERE kind = $1 AND key = $2 AND expires >= clock_timestamp()`, kind, key).Scan(&existing)
		if err == nil {
			return false, nonNil(existing), nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return false, nil, wrap("claim", err)
		}
	}
	return false, nil, errors.New("postgres claim: key keeps changing hands")
}

// RecordVote stores a vote; a user's later vote on the same article (in the
// same language) replaces the earlier one. "Later" is the vote's Time, so a
// vote retried late never overwrites a newer one.
func (s *Store) RecordVote(v kb.Vote) error {
	if err := kb.ValidateVote(v); err != nil {
		return err
	}
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	ctx, cancel := s.ctx()
	defer cancel()
	err := retryDead(func() error {
		_, err := s.pool.Exec(ctx, `INSERT INTO faqbot_votes AS v (user_hash, lang, article, channel, up, t)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (user_hash, lang, article) DO UPDATE
			SET channel = EXCLUDED.channel, up = EXCLUDED.up, t = EXCLUDED.t
			WHERE v.t <= EXCLUDED.t`, v.UserHash, v.Lang, v.Article, v.Channel, v.Up, v.Time)
		return err
	})
	return wrap("vote", err)
}

// RecordVotes stores many votes in one statement (a multi-row upsert from
// arrays), as RecordVote would one by one: the latest by vote time wins,
// within the batch too. Bad votes (kb.ValidateVote) are skipped. This is how
// kb/state/resilient writes back the votes it spooled during an outage, some
// tens of thousands a second, far faster than votes arrive.
func (s *Store) RecordVotes(vs []kb.Vote) error {
	type key struct{ user, lang, article string }
	latest := make(map[key]int, len(vs))
	var keep []kb.Vote
	now := time.Now()
	for _, v := range vs {
		if kb.ValidateVote(v) != nil {
			continue
		}
		if v.Time.IsZero() {
			v.Time = now
		}
		k := key{v.UserHash, v.Lang, v.Article}
		if i, ok := latest[k]; ok {
			if !v.Time.Before(keep[i].Time) {
				keep[i] = v
			}
			continue
		}
		latest[k] = len(keep)
		keep = append(keep, v)
	}
	if len(keep) == 0 {
		return nil
	}
	users, langs, arts, chans := make([]string, len(keep)), make([]string, len(keep)), make([]string, len(keep)), make([]string, len(keep))
	ups, ts := make([]bool, len(keep)), make([]time.Time, len(keep))
	for i, v := range keep {
		users[i], langs[i], arts[i], chans[i], ups[i], ts[i] = v.UserHash, v.Lang, v.Article, v.Channel, v.Up, v.Time
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(s.opts.Timeout, 10*time.Second))
	defer cancel()
	err := retryDead(func() error {
		_, err := s.pool.Exec(ctx, `INSERT INTO faqbot_votes AS v (user_hash, lang, article, channel, up, t)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::timestamptz[])
			ON CONFLICT (user_hash, lang, article) DO UPDATE
			SET channel = EXCLUDED.channel, up = EXCLUDED.up, t = EXCLUDED.t
			WHERE v.t <= EXCLUDED.t`, users, langs, arts, chans, ups, ts)
		return err
	})
	return wrap("votes", err)
}

// retryDead runs fn again when it failed before anything reached the
// server (pgconn.SafeToRetry): after a database restart the pool still
// holds connections to the old server, each failing once on first use, so
// the first calls after the return would fail for nothing. A few tries
// (the pool's idle connections die one by one) then the error.
func retryDead(fn func() error) error {
	err := fn()
	for range 4 {
		if err == nil || !pgconn.SafeToRetry(err) {
			return err
		}
		err = fn()
	}
	return err
}

// RecordQuestion queues an entry for the query log. A background writer
// sends the queue in batches (one COPY per 50 ms at most); while the
// database is away the queue is kept, up to Options.LogQueue entries (the
// oldest are dropped past it), and retried.
func (s *Store) RecordQuestion(e kb.LogEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.pending = append(s.pending, e)
	dropped := s.trim()
	first := len(s.pending) == 1
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	for range dropped {
		s.report("log_drop", ErrQueueFull)
	}
	return nil
}

// trim drops the oldest pending entries past the bound; s.mu is held.
func (s *Store) trim() int {
	over := len(s.pending) - s.opts.LogQueue
	if over <= 0 {
		return 0
	}
	s.pending = append(s.pending[:0:0], s.pending[over:]...)
	return over
}

// logBatchDelay is how long the writer waits to gather a batch.
const logBatchDelay = 50 * time.Millisecond

func (s *Store) logWriter() {
	defer close(s.done)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	backoff := 100 * time.Millisecond
	for {
		select {
		case _, ok := <-s.wake:
			if !ok {
				return
			}
		case <-retry.C:
		}
		time.Sleep(logBatchDelay)
		if err := s.FlushLog(); err != nil {
			s.report("log_write", err)
			retry.Reset(backoff)
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		s.mu.Lock()
		more := len(s.pending) > 0
		s.mu.Unlock()
		if more {
			retry.Reset(0)
		}
	}
}

// FlushLog writes the pending query-log entries now. On failure they stay
// queued (in order) for the next attempt.
func (s *Store) FlushLog() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	batch := s.pending
	s.pending = nil
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	rows := make([][]any, len(batch))
	for i, e := range batch {
		rows[i] = []any{e.Time, e.Channel, e.Lang, e.Question, kb.NormalizeQuestion(e.Question), e.ID, e.Reason, e.Score, int64(e.Latency), e.Context}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout+time.Duration(len(batch))*10*time.Microsecond)
	defer cancel()
	err := retryDead(func() error {
		_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"faqbot_log"},
			[]string{"t", "channel", "lang", "question", "qkey", "article", "reason", "score", "latency_ns", "context"},
			pgx.CopyFromRows(rows))
		return err
	})
	if err == nil {
		return nil
	}
	// COPY is one statement: nothing was written. Requeue in front.
	s.mu.Lock()
	s.pending = append(batch, s.pending...)
	dropped := s.trim()
	s.mu.Unlock()
	for range dropped {
		s.report("log_drop", ErrQueueFull)
	}
	return wrap("log write", err)
}

// Pending is how many query-log entries wait for the database.
func (s *Store) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Log calls fn for every log entry since t, oldest first, including those
// still waiting to be written (it writes them first).
func (s *Store) Log(since time.Time, fn func(kb.LogEntry) error) error {
	if err := s.FlushLog(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT t, channel, lang, question, article, reason, score, latency_ns, context
		FROM faqbot_log WHERE t >= $1 ORDER BY t, id`, since)
	if err != nil {
		return wrap("log", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e kb.LogEntry
		var lat int64
		if err := rows.Scan(&e.Time, &e.Channel, &e.Lang, &e.Question, &e.ID, &e.Reason, &e.Score, &lat, &e.Context); err != nil {
			return wrap("log", err)
		}
		e.Latency = time.Duration(lat)
		if err := fn(e); err != nil {
			return err
		}
	}
	return wrap("log", rows.Err())
}

// Votes calls fn for every vote cast since t.
func (s *Store) Votes(since time.Time, fn func(kb.Vote) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT user_hash, lang, article, channel, up, t
		FROM faqbot_votes WHERE t >= $1 ORDER BY user_hash, lang, article`, since)
	if err != nil {
		return wrap("votes", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v kb.Vote
		if err := rows.Scan(&v.UserHash, &v.Lang, &v.Article, &v.Channel, &v.Up, &v.Time); err != nil {
			return wrap("votes", err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return wrap("votes", rows.Err())
}

// Sweep deletes expired short-lived values and, when retention > 0, log
// entries and votes older than retention. Plain DELETEs: replicas sweeping at
// once each remove a row at most once, and the counts add up.
func (s *Store) Sweep(now time.Time, retention time.Duration) (int, error) {
	if err := s.FlushLog(); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(s.opts.Timeout, time.Minute))
	defer cancel()
	n := 0
	del := func(q string, arg time.Time) error {
		tag, err := s.pool.Exec(ctx, q, arg)
		n += int(tag.RowsAffected())
		return wrap("sweep", err)
	}
	if err := del(`DELETE FROM faqbot_temp WHERE expires < $1`, now); err != nil {
		return n, err
	}
	// Log entries removed (beyond LogMax, past the retention) are added to
	// the per-day aggregates in the same statement.
	const keepDaily = `, gone AS (DELETE FROM faqbot_log WHERE id IN (SELECT id FROM doomed)
			RETURNING t, channel, lang, article),
		added AS (INSERT INTO faqbot_log_daily AS d (day, channel, lang, article, n)
			SELECT (t AT TIME ZONE 'UTC')::date, channel, lang, article, count(*) FROM gone GROUP BY 1, 2, 3, 4
			ON CONFLICT (day, channel, lang, article) DO UPDATE SET n = d.n + EXCLUDED.n)
		SELECT count(*) FROM gone`
	sweepLog := func(doomed string, arg any) error {
		var removed int
		err := s.pool.QueryRow(ctx, `WITH doomed AS (`+doomed+`)`+keepDaily, arg).Scan(&removed)
		n += removed
		return wrap("sweep", err)
	}
	if s.opts.LogMax > 0 {
		if err := sweepLog(`SELECT id FROM faqbot_log ORDER BY t, id
			LIMIT greatest((SELECT count(*) FROM faqbot_log) - $1, 0)`, s.opts.LogMax); err != nil {
			return n, err
		}
	}
	if retention <= 0 {
		return n, nil
	}
	cutoff := now.Add(-retention)
	if err := sweepLog(`SELECT id FROM faqbot_log WHERE t < $1`, cutoff); err != nil {
		return n, err
	}
	return n, del(`DELETE FROM faqbot_votes WHERE t < $1`, cutoff)
}

// Check verifies that the schema is at this build's version, the salt is
// in place and the rows keep the store's invariants; tests call it after
// each operation sequence.
func (s *Store) Check() error {
	if err := s.FlushLog(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(s.opts.Timeout, 30*time.Second))
	defer cancel()
	var version int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM faqbot_schema_migrations`).Scan(&version); err != nil {
		return wrap("check", err)
	}
	if want := len(migrations()); version < want {
		return fmt.Errorf("schema version %d, want %d", version, want)
	}
	var salt []byte
	if err := s.pool.QueryRow(ctx, `SELECT value FROM faqbot_meta WHERE key = 'salt'`).Scan(&salt); err != nil || len(salt) != 32 {
		return fmt.Errorf("salt missing or short (%d bytes, %v)", len(salt), err)
	}
	if string(salt) != string(s.salt) {
		return errors.New("salt in the database differs from the one in use")
	}
	for _, c := range []struct{ what, q string }{
		{"votes without a valid article", `SELECT count(*) FROM faqbot_votes WHERE article = '' OR strpos(article, '/') > 0`},
		{"unanswered log entries without a grouping key", `SELECT count(*) FROM faqbot_log WHERE article = '' AND qkey = '' AND question ~ '[[:alnum:]]'`},
	} {
		var n int
		if err := s.pool.QueryRow(ctx, c.q).Scan(&n); err != nil {
			return wrap("check", err)
		}
		if n > 0 {
			return fmt.Errorf("%d %s", n, c.what)
		}
	}
	return nil
}

// wrap names the failed operation; nil stays nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres %s: %w", op, err)
}
