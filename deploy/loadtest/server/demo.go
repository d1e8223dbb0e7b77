package main

import (
	"context"
	"math/rand/v2"
	"time"

	"faqbot/bot"
	"faqbot/kb"
	"faqbot/kb/state"
)

// adminToken, askLimit and demo are the -admin-token, -ask-limit and -demo
// flags.
var (
	adminToken string
	askLimit   float64
	demo       bool
)

// demoQuestions are what the demo's users ask: covered questions, ones the
// engine is unsure of, greetings and off-topic ones, in zh and en.
var demoQuestions = []string{
	"医保卡丢了怎么办", "异地就医怎么备案", "家庭共济怎么绑定家人", "新农合和居民医保有什么区别", "灵活就业怎么交医保",
	"医保断缴了怎么办", "生孩子医保能报销多少", "起付线是什么", "住院怎么报销", "医保个人账户的钱能取出来吗",
	"How do I file for medical care in another city?", "I lost my insurance card", "What is the deductible?",
	"打胰岛素医保能报销吗", "打胰岛素医保能报销吗？", "种植牙医保报销多少", "做近视手术医保能报吗", "医保能报销做近视手术吗",
	"Is insulin covered by Chinese medical insurance?", "你好", "公积金怎么取", "今天天气怎么样", "頭痛吃什麼藥",
	"醫保卡丟了怎麼辦",
}

// fillDemo records two weeks of questions (asked through an engine that
// journals nothing, then logged with earlier times) and votes.
func fillDemo(ctx context.Context, src bot.Searcher, st *state.Store) error {
	e := bot.NewEngine(src, bot.DefaultOptions, bot.Deps{})
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	channels := []string{"web", "wechat", "telegram", "api"}
	for day := 13; day >= 0; day-- {
		n := 20 + r.IntN(25) + (13-day)*2
		for i := 0; i < n; i++ {
			q := demoQuestions[r.IntN(len(demoQuestions))]
			a, err := e.Ask(ctx, bot.Question{Text: q, Channel: "demo"})
			if err != nil {
				return err
			}
			t := now.Add(-time.Duration(day)*24*time.Hour - time.Duration(r.IntN(20*3600))*time.Second)
			if t.After(now) {
				t = now
			}
			lat := time.Duration(80+r.IntN(200)) * time.Microsecond
			if r.IntN(50) == 0 {
				lat = time.Duration(1+r.IntN(4)) * time.Millisecond
			}
			entry := kb.LogEntry{Time: t, Channel: channels[r.IntN(len(channels))], Lang: a.Lang, Question: a.Question,
				ID: a.ID, Reason: a.Reason, Score: a.Score, Latency: lat}
			if a.Answered && r.IntN(6) == 0 {
				entry.Context = "lost-card"
			}
			if a.Reason == bot.ReasonEmpty {
				continue
			}
			if err := st.RecordQuestion(entry); err != nil {
				return err
			}
			if a.Answered && r.IntN(4) == 0 {
				v := kb.Vote{UserHash: st.HashUser(string(rune('a' + r.IntN(26)))), Article: a.ID, Lang: a.Lang, Channel: entry.Channel, Up: r.IntN(5) > 0, Time: t}
				if err := st.RecordVote(v); err != nil {
					return err
				}
			}
		}
	}
	return st.FlushLog()
}
