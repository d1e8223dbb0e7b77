package main

import (
	"errors"
	"io"

	"faqbot/bot/ops"
	"faqbot/bot/telegram"
	"faqbot/bot/web"
	"faqbot/bot/wechat"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// config is every setting of every command, filled from the environment and
// then from flags (flags win).
type config struct {
	Content  string // content tree; "" = embedded
	Data     string // state directory: bbolt store and on-disk index
	State    string // postgres:// URL of a shared state store; "" = bbolt under Data
	LogLevel string
	// Cache is where ask, chat and eval keep the search data of the content
	// they load (FAQBOT_CACHE; "off": nowhere): see cacheDir.
	Cache string

	// ask, chat
	Lang string
	JSON bool

	// eval
	MinTop1, MinAbstain    float64
	MinPrecision, MaxWrong float64
	MinUncovered           float64
	MinUseful              float64
	MaxChanged             int
	Helps, Covers, Part    string

	// reindex
	Server string

	// stats
	Since   time.Duration
	Suggest bool

	// serve
	Addr          string
	AdminToken    string
	Retention     time.Duration
	LogMax        int // query-log entries kept at most (FAQBOT_LOG_MAX)
	AnswerTimeout time.Duration
	MaxConns      int // connections open at once (FAQBOT_MAX_CONNS)
	// connections one client keeps open at once (FAQBOT_MAX_CONNS_PER_CLIENT)
	MaxConnsPerClient int

	Telegram telegram.Config

	WeChat wechat.Config

	Web web.Config // relay and web page

	// from names how each setting was given, keyed by its flag name (or
	// its variable for environment-only settings): "FAQBOT_ADDR" when it
	// came from the environment, "-addr" when a flag set it. Errors name a
	// setting the way the user wrote it.
	from    map[string]string
	envErrs []error

	// stderr is where long operations show progress (only on a terminal).
	stderr io.Writer
}

// envFlags maps the flags that also have an environment variable to it.
var envFlags = map[string]string{
	"content": "FAQBOT_CONTENT", "data": "FAQBOT_DATA", "log-level": "FAQBOT_LOG_LEVEL", "addr": "FAQBOT_ADDR",
	"retention": "FAQBOT_RETENTION", "wechat-max-age": "WECHAT_MAX_AGE", "wechat-budget": "WECHAT_BUDGET",
}

// envOnly are the settings read only from the environment (secrets stay
// out of process listings), as `faqbot help serve` lists them: a new
// environment-only setting gets its line here.
var envOnly = []struct{ name, help string }{
	{"FAQBOT_ADMIN_TOKEN", "bearer token for POST /admin/reindex and GET /admin/stats (unset: /admin/* answer 403); also read by reindex -server and stats -server"},
	{"FAQBOT_RELAY_SECRET", "HMAC secret relays sign /api/* requests with (unset: unsigned requests accepted, rate-limited per client, their user ids namespaced by the client's address)"},
	{"FAQBOT_RELAY_OPEN_FROM", "comma-separated IPs/CIDRs of a private network whose unsigned /api/* requests are trusted like signed ones (not rate-limited, user ids as given); unset: none"},
	{"TELEGRAM_TOKEN", "Telegram bot token: turns the Telegram front end on"},
	{"TELEGRAM_API_ENDPOINT", "Bot API base URL (default: Telegram's; e.g. a local Bot API server)"},
	{"TELEGRAM_WEBHOOK_URL", "public https URL of POST /telegram: webhook mode instead of long polling"},
	{"TELEGRAM_WEBHOOK_SECRET", "secret Telegram sends with each webhook call (unset: random per process)"},
	{"TELEGRAM_OPERATORS", "comma-separated Telegram user ids allowed /reindex and /stats"},
	{"WECHAT_TOKEN", "WeChat Official Account token: turns the WeChat front end on (GET, POST /wechat)"},
	{"WECHAT_AES_KEY", "43-character EncodingAESKey: compatible and safe (encrypted) modes"},
	{"WECHAT_APPID", "the account's AppID, checked in every safe-mode message"},
	{"FAQBOT_CACHE", "where ask, chat and eval keep the search data of the content they load, by its hash, so the next run starts without building (default: faqbot under the user cache directory; off: build every time)"},
	{"FAQBOT_TRUSTED_PROXIES", "comma-separated proxy IPs/CIDRs whose X-Forwarded-For names the client (for per-client limits on unsigned web-page requests)"},
}

// setting is how the user gave a setting: "-flag", its environment
// variable, or "-flag" when it was left at its default.
func (c *config) setting(key string) string {
	if v, ok := c.from[key]; ok {
		return v
	}
	if strings.ToUpper(key) == key {
		return key // an environment-only setting
	}
	return "-" + key
}

// flagsSet records the flags given on the command line.
func (c *config) flagsSet(fs *flag.FlagSet) {
	fs.Visit(func(f *flag.Flag) { c.from[f.Name] = "-" + f.Name })
}

func defaultConfig() *config {
	c := &config{
		Data: "./data", Addr: ":8080", LogLevel: "info",
		Retention: 90 * 24 * time.Hour, AnswerTimeout: 10 * time.Second, MaxConns: defaultMaxConns,
		MaxConnsPerClient: defaultMaxConnsPerClient, LogMax: defaultLogMax,
		WeChat: wechat.DefaultConfig(),
		Since:  7 * 24 * time.Hour,
		from:   map[string]string{},
		stderr: io.Discard,
	}
	// keyOf is the key c.from uses for an environment variable: its flag's
	// name when it has one.
	keyOf := func(env string) string {
		for f, e := range envFlags {
			if e == env {
				return f
			}
		}
		return env
	}
	str := func(dst *string, key string) {
		if v, ok := os.LookupEnv(key); ok {
			*dst = strings.TrimSpace(v)
			c.from[keyOf(key)] = key
		}
	}
	dur := func(dst *time.Duration, key string) {
		if v, ok := os.LookupEnv(key); ok && v != "" {
			c.from[keyOf(key)] = key
			d, err := ops.ParseDuration(v)
			if err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("%s: %w", key, err))
				return
			}
			*dst = d
		}
	}
	str(&c.Content, "FAQBOT_CONTENT")
	str(&c.Data, "FAQBOT_DATA")
	str(&c.Cache, "FAQBOT_CACHE")
	str(&c.State, "FAQBOT_STATE")
	str(&c.Addr, "FAQBOT_ADDR")
	str(&c.AdminToken, "FAQBOT_ADMIN_TOKEN")
	str(&c.LogLevel, "FAQBOT_LOG_LEVEL")
	str(&c.Web.Secret, "FAQBOT_RELAY_SECRET")
	if v := strings.TrimSpace(os.Getenv("FAQBOT_TRUSTED_PROXIES")); v != "" {
		p, err := web.ParseTrustedProxies(v)
		if err != nil {
			c.envErrs = append(c.envErrs, fmt.Errorf("FAQBOT_TRUSTED_PROXIES: %w", err))
		}
		c.Web.TrustedProxies = p
	}
	if v := strings.TrimSpace(os.Getenv("FAQBOT_RELAY_OPEN_FROM")); v != "" {
		p, err := web.ParseTrustedProxies(v)
		if err != nil {
			c.envErrs = append(c.envErrs, fmt.Errorf("FAQBOT_RELAY_OPEN_FROM: %w", err))
		}
		c.Web.OpenFrom = p
	}
	if v := strings.TrimSpace(os.Getenv("FAQBOT_MAX_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.envErrs = append(c.envErrs, fmt.Errorf("FAQBOT_MAX_CONNS: %q is not a number of connections (0 = no cap)", v))
		} else {
			c.MaxConns = n
		}
	}
	if v := strings.TrimSpace(os.Getenv("FAQBOT_MAX_CONNS_PER_CLIENT")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.envErrs = append(c.envErrs, fmt.Errorf("FAQBOT_MAX_CONNS_PER_CLIENT: %q is not a number of connections (0 = no cap)", v))
		} else {
			c.MaxConnsPerClient = n
		}
	}
	if v := strings.TrimSpace(os.Getenv("FAQBOT_LOG_MAX")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.envErrs = append(c.envErrs, fmt.Errorf("FAQBOT_LOG_MAX: %q is not a number of questions (0 = no bound)", v))
		} else {
			c.LogMax = n
		}
	}
	dur(&c.Retention, "FAQBOT_RETENTION")
	str(&c.Telegram.Token, "TELEGRAM_TOKEN")
	str(&c.Telegram.APIEndpoint, "TELEGRAM_API_ENDPOINT")
	str(&c.Telegram.WebhookURL, "TELEGRAM_WEBHOOK_URL")
	str(&c.Telegram.WebhookSecret, "TELEGRAM_WEBHOOK_SECRET")
	if v := os.Getenv("TELEGRAM_OPERATORS"); v != "" {
		for _, f := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("TELEGRAM_OPERATORS: %q is not a user id", f))
				continue
			}
			c.Telegram.Operators = append(c.Telegram.Operators, id)
		}
	}
	str(&c.WeChat.Token, "WECHAT_TOKEN")
	str(&c.WeChat.AESKey, "WECHAT_AES_KEY")
	str(&c.WeChat.AppID, "WECHAT_APPID")
	dur(&c.WeChat.MaxAge, "WECHAT_MAX_AGE")
	dur(&c.WeChat.Budget, "WECHAT_BUDGET")
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
	d, err := ops.ParseDuration(s)
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
	fs.Float64Var(&c.MinUseful, "min-useful", 0, "exit 1 when the share of '?' rows given a useful suggestion (or answered by a covering article) is below this")
	fs.StringVar(&c.Helps, "helps", "", "helps TSV (question, useful suggestions, demand cluster); default: FILE's name with -helps.tsv, when it exists")
	fs.StringVar(&c.Covers, "covers", "", "covers TSV (question<TAB>id|id): '?' rows that newer articles answer")
	fs.IntVar(&c.MaxChanged, "max-changed", -1, "pair files: exit 1 when more follow-ups than this get another outcome than the same question alone (-1: no bar)")
	fs.StringVar(&c.Part, "part", "", "score only this part of the set's fixed split: tune or blind (default: all rows)")
}

func reindexFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Server, "server", "", "base URL of a running faqbot to switch (POST /admin/reindex, token from FAQBOT_ADMIN_TOKEN); it must serve the content being linted, or the command fails")
}

func stateFlag(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.State, "state", c.State, "postgres:// URL of the state store shared by replicas (default: bbolt under -data) [FAQBOT_STATE]")
}

func statsFlags(fs *flag.FlagSet, c *config) {
	stateFlag(fs, c)
	fs.Var(durationFlag{&c.Since}, "since", "report the questions of this period (e.g. 7d, 24h)")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&c.Suggest, "suggest", false, "propose unanswered questions as new questions: lines of the closest article (review before adding)")
	fs.StringVar(&c.Server, "server", "", "read the report of a running faqbot (GET /admin/stats, token from FAQBOT_ADMIN_TOKEN) instead of the state store under -data")
}

func serveFlags(fs *flag.FlagSet, c *config) {
	stateFlag(fs, c)
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address [FAQBOT_ADDR]")
	fs.IntVar(&c.MaxConns, "max-conns", c.MaxConns, "connections open at once (idle ones closed first near it), 0 = no cap [FAQBOT_MAX_CONNS]")
	fs.IntVar(&c.MaxConnsPerClient, "max-conns-per-client", c.MaxConnsPerClient, "connections one client address (IPv6: /64) keeps open at once; trusted proxies exempt; 0 = no cap [FAQBOT_MAX_CONNS_PER_CLIENT]")
	fs.Var(durationFlag{&c.Retention}, "retention", "how long the question log is kept [FAQBOT_RETENTION]")
	fs.IntVar(&c.LogMax, "log-max", c.LogMax, "questions the question log keeps at most, the oldest removed by the hourly sweep; 0 = no bound [FAQBOT_LOG_MAX]")
	fs.Var(durationFlag{&c.WeChat.MaxAge}, "wechat-max-age", "how far a WeChat timestamp may be from now, 0 = no check [WECHAT_MAX_AGE]")
	fs.Var(durationFlag{&c.WeChat.Budget}, "wechat-budget", "answer within this or reply \"success\" [WECHAT_BUDGET]")
}

