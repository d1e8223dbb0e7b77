// Package postgres is faqbot's state store on PostgreSQL, for several
// replicas sharing one state (FAQBOT_STATE=postgres://...). It has the bbolt
// store's (kb/state) method set and behaviour; both pass the conformance
// suite kb/state/statetest.
//
// What is shared: every replica that opens one database sees the same user
// languages, Telegram update claims and offset, WeChat message ids with their
// replies and sessions (expiring values), votes and query log, so the
// curator's report (computed by the database: GROUP BY, no rows read into
// Go) is the whole truth on any replica. User ids are hashed with one salt,
// made by the first replica and stored in faqbot_meta, so hashes agree
// across replicas and restarts.
//
// Guarantees:
//
//   - Claims (ClaimTemp) are one INSERT ... ON CONFLICT DO UPDATE ... WHERE
//     expired RETURNING statement: of any number of callers on any number of
//     replicas, exactly one wins a key; the others get the winner's value.
//     Expiry is on the database's clock, so replicas' clocks need not agree.
//   - A vote is an upsert on (user, language, article); the latest by vote
//     time wins, so a vote retried late never overwrites a newer one.
//     RecordVotes writes a batch in one statement by the same rule.
//   - Query-log entries are queued in memory (bounded: Options.LogQueue,
//     oldest dropped past it, counted as "log_drop") and written by a
//     background writer with one COPY per batch every 50 ms at most; on
//     failure the batch stays queued and is retried with backoff (100 ms to
//     5 s). Delivery is at least once: a COPY whose commit succeeded but whose
//     answer was lost is written again.
//   - Sweep is plain DELETE ... WHERE expires < now (and older than the
//     retention for the log and votes, and the oldest log entries beyond
//     Options.LogMax): several replicas sweeping at once each remove a row
//     at most once. Removed log entries are added, in the same statement,
//     to per-day aggregates (faqbot_log_daily: asked per UTC day, channel,
//     language and article), which Report adds in, as the bbolt store does.
//   - Migrations are embedded (migrations/NNNN_name.sql), recorded in
//     faqbot_schema_migrations and applied at Open, each in a transaction,
//     under pg_advisory_lock: replicas starting at once apply them once, and
//     Open on a migrated database changes nothing. Every table is prefixed
//     faqbot_, so the database may be shared with other applications.
//     Migrations must stay additive so that old and new replicas can run
//     side by side during a rolling update.
//   - Each database call is bounded by Options.Timeout (2 s by default).
//
// Degraded mode: Open needs the database (to migrate and to read the salt);
// a running replica survives an outage when wrapped in kb/state/resilient, as
// faqbot serve does: questions are still answered. What holds meanwhile, by
// kind of state:
//
//   - Votes: never lost once acknowledged. A vote the database does not take
//     goes to the replica's vote spool (kb/state's Spool, a bbolt file under
//     -data), committed and fsync'd before RecordVote returns, so neither the
//     outage nor a crash of the replica (kill -9) loses it. While the spool
//     holds votes, new votes join it; it is written back oldest first with
//     RecordVotes, one multi-row upsert per 1,000 votes (tens of thousands a
//     second, far more than votes arrive), tried every second even while the
//     replica pauses the database, so the lag is bounded by the outage plus
//     about a second. A vote written twice (a batch whose commit succeeded
//     but whose removal from the spool failed) changes nothing: the latest
//     by vote time wins. A full spool (state.DefaultSpoolMax) refuses the
//     vote with kb.ErrBusy, which the relay answers 503 with Retry-After,
//     rather than acknowledge it. Votes left in the spool by a replica that
//     stopped are written when it starts again on the same -data.
//   - Claims (ClaimTemp: Telegram update ids, WeChat message ids) and
//     expiring values (WeChat replies kept for retries, sessions): kept in
//     the replica's memory during the outage. Exactly-once still holds
//     within the replica, not across replicas: a redelivery that reaches
//     another replica during the outage is answered again. These are not
//     written back; a claim made in memory is honoured by this replica until
//     it expires.
//   - Conversation contexts (follow-ups) are expiring values: during the
//     outage a follow-up is read in context only on the replica that
//     answered the question, and contexts from before the outage are not
//     read (the follow-up is answered on its own).
//   - Language choices: replies fall back to the question's language; a
//     choice made during the outage is kept in memory (bounded, 10,000) and
//     written when the database returns.
//   - The query log waits in this package's bounded queue (Options.LogQueue)
//     and is written when the database returns; past the bound the oldest
//     entries are dropped ("log_drop").
//
// What an outage loses: dedupe across replicas, sessions, replies kept for
// retries and contexts across replicas, languages chosen before it, and
// whatever overflows the in-memory queues or is still in them when the
// replica stops; never an acknowledged vote. Failures are reported to
// Options.OnError (background log writes) and resilient's OnError
// (everything else, "vote_refused" for a full spool), which faqbot counts in
// /metrics, with the spool's depth, lag, votes written back and refused.
//
// Connection URLs are pgx's: postgres://user:password@host:5432/db?sslmode=require
// and libpq's parameters (pool_max_conns, connect_timeout, search_path, ...).
// Behind PgBouncer in transaction mode add default_query_exec_mode=exec.
package postgres
