package wechat

// Metrics counts replies that did not reach the user; *bot.Metrics
// satisfies it.
type Metrics interface {
	SendError(channel string)
}

// noMetrics counts nothing.
type noMetrics struct{}

func (noMetrics) SendError(string) {}
