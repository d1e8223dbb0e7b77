-- faqbot state store, version 3: per-day aggregates of the query-log entries Sweep removed (past the
-- retention or beyond Options.LogMax), so that the curator's report still
-- counts them: questions asked, per channel, language and article ('' when
-- not answered), per UTC day.
CREATE TABLE faqbot_log_daily (
	day     date NOT NULL,
	channel text NOT NULL,
	lang    text NOT NULL,
	article text NOT NULL,
	n       bigint NOT NULL,
	PRIMARY KEY (day, channel, lang, article)
);
