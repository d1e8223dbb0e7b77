package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus series the engine and the adapters update. A nil
// *Metrics is valid and records nothing, so tests and CLI commands skip it.
type Metrics struct {
	questions   *prometheus.CounterVec
	latency     prometheus.Histogram
	sendErrors  *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	reindexes   *prometheus.CounterVec
	reindexTime prometheus.Histogram
	lastReindex prometheus.Gauge
	docs        prometheus.Gauge
	stateErrors *prometheus.CounterVec
	cache       *prometheus.CounterVec
}

// NewMetrics creates the series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_questions_total", Help: "Questions by channel, language and outcome (answered, unsure, no_answer, error).",
		}, []string{"channel", "lang", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "faqbot_answer_seconds", Help: "Time to answer one question.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, 1},
		}),
		sendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_send_errors_total", Help: "Replies a channel failed to deliver.",
		}, []string{"channel"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_rate_limited_total", Help: "Messages dropped or delayed by rate or flood limits.",
		}, []string{"channel", "kind"}),
		reindexes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_reindex_total", Help: "Reindex runs by result (ok, refused).",
		}, []string{"result"}),
		reindexTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "faqbot_reindex_seconds", Help: "Time to build a new index.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 10),
		}),
		lastReindex: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faqbot_reindex_last_success_timestamp_seconds", Help: "When the live index was last switched.",
		}),
		docs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faqbot_index_documents", Help: "Documents (phrasings and passages) in the live index.",
		}),
		stateErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_state_errors_total", Help: "Failed calls to a shared state store by operation; questions are answered meanwhile.",
		}, []string{"op"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_answer_cache_total", Help: "Answer cache lookups by result (hit, miss).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.questions, m.latency, m.sendErrors, m.rateLimited, m.reindexes, m.reindexTime, m.lastReindex, m.docs, m.stateErrors, m.cache)
	return m
}

// IndexServing records the document count of the index now live.
func (m *Metrics) IndexServing(docs uint64) {
	if m == nil {
		return
	}
	m.docs.Set(float64(docs))
	m.lastReindex.SetToCurrentTime()
}

// Reindexed records one reindex run; err != nil means it was refused.
func (m *Metrics) Reindexed(build time.Duration, docs uint64, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.reindexes.WithLabelValues("refused").Inc()
		return
	}
	m.reindexes.WithLabelValues("ok").Inc()
	m.reindexTime.Observe(build.Seconds())
	m.IndexServing(docs)
}

// Question counts one question and its answer time.
func (m *Metrics) Question(channel, lang, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.questions.WithLabelValues(channel, lang, outcome).Inc()
	m.latency.Observe(took.Seconds())
}

// SendError counts a reply a channel could not deliver.
func (m *Metrics) SendError(channel string) {
	if m == nil {
		return
	}
	m.sendErrors.WithLabelValues(channel).Inc()
}

// RateLimited counts a message held back by a limit (kind: "flood", "429", ...).
func (m *Metrics) RateLimited(channel, kind string) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(channel, kind).Inc()
}

// StateError counts one failed call to the shared state store.
func (m *Metrics) StateError(op string, _ error) {
	if m == nil {
		return
	}
	m.stateErrors.WithLabelValues(op).Inc()
}

// CacheLookup counts one answer cache lookup.
func (m *Metrics) CacheLookup(hit bool) {
	if m == nil {
		return
	}
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(result).Inc()
}
