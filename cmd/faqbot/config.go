package main

import (
	"errors"
	"faqbot/bot"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// config is every setting of every command, filled from the environment and
// then from flags (flags win).
type config struct {
	Content  string // content tree; "" = embedded
	Data     string // state directory: bbolt store and on-disk index
	LogLevel string

	// ask, chat
	Lang string
	JSON bool

	// eval
	MinTop1, MinAbstain    float64
	MinPrecision, MaxWrong float64
	MinUncovered           float64

	// reindex
	Server string

	// stats
	Since   time.Duration
	Suggest bool

	// serve
	Addr          string
	AdminToken    string
	Retention     time.Duration
	AnswerTimeout time.Duration

	TelegramToken         string
	TelegramAPIEndpoint   string
	TelegramWebhookURL    string
	TelegramWebhookSecret string
	TelegramOperators     []int64

	WeChatToken  string
	WeChatAESKey string
	WeChatAppID  string
	WeChatMaxAge time.Duration
	WeChatBudget time.Duration

	RelaySecret string

	envErrs []error
}

func defaultConfig() *config {
	c := &config{
		Data: "./data", Addr: ":8080", LogLevel: "info",
		Retention: 90 * 24 * time.Hour, AnswerTimeout: 10 * time.Second,
		WeChatMaxAge: 5 * time.Minute, WeChatBudget: 4 * time.Second,
		Since: 7 * 24 * time.Hour,
	}
	str := func(dst *string, key string) {
		if v, ok := os.LookupEnv(key); ok {
			*dst = strings.TrimSpace(v)
		}
	}
	dur := func(dst *time.Duration, key string) {
		if v, ok := os.LookupEnv(key); ok && v != "" {
			d, err := bot.ParseDuration(v)
			if err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("%s: %w", key, err))
				return
			}
			*dst = d
		}
	}
	str(&c.Content, "FAQBOT_CONTENT")
	str(&c.Data, "FAQBOT_DATA")
	str(&c.Addr, "FAQBOT_ADDR")
	str(&c.AdminToken, "FAQBOT_ADMIN_TOKEN")
	str(&c.LogLevel, "FAQBOT_LOG_LEVEL")
	str(&c.RelaySecret, "FAQBOT_RELAY_SECRET")
	dur(&c.Retention, "FAQBOT_RETENTION")
	str(&c.TelegramToken, "TELEGRAM_TOKEN")
	str(&c.TelegramAPIEndpoint, "TELEGRAM_API_ENDPOINT")
	str(&c.TelegramWebhookURL, "TELEGRAM_WEBHOOK_URL")
	str(&c.TelegramWebhookSecret, "TELEGRAM_WEBHOOK_SECRET")
	if v := os.Getenv("TELEGRAM_OPERATORS"); v != "" {
		for _, f := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("TELEGRAM_OPERATORS: %q is not a user id", f))
				continue
			}
			c.TelegramOperators = append(c.TelegramOperators, id)
		}
	}
	str(&c.WeChatToken, "WECHAT_TOKEN")
	str(&c.WeChatAESKey, "WECHAT_AES_KEY")
	str(&c.WeChatAppID, "WECHAT_APPID")
	dur(&c.WeChatMaxAge, "WECHAT_MAX_AGE")
	dur(&c.WeChatBudget, "WECHAT_BUDGET")
	return c
}

// durationFlag lets flags take "7d" as well as "168h".
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := bot.ParseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func commonFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Content, "content", c.Content, "content directory (default: the embedded content) [FAQBOT_CONTENT]")
	fs.StringVar(&c.Data, "data", c.Data, "state directory: bbolt store and index [FAQBOT_DATA]")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error [FAQBOT_LOG_LEVEL]")
}

func langFlag(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Lang, "lang", c.Lang, "reply language zh or en (default: the question's language)")
}