// validate checks the settings a command uses and reports every problem at once.
func (c *config) validate(cmd string) error {
	errs := append([]error(nil), c.envErrs...)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("%s %q: want debug, info, warn or error", c.setting("log-level"), c.LogLevel))
	}
	if c.Lang != "" && c.Lang != "zh" && c.Lang != "en" {
		errs = append(errs, fmt.Errorf("-lang %q: want zh or en", c.Lang))
	}
	if c.Data == "" {
		errs = append(errs, fmt.Errorf("%s must not be empty", c.setting("data")))
	}
	if cmd == "serve" {
		if c.Telegram.APIEndpoint != "" {
			if u, err := url.Parse(c.Telegram.APIEndpoint); err != nil || u.Scheme == "" || u.Host == "" {
				errs = append(errs, fmt.Errorf("TELEGRAM_API_ENDPOINT %q: want a base URL such as http://127.0.0.1:8081", c.Telegram.APIEndpoint))
			}
		}
		if c.Telegram.WebhookURL != "" {
			if u, err := url.Parse(c.Telegram.WebhookURL); err != nil || u.Scheme != "https" && u.Scheme != "http" {
				errs = append(errs, fmt.Errorf("TELEGRAM_WEBHOOK_URL %q: want an https URL", c.Telegram.WebhookURL))
			}
			if c.Telegram.Token == "" {
				errs = append(errs, errors.New("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not"))
			}
		}
		if c.WeChat.AESKey != "" && len(c.WeChat.AESKey) != 43 {
			errs = append(errs, fmt.Errorf("WECHAT_AES_KEY: want the 43-character EncodingAESKey, got %d characters", len(c.WeChat.AESKey)))
		}
		if c.WeChat.AESKey != "" && c.WeChat.Token == "" {
			errs = append(errs, errors.New("WECHAT_AES_KEY is set but WECHAT_TOKEN is not"))
		}
		if c.WeChat.AESKey != "" && c.WeChat.AppID == "" {
			errs = append(errs, errors.New("WECHAT_AES_KEY is set but WECHAT_APPID is not (safe mode checks it in every message)"))
		}
	}
	if len(errs) > 0 {
		var b strings.Builder
		for _, e := range errs {
			for _, line := range strings.Split(e.Error(), "\n") {
				b.WriteString("\n  " + line)
			}
		}
		return fmt.Errorf("%w: invalid configuration:%s", errUsage, b.String())
	}
	return nil
}

// cacheDir is the directory the one-shot commands keep search data in
// ("": none).
func (c *config) cacheDir() string {
	switch c.Cache {
	case "off":
		return ""
	case "":
		dir, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(dir, "faqbot")
	}
	return c.Cache
}
