package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"faqbot/kb"
)

// Report summarises the log and votes since t; top bounds each list (0: no
// bound). It is computed by the database (GROUP BY in one read-only,
// repeatable-read transaction): the rows never travel, only the counts. The
// result is the bbolt store's, to the order of ties (by id, in byte order).
func (s *Store) Report(since time.Time, top int) (kb.Report, error) {
	rep := kb.Report{Since: since, ByChannel: map[string]kb.Outcome{}, ByLang: map[string]kb.Outcome{}}
	if err := s.FlushLog(); err != nil {
		return rep, err
	}
	var limit *int64
	if top > 0 {
		l := int64(top)
		limit = &l
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(s.opts.Timeout, time.Minute))
	defer cancel()
	err := retryDead(func() error {
		return s.report1(ctx, &rep, since, limit)
	})
	return rep, wrap("report", err)
}

// report1 fills rep in one read-only transaction.
func (s *Store) report1(ctx context.Context, rep *kb.Report, since time.Time, limit *int64) error {
	*rep = kb.Report{Since: since, ByChannel: map[string]kb.Outcome{}, ByLang: map[string]kb.Outcome{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// Asked and answered, per channel and per language.
		// With the per-day aggregates of the entries the sweep removed
		// (the whole day of since counts).
		rows, err := tx.Query(ctx, `SELECT GROUPING(channel) = 0, coalesce(channel, lang),
				sum(n)::bigint, coalesce(sum(n) FILTER (WHERE article <> ''), 0)::bigint
			FROM (SELECT channel, lang, article, 1::bigint AS n FROM faqbot_log WHERE t >= $1
				UNION ALL
				SELECT channel, lang, article, n FROM faqbot_log_daily WHERE day >= ($1 AT TIME ZONE 'UTC')::date) q
			GROUP BY GROUPING SETS ((channel), (lang))`, since)
		if err != nil {
			return err
		}
		var byChannel bool
		var key string
		var asked, answered, up, down int
		_, err = pgx.ForEachRow(rows, []any{&byChannel, &key, &asked, &answered}, func() error {
			m := rep.ByLang
			if byChannel {
				m = rep.ByChannel
				rep.Questions += asked
			}
			o := m[key]
			o.Asked, o.Answered = asked, answered
			m[key] = o
			return nil
		})
		if err != nil {
			return err
		}
		// Votes, per channel and per language.
		rows, err = tx.Query(ctx, `SELECT GROUPING(channel) = 0, coalesce(channel, lang),
				count(*) FILTER (WHERE up), count(*) FILTER (WHERE NOT up)
			FROM faqbot_votes WHERE t >= $1
			GROUP BY GROUPING SETS ((channel), (lang))`, since)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&byChannel, &key, &up, &down}, func() error {
			m := rep.ByLang
			if byChannel {
				m = rep.ByChannel
			}
			o := m[key]
			o.Up, o.Down = up, down
			m[key] = o
			return nil
		})
		if err != nil {
			return err
		}
		// Unanswered and unsure questions by grouping key, with the first
		// spellings people used, in the order they were first asked.
		for _, part := range []struct {
			unsure bool
			into   *[]kb.Group
		}{{false, &rep.Unanswered}, {true, &rep.Unsure}} {
			rows, err = tx.Query(ctx, `WITH spelling AS (
				SELECT qkey, question, count(*) AS n, min(t) AS first_t, min(id) AS first_id, max(t) AS last_t
				FROM faqbot_log WHERE t >= $1 AND article = '' AND qkey <> '' AND (reason = 'unsure') = $4
				GROUP BY qkey, question)
			SELECT qkey, sum(n)::bigint AS n,
				(array_agg(question ORDER BY first_t, first_id))[1:$3], max(last_t)
			FROM spelling GROUP BY qkey
			ORDER BY n DESC, qkey COLLATE "C" LIMIT $2`, since, limit, kb.ReportExamples, part.unsure)
			if err != nil {
				return err
			}
			var g kb.Group
			_, err = pgx.ForEachRow(rows, []any{&g.Key, &g.Count, &g.Examples, &g.Last}, func() error {
				*part.into = append(*part.into, g)
				g = kb.Group{}
				return nil
			})
			if err != nil {
				return err
			}
		}
		// Articles with down-votes, most first.
		rows, err = tx.Query(ctx, `SELECT article, count(*) FILTER (WHERE NOT up) AS down, count(*) FILTER (WHERE up)
			FROM faqbot_votes WHERE t >= $1
			GROUP BY article HAVING count(*) FILTER (WHERE NOT up) > 0
			ORDER BY down DESC, article COLLATE "C" LIMIT $2`, since, limit)
		if err != nil {
			return err
		}
		var c kb.ArticleCount
		_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Count, &c.Up}, func() error {
			c.Down = c.Count
			rep.ThumbsDown = append(rep.ThumbsDown, c)
			return nil
		})
		if err != nil {
			return err
		}
		// Articles answered, most first, with their votes.
		rows, err = tx.Query(ctx, `WITH answered AS (
				SELECT article, sum(n)::bigint AS n FROM (
					SELECT article, count(*) AS n FROM faqbot_log WHERE t >= $1 AND article <> '' GROUP BY article
					UNION ALL
					SELECT article, sum(n)::bigint FROM faqbot_log_daily
					WHERE day >= ($1 AT TIME ZONE 'UTC')::date AND article <> '' GROUP BY article) u
				GROUP BY article),
			voted AS (
				SELECT article, count(*) FILTER (WHERE up) AS up, count(*) FILTER (WHERE NOT up) AS down
				FROM faqbot_votes WHERE t >= $1 GROUP BY article)
			SELECT a.article, a.n, coalesce(v.up, 0), coalesce(v.down, 0)
			FROM answered a LEFT JOIN voted v USING (article)
			ORDER BY a.n DESC, a.article COLLATE "C" LIMIT $2`, since, limit)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Count, &c.Up, &c.Down}, func() error {
			rep.TopArticles = append(rep.TopArticles, c)
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	for _, m := range []map[string]kb.Outcome{rep.ByChannel, rep.ByLang} {
		for k, o := range m {
			m[k] = o.WithRates()
		}
	}
	return nil
}
