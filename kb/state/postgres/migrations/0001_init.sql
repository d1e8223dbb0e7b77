-- faqbot state store, version 1. Every table is prefixed faqbot_ so the
-- store can share a database with other applications.

-- The installation's salt for hashed user ids, made once for all replicas.
CREATE TABLE faqbot_meta (
	key   text PRIMARY KEY,
	value bytea NOT NULL
);

-- Counters such as the Telegram update offset.
CREATE TABLE faqbot_offsets (
	name  text PRIMARY KEY,
	value bigint NOT NULL
);

-- Each user's chosen language, by hashed user id.
CREATE TABLE faqbot_langs (
	user_hash text PRIMARY KEY,
	lang      text NOT NULL
);

-- Expiring values: claimed update and message ids, replies kept for
-- retries, sessions. Expiry is on the database's clock.
CREATE TABLE faqbot_temp (
	kind    text NOT NULL,
	key     text NOT NULL,
	value   bytea NOT NULL,
	expires timestamptz NOT NULL,
	PRIMARY KEY (kind, key)
);
CREATE INDEX faqbot_temp_expires ON faqbot_temp (expires);

-- One vote per user, language and article; the latest wins.
CREATE TABLE faqbot_votes (
	user_hash text NOT NULL,
	lang      text NOT NULL,
	article   text NOT NULL CHECK (article <> '' AND strpos(article, '/') = 0),
	channel   text NOT NULL,
	up        boolean NOT NULL,
	t         timestamptz NOT NULL,
	PRIMARY KEY (user_hash, lang, article)
);
CREATE INDEX faqbot_votes_t ON faqbot_votes (t);

-- The query log (no user ids). qkey is kb.NormalizeQuestion(question), the
-- grouping key of unanswered questions, computed by the writer.
CREATE TABLE faqbot_log (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	t          timestamptz NOT NULL,
	channel    text NOT NULL,
	lang       text NOT NULL,
	question   text NOT NULL,
	qkey       text NOT NULL,
	article    text NOT NULL DEFAULT '',
	reason     text NOT NULL DEFAULT '',
	score      double precision NOT NULL DEFAULT 0,
	latency_ns bigint NOT NULL DEFAULT 0
);
CREATE INDEX faqbot_log_t ON faqbot_log (t);
CREATE INDEX faqbot_log_unanswered ON faqbot_log (t, qkey) WHERE article = '';