func askFlags(fs *flag.FlagSet, c *config) {
	langFlag(fs, c)
	fs.BoolVar(&c.JSON, "json", false, "print one JSON object per question")
}

func evalFlags(fs *flag.FlagSet, c *config) {
	fs.Float64Var(&c.MinTop1, "min-top1", 0, "exit 1 when top-1 accuracy is below this")
	fs.Float64Var(&c.MinAbstain, "min-abstain", 0, "exit 1 when the abstain rate on '-' rows is below this")
	fs.Float64Var(&c.MinPrecision, "min-precision", 0, "exit 1 when the share of answers that are right is below this")
	fs.Float64Var(&c.MaxWrong, "max-wrong", 1, "exit 1 when the share of questions answered with a wrong article is above this")
	fs.Float64Var(&c.MinUncovered, "min-uncovered", 0, "exit 1 when the share of '?' rows answered unsure (or with a listed article) is below this")
}

func reindexFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Server, "server", "", "base URL of a running faqbot to switch (POST /admin/reindex, token from FAQBOT_ADMIN_TOKEN)")
}

func statsFlags(fs *flag.FlagSet, c *config) {
	fs.Var(durationFlag{&c.Since}, "since", "report the questions of this period (e.g. 7d, 24h)")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&c.Suggest, "suggest", false, "propose unanswered questions as new `questions` lines (review before applying)")
}

func serveFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address [FAQBOT_ADDR]")
	fs.Var(durationFlag{&c.Retention}, "retention", "how long the question log is kept [FAQBOT_RETENTION]")
	fs.Var(durationFlag{&c.WeChatMaxAge}, "wechat-max-age", "how far a WeChat timestamp may be from now, 0 = no check [WECHAT_MAX_AGE]")
	fs.Var(durationFlag{&c.WeChatBudget}, "wechat-budget", "answer within this or reply \"success\" [WECHAT_BUDGET]")
}

// validate checks the settings a command uses and reports every problem at once.
func (c *config) validate(cmd string) error {
	errs := append([]error(nil), c.envErrs...)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("-log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.Lang != "" && c.Lang != "zh" && c.Lang != "en" {
		errs = append(errs, fmt.Errorf("-lang %q: want zh or en", c.Lang))
	}
	if c.Data == "" {
		errs = append(errs, errors.New("-data must not be empty"))
	}
	if cmd == "serve" {
		if c.TelegramAPIEndpoint != "" {
			if u, err := url.Parse(c.TelegramAPIEndpoint); err != nil || u.Scheme == "" || u.Host == "" {
				errs = append(errs, fmt.Errorf("TELEGRAM_API_ENDPOINT %q: want a base URL such as http://127.0.0.1:8081", c.TelegramAPIEndpoint))
			}
		}
		if c.TelegramWebhookURL != "" {
			if u, err := url.Parse(c.TelegramWebhookURL); err != nil || u.Scheme != "https" && u.Scheme != "http" {
				errs = append(errs, fmt.Errorf("TELEGRAM_WEBHOOK_URL %q: want an https URL", c.TelegramWebhookURL))
			}
			if c.TelegramToken == "" {
				errs = append(errs, errors.New("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not"))
			}
		}
		if c.WeChatAESKey != "" && len(c.WeChatAESKey) != 43 {
			errs = append(errs, fmt.Errorf("WECHAT_AES_KEY: want the 43-character EncodingAESKey, got %d characters", len(c.WeChatAESKey)))
		}
		if c.WeChatAESKey != "" && c.WeChatToken == "" {
			errs = append(errs, errors.New("WECHAT_AES_KEY is set but WECHAT_TOKEN is not"))
		}
		if c.WeChatAESKey != "" && c.WeChatAppID == "" {
			errs = append(errs, errors.New("WECHAT_AES_KEY is set but WECHAT_APPID is not (safe mode checks it in every message)"))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: invalid configuration:\n  %w", errUsage, errors.Join(errs...))
	}
	return nil
}
