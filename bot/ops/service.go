package ops

import (
	"context"
	"time"

	"faqbot/kb"
)

// DefaultReportPeriod and DefaultReportTop are the curator report's defaults
// wherever it is asked for (admin route, Telegram /stats, `faqbot stats`).
const (
	DefaultReportPeriod = 7 * 24 * time.Hour
	DefaultReportTop    = 20
)

// Reporter reads the curator's report; the state stores implement it.
type Reporter interface {
	Report(since time.Time, top int) (kb.Report, error)
}

// QueryLog walks the query log; a Reporter that also implements it (the
// bbolt store does) gets the low-confidence section in its report.
type QueryLog interface {
	Log(since time.Time, fn func(kb.LogEntry) error) error
}

// Service is the operator service: one reindex path and one report, used by
// the admin routes, Telegram's operator commands and SIGHUP alike.
type Service struct {
	Reindexer *Reindexer
	Reports   Reporter
}

// Reindex rebuilds and switches the index (see Reindexer.Run).
func (s *Service) Reindex(ctx context.Context) (ReindexReport, error) {
	return s.Reindexer.Run(ctx)
}

// MaxReportPeriod bounds a report's period: a longer one (since=1e300d,
// whose parse overflows to a negative duration, included) reports the last
// MaxReportPeriod, longer than any retention.
const MaxReportPeriod = 10 * 365 * 24 * time.Hour

// Report is the curator's report over the last period (at most
// MaxReportPeriod; a negative period, an overflow, counts as the maximum).
func (s *Service) Report(period time.Duration) (Report, error) {
	if period < 0 || period > MaxReportPeriod {
		period = MaxReportPeriod
	}
	return s.ReportSince(time.Now().Add(-period), DefaultReportTop)
}

// ReportSince is the curator's report since t, top entries to each list
// (0: all of them): the one report code behind `faqbot stats`, GET
// /admin/stats, Telegram's /stats and the console.
func (s *Service) ReportSince(since time.Time, top int) (Report, error) {
	rep, err := s.Reports.Report(since, top)
	if err != nil {
		return Report{}, err
	}
	out := Report{Report: rep, LowConfidence: []LowAnswer{}}
	if ql, ok := s.Reports.(QueryLog); ok {
		lowTop := top
		if lowTop <= 0 {
			lowTop = 100
		}
		if out.LowConfidence, err = LowConfidence(ql, since, lowTop); err != nil {
			return Report{}, err
		}
		vl, _ := s.Reports.(VoteLog)
		tl, err := buildTimeline(ql, vl, since, time.Now().Add(time.Minute), true, false)
		if err != nil {
			return Report{}, err
		}
		out.Totals = totalsOf(tl.Total)
	}
	return out, nil
}

// Chat adapts the service to chat operator commands, which want text.
type Chat struct{ S *Service }

// Reindex runs a reindex and returns its report as text.
func (c Chat) Reindex(ctx context.Context) (string, error) {
	rep, err := c.S.Reindex(ctx)
	return rep.String(), err
}

// Stats returns the last week's report as text.
func (c Chat) Stats(ctx context.Context) (string, error) {
	rep, err := c.S.Report(DefaultReportPeriod)
	if err != nil {
		return "", err
	}
	return FormatReport(rep), nil
}
