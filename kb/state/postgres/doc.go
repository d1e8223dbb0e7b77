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
//   - Query-log entries are queued in memory (bounded: Options.LogQueue,
//     oldest dropped past it, counted as "log_drop") and written by a
//     background writer with one COPY per batch every 50 ms at most; on
//     failure the batch stays queued and is retried with backoff (100 ms to
//     5 s). Delivery is at least once: a COPY whose commit succeeded but whose
//     answer was lost is written again.
//   - Sweep is plain DELETE ... WHERE expires < now (and older than the
//     retention for the log and votes): several replicas sweeping at once
//     each remove a row at most once.
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
// faqbot serve does: questions are still answered, preferences fall back to
// the default language, claims and expiring values fall back to the
// replica's memory, votes and language choices wait in bounded queues, the
// query log waits in this package's queue, and all of it is written when the
// database answers again. What an outage loses: dedupe across replicas (a
// redelivery that reaches another replica during the outage is answered
// again), sessions and replies kept for retries across replicas, languages
// chosen before the outage (replies follow the question's language instead),
// and whatever overflows the bounded queues or is still queued when the
// replica stops. Failures are reported to Options.OnError (background log
// writes) and resilient's OnError (everything else), which faqbot counts in
// /metrics.
//
// Connection URLs are pgx's: postgres://user:password@host:5432/db?sslmode=require
// and libpq's parameters (pool_max_conns, connect_timeout, search_path, ...).
// Behind PgBouncer in transaction mode add default_query_exec_mode=exec.
package postgres
