package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"faqbot/bot"
	"faqbot/kb"
)

// Config configures the Telegram front end. It is plain data, so the serve
// command can fill it from the environment and embed it in its own
// configuration; zero values get the defaults documented on each field.
type Config struct {
	// Token is the bot token from @BotFather (TELEGRAM_TOKEN). Never logged.
	Token string
	// APIEndpoint is the base URL of another Bot API server, e.g.
	// http://127.0.0.1:8081 (TELEGRAM_API_ENDPOINT); "" is api.telegram.org.
	APIEndpoint string
	// WebhookURL switches from long polling to webhook mode (TELEGRAM_WEBHOOK_URL).
	WebhookURL string
	// WebhookSecret is the secret_token Telegram echoes in every webhook call
	// (TELEGRAM_WEBHOOK_SECRET). Empty in webhook mode: a random one per
	// process, which is fine for one replica.
	WebhookSecret string
	// Operators are the Telegram user ids allowed /reindex and /stats
	// (TELEGRAM_OPERATORS, comma-separated); none by default.
	Operators []int64
	// Log receives the adapter's logs (default: discarded).
	Log *slog.Logger
	// Metrics counts send errors and rate limiting (nil: not counted).
	Metrics *bot.Metrics
	// PollTimeout is the long-polling wait of one getUpdates (default 30s).
	PollTimeout time.Duration
	// HandleTimeout bounds the handling of one update, rate-limit waits and
	// retries included (default 2m).
	HandleTimeout time.Duration
}

// withDefaults fills in the zero values.
func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 30 * time.Second
	}
	if c.HandleTimeout <= 0 {
		c.HandleTimeout = 2 * time.Minute
	}
	return c
}

// Operator runs the operator commands, which act on the server (the index,
// the curator's log) rather than on the chat, so the serve command
// implements them. A nil Operator makes /reindex and /stats answer "not
// available".
type Operator interface {
	// Reindex rebuilds and swaps the index and returns a report for the chat.
	Reindex(ctx context.Context) (string, error)
	// Stats returns the curator's report (top unanswered, thumbs-down).
	Stats(ctx context.Context) (string, error)
}

// State is what the adapter keeps across restarts: the update offset, claims
// on update ids (so a redelivered update is answered once), each user's
// language, and votes. Users are hashed with HashUser before anything is
// stored or logged. It is declared here, with only what Telegram uses, so the
// adapter does not depend on the store: the state store (faqbot/kb/state)
// satisfies it, and so does bottest.State in tests.
type State interface {
	HashUser(user string) string
	Offset(name string) (int64, error)
	SetOffset(name string, v int64) error
	UserLang(userHash string) (string, error)
	SetUserLang(userHash, lang string) error
	ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error)
	PutTemp(kind, key string, val []byte, ttl time.Duration) error
	RecordVote(v kb.Vote) error
}

const (
	channelName = "telegram"
	offsetKey   = "telegram"        // state store counter: next update id
	claimKind   = "telegram-update" // state store claims: update ids handled
	claimTTL    = 48 * time.Hour    // Telegram keeps undelivered updates 24h
)

// allowedUpdates are the update kinds the bot asks for.
var allowedUpdates = []string{"message", "edited_message", "channel_post", "edited_channel_post", "callback_query", "inline_query"}

// Bot is the Telegram front end: long polling or webhook, one Ask per
// question, HTML replies with inline keyboards. Safe for concurrent use.
type Bot struct {
	cfg       Config
	bot       *tgbotapi.BotAPI
	client    *http.Client
	eng       bot.Asker
	st        State
	ops       Operator
	log       *slog.Logger
	operators map[int64]bool
	secret    string
	send      *sender
	flood     *flood

	// Tunables; tests shorten them.
	backoffMin, backoffMax time.Duration
	drain                  time.Duration
}

// tokenRe is the shape of a bot token; checking it keeps a malformed one
// out of request URLs (and so out of URL parse errors).
var tokenRe = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,100}$`)

// secretTokenRe is what Telegram accepts as a webhook secret_token.
var secretTokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// New checks the token with getMe (a wrong token or an unreachable
// endpoint fails here, with a message that never contains the token) and
// returns the adapter; Run starts it.
func New(ctx context.Context, cfg Config, eng bot.Asker, st State, ops Operator) (*Bot, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("telegram: empty token")
	}
	if !tokenRe.MatchString(cfg.Token) {
		return nil, errors.New("telegram: malformed token (want <bot id>:<secret> as @BotFather gives it)")
	}
	if eng == nil || st == nil {
		return nil, errors.New("telegram: engine and state store are required")
	}
	cfg = cfg.withDefaults()
	endpoint, err := endpointFormat(cfg.APIEndpoint)
	if err != nil {
		return nil, err
	}
	secret := cfg.WebhookSecret
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return nil, errors.New("telegram: the webhook URL is not an http(s) URL")
		}
		if secret == "" {
			b := make([]byte, 24)
			if _, err := rand.Read(b); err != nil {
				return nil, fmt.Errorf("telegram: webhook secret: %w", err)
			}
			secret = hex.EncodeToString(b)
		}
		if !secretTokenRe.MatchString(secret) {
			return nil, errors.New("telegram: webhook secret must be 1-256 characters A-Z a-z 0-9 _ -")
		}
	}
	t := &Bot{
		cfg: cfg, eng: eng, st: st, ops: ops, log: cfg.Log.With("channel", channelName),
		operators: map[int64]bool{}, secret: secret,
		client:     newHTTPClient(cfg.PollTimeout),
		flood:      newFlood(20, time.Minute),
		backoffMin: time.Second, backoffMax: time.Minute, drain: 5 * time.Second,
	}
	for _, id := range cfg.Operators {
		t.operators[id] = true
	}
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, endpoint, t.doer(ctx))
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe failed (check TELEGRAM_TOKEN and TELEGRAM_API_ENDPOINT): %w", err)
	}
	t.bot = api
	t.send = newSender(t.api, t.log, cfg.Metrics)
	t.log.Info("telegram bot ready", "bot", api.Self.UserName, "mode", t.mode())
	return t, nil
}

func (t *Bot) mode() string {
	if t.cfg.WebhookURL != "" {
		return "webhook"
	}
	return "polling"
}

// endpointFormat turns a base URL into the library's "<base>/bot%s/%s" format.
func endpointFormat(base string) (string, error) {
	if base == "" {
		return tgbotapi.APIEndpoint, nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("telegram: API endpoint %q is not an http(s) base URL", base)
	}
	return strings.ReplaceAll(strings.TrimRight(base, "/"), "%", "%%") + "/bot%s/%s", nil
}

// newHTTPClient has timeouts everywhere: a long poll may take up to poll,
// nothing may hang forever.
func newHTTPClient(poll time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: poll + 15*time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: poll + 30*time.Second}
}

// ctxDoer is the library's HTTP client bound to one context, so every Bot API
// call can be cancelled; it strips the token from transport errors.
type ctxDoer struct {
	ctx   context.Context
	c     *http.Client
	token string
}

func (d ctxDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req.WithContext(d.ctx))
	var ue *url.Error
	if errors.As(err, &ue) {
		return nil, &url.Error{Op: ue.Op, URL: strings.ReplaceAll(ue.URL, d.token, "<token>"), Err: ue.Err}
	}
	return resp, err
}

func (t *Bot) doer(ctx context.Context) ctxDoer {
	return ctxDoer{ctx: ctx, c: t.client, token: t.cfg.Token}
}

// api returns the library's client with calls bound to ctx (a shallow copy:
// the library has no per-call context).
func (t *Bot) api(ctx context.Context) *tgbotapi.BotAPI {
	b := *t.bot
	b.Client = t.doer(ctx)
	return &b
}

// Username is the bot's @name (from getMe, without the @), for serve's start-up log.
func (t *Bot) Username() string { return t.bot.Self.UserName }

// handleOne handles one update at most once: the update id is claimed in the
// state store, so a redelivery (webhook retry, restart before the offset was
// saved) is not answered twice. It reports false only when stopping
// interrupted it; the claim is then released so the next run answers it.
func (t *Bot) handleOne(ctx, stopping context.Context, u update) bool {
	key := strconv.Itoa(u.UpdateID)
	claimed, _, err := t.st.ClaimTemp(claimKind, key, nil, claimTTL)
	if err != nil {
		t.log.Warn("telegram claim", "update_id", u.UpdateID, "err", err)
	} else if !claimed {
		t.log.Debug("telegram duplicate update", "update_id", u.UpdateID)
		return true
	}
	err = t.dispatch(ctx, u)
	if err == nil {
		return true
	}
	if stopping.Err() != nil && ctx.Err() != nil {
		if perr := t.st.PutTemp(claimKind, key, nil, -time.Second); perr != nil {
			t.log.Warn("telegram release claim", "update_id", u.UpdateID, "err", perr)
		}
		return false
	}
	t.cfg.Metrics.SendError(channelName)
	t.log.Warn("telegram update failed", "update_id", u.UpdateID, "err", err)
	return true
}

// dispatch routes one update by kind.
func (t *Bot) dispatch(ctx context.Context, u update) error {
	switch {
	case u.Message != nil:
		return t.onMessage(ctx, u.Message, u.thread)
	case u.CallbackQuery != nil:
		return t.onCallback(ctx, u.CallbackQuery, u.thread)
	case u.InlineQuery != nil:
		return t.onInline(ctx, u.InlineQuery)
	default:
		// Edited messages and channel posts: silence is the convention.
		t.log.Debug("telegram update ignored", "update_id", u.UpdateID)
		return nil
	}
}

// userKey is a Telegram user id as the engine and the store see it.
func userKey(u *tgbotapi.User) string {
	if u == nil {
		return ""
	}
	if u.ID < 0 && u.LastName != "" {
		// A sender chat (chat ids are negative) with an admin's signature.
		return strconv.FormatInt(u.ID, 10) + "/" + u.LastName
	}
	return strconv.FormatInt(u.ID, 10)
}

// conversationKey is whom the engine keeps a conversation's context for:
// the user in a private chat, the user in that chat in a group.
func conversationKey(in incoming) string {
	if in.private || in.user == nil {
		return userKey(in.user)
	}
	return strconv.FormatInt(in.chat, 10) + ":" + userKey(in.user)
}

// userLang is the user's stored language ("" if none).
func (t *Bot) userLang(u *tgbotapi.User) string {
	if u == nil {
		return ""
	}
	lang, err := t.st.UserLang(t.st.HashUser(userKey(u)))
	if err != nil {
		t.log.Warn("telegram user language", "err", err)
	}
	return lang
}

// uiLang is the language for menus: stored, else the Telegram client's.
func (t *Bot) uiLang(u *tgbotapi.User) locale {
	if lang := t.userLang(u); lang != "" {
		return locale{lang: lang}
	}
	if u != nil && strings.HasPrefix(strings.ToLower(u.LanguageCode), "en") {
		return locale{lang: "en"}
	}
	return locale{lang: "zh"}
}

// userAttr is the hashed user id for logs.
func (t *Bot) userAttr(u *tgbotapi.User) slog.Attr {
	return slog.String("user", t.st.HashUser(userKey(u)))
}

// incoming is where a reply goes and who it is for.
type incoming struct {
	chat    int64
	thread  int // forum topic (message_thread_id), 0 outside one
	user    *tgbotapi.User
	replyTo int // in groups, the message answered
	private bool
}

func (t *Bot) reply(ctx context.Context, in incoming, msgs ...message) error {
	return t.send.messages(ctx, in.chat, in.thread, in.replyTo, msgs...)
}

// admit applies flood control; the first request over the limit gets "slow
// down" (replied by say), the others nothing.
func (t *Bot) admit(ctx context.Context, in incoming, say func(string) error) (bool, error) {
	key := in.chat
	if in.user != nil {
		key = in.user.ID
	}
	ok, warn := t.flood.allow(key)
	if ok {
		return true, nil
	}
	t.cfg.Metrics.RateLimited(channelName, "flood")
	if !warn {
		return false, nil
	}
	t.log.Info("telegram flood control", t.userAttr(in.user))
	return false, say(t.uiLang(in.user).label("slow"))
}

func (t *Bot) sayTo(ctx context.Context, in incoming) func(string) error {
	return func(s string) error { return t.reply(ctx, in, renderText(s)) }
}

// onMessage handles a new message: commands, questions, other kinds. In
// groups only commands, mentions of the bot and replies to it are answered;
// replies in a forum topic stay in it (thread). Anonymous group admins
// write through a bot account (GroupAnonymousBot) and are answered like
// users, one per group and signature; posts a channel makes in a group are
// answered as that channel; other bots are ignored.
func (t *Bot) onMessage(ctx context.Context, m *tgbotapi.Message, thread int) error {
	if m.Chat == nil {
		return nil
	}
	user, ok := messageSender(m)
	if !ok {
		return nil
	}
	in := incoming{chat: m.Chat.ID, thread: thread, user: user, private: m.Chat.IsPrivate()}
	if !in.private {
		in.replyTo = m.MessageID
	}
	if m.IsCommand() {
		return t.onCommand(ctx, in, m)
	}
	if m.Text == "" { // sticker, photo, voice, file, ... or a service message
		if !in.private || !hasContent(m) {
			return nil
		}
		if ok, err := t.admit(ctx, in, t.sayTo(ctx, in)); !ok {
			return err
		}
		return t.reply(ctx, in, renderText(t.uiLang(in.user).label("text_only")))
	}
	text := m.Text
	if !in.private {
		var addressed bool
		if text, addressed = t.addressed(m); !addressed {
			return nil
		}
	}
	if ok, err := t.admit(ctx, in, t.sayTo(ctx, in)); !ok {
		return err
	}
	return t.ask(ctx, in, text)
}

// addressed reports whether a group message is for the bot (a mention or a
// reply to it) and returns the question without the mention.
func (t *Bot) addressed(m *tgbotapi.Message) (string, bool) {
	if name := "@" + t.bot.Self.UserName; len(name) > 1 {
		for i := strings.IndexByte(m.Text, '@'); i >= 0 && i+len(name) <= len(m.Text); {
			end := i + len(name)
			if strings.EqualFold(m.Text[i:end], name) && (end == len(m.Text) || !isNameChar(m.Text[end])) {
				return m.Text[:i] + " " + m.Text[i+len(name):], true
			}
			j := strings.IndexByte(m.Text[i+1:], '@')
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	r := m.ReplyToMessage
	return m.Text, r != nil && r.From != nil && r.From.ID == t.bot.Self.ID
}

// isNameChar reports whether c can continue a Telegram @username.
func isNameChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// ask answers one question with the engine and replies with the card or the
// no-answer text.
func (t *Bot) ask(ctx context.Context, in incoming, text string) error {
	a, err := t.eng.Ask(ctx, bot.Question{Text: text, Lang: t.userLang(in.user), Channel: channelName, User: conversationKey(in)})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("ask: %w", err)
		}
		t.log.Error("telegram ask", "err", err, t.userAttr(in.user))
		return t.reply(ctx, in, renderText(t.uiLang(in.user).label("error")))
	}
	if a.Reason == bot.ReasonEmpty {
		// No Chinese or English to read (Russian, emoji, digits): ask for
		// text in the user's language (stored, else the client's), not the
		// engine's default.
		ui := t.uiLang(in.user)
		a.Lang, a.Traditional = ui.lang, false
		a.Text, a.Disclaimer = t.eng.Reply(ui.lang, bot.ReasonEmpty), t.eng.Disclaimer(ui.lang)
	}
	return t.reply(ctx, in, t.answerMessage(a))
}

// answerMessage renders an engine answer.
func (t *Bot) answerMessage(a bot.Answer) message {
	if a.Answered {
		if art, ok := t.eng.Article(a.Lang, a.ID); ok {
			return answerCard(a, art).message()
		}
	}
	if a.Reason == bot.ReasonUnsure && len(a.Alternatives) > 0 {
		return renderUnsure(a)
	}
	return renderNoAnswer(a, t.eng.Topics(a.Lang))
}

// commands are the commands the bot knows.
var commands = map[string]bool{"start": true, "help": true, "lang": true, "a": true, "topics": true, "reindex": true, "stats": true}

// onCommand handles /start, /help, /lang, /a, /topics and the operator
// commands. In groups, commands for other bots and unknown ones are ignored.
func (t *Bot) onCommand(ctx context.Context, in incoming, m *tgbotapi.Message) error {
	cmd := strings.ToLower(m.Command())
	_, at, _ := strings.Cut(m.CommandWithAt(), "@")
	if at != "" && !strings.EqualFold(at, t.bot.Self.UserName) {
		return nil
	}
	if !commands[cmd] && !in.private && at == "" {
		return nil
	}
	if ok, err := t.admit(ctx, in, t.sayTo(ctx, in)); !ok {
		return err
	}
	ui := t.uiLang(in.user)
	args := strings.TrimSpace(m.CommandArguments())
	switch cmd {
	case "start", "help":
		return t.reply(ctx, in, renderHelp(ui, t.eng.Reply(ui.lang, bot.ReasonGreeting), t.eng.Examples(ui.lang, 4)))
	case "lang":
		return t.setLang(ctx, in, args)
	case "a":
		id := strings.ToLower(args)
		if id == "" {
			return t.reply(ctx, in, renderText(ui.label("a_usage")))
		}
		art, ok := t.eng.Article(ui.lang, id)
		if !ok {
			return t.reply(ctx, in, renderText(fmt.Sprintf(ui.label("no_article"), bot.Clean(args, 64))))
		}
		return t.reply(ctx, in, renderArticle(art, t.eng.Disclaimer(ui.lang), ui)...)
	case "topics":
		return t.reply(ctx, in, renderTopics(t.eng.Topics(ui.lang), ui)...)
	case "reindex", "stats":
		return t.operator(ctx, in, cmd)
	}
	return t.reply(ctx, in, renderText(ui.label("unknown")))
}

// setLang stores the user's language (/lang zh|en|auto).
func (t *Bot) setLang(ctx context.Context, in incoming, arg string) error {
	before := t.uiLang(in.user)
	lang, label := "", "lang_auto"
	switch strings.ToLower(arg) {
	case "zh", "cn", "中文", "chinese":
		lang, label = "zh", "lang_set"
	case "en", "english", "英文":
		lang, label = "en", "lang_set"
	case "auto":
	default:
		return t.reply(ctx, in, renderText(before.label("lang_usage")))
	}
	if in.user == nil {
		return nil
	}
	if err := t.st.SetUserLang(t.st.HashUser(userKey(in.user)), lang); err != nil {
		t.log.Error("telegram set language", "err", err)
		return t.reply(ctx, in, renderText(before.label("error")))
	}
	if lang != "" {
		before = locale{lang: lang}
	}
	return t.reply(ctx, in, renderText(before.label(label)))
}

// operator runs /reindex or /stats for an operator; anyone else is refused
// and the attempt logged.
func (t *Bot) operator(ctx context.Context, in incoming, cmd string) error {
	ui := t.uiLang(in.user)
	if in.user == nil || !t.operators[in.user.ID] {
		t.log.Warn("telegram operator command refused", "command", cmd, t.userAttr(in.user))
		return t.reply(ctx, in, renderText(ui.label("not_allowed")))
	}
	if t.ops == nil {
		return t.reply(ctx, in, renderText(ui.label("not_available")))
	}
	run := t.ops.Stats
	if cmd == "reindex" {
		run = t.ops.Reindex
	}
	report, err := run(ctx)
	t.log.Info("telegram operator command", "command", cmd, t.userAttr(in.user), "ok", err == nil)
	if err != nil {
		report = ui.label("op_failed") + ": " + err.Error()
	}
	return t.reply(ctx, in, renderPre(report)...)
}

// onCallback handles a button: votes are recorded and acknowledged, the
// others answer with a message. Every callback is answered, so the client
// stops its spinner.
func (t *Bot) onCallback(ctx context.Context, cq *tgbotapi.CallbackQuery, thread int) error {
	// Telegram takes one answer per callback query: ack answers at most once.
	answered := false
	ack := func(text string) error {
		if answered {
			return nil
		}
		answered = true
		return t.send.request(ctx, tgbotapi.NewCallback(cq.ID, text))
	}
	d, ok := parseCallback(cq.Data)
	if !ok || cq.Message == nil || cq.Message.Chat == nil {
		return ack(t.uiLang(cq.From).label("expired"))
	}
	in := incoming{chat: cq.Message.Chat.ID, thread: thread, user: cq.From, private: cq.Message.Chat.IsPrivate()}
	if ok, err := t.admit(ctx, in, ack); !ok {
		if err == nil {
			err = ack("") // silenced: stop the spinner, unless "slow down" did
		}
		return err
	}
	switch d.kind {
	case cbUp, cbDown:
		if _, ok := t.eng.Article(d.lang.lang, d.arg); !ok {
			return ack(d.lang.label("expired"))
		}
		err := t.st.RecordVote(kb.Vote{
			UserHash: t.st.HashUser(userKey(cq.From)), Article: d.arg, Lang: d.lang.lang,
			Channel: channelName, Up: d.kind == cbUp,
		})
		if err != nil {
			t.log.Error("telegram vote", "err", err)
			return ack(d.lang.label("vote_failed"))
		}
		return ack(d.lang.label("thanks"))
	case cbFull, cbArt:
		art, ok := t.eng.Article(d.lang.lang, d.arg)
		if !ok {
			return ack(d.lang.label("expired"))
		}
		if err := ack(""); err != nil {
			return err
		}
		if d.kind == cbFull {
			return t.reply(ctx, in, renderArticle(art, t.eng.Disclaimer(d.lang.lang), d.lang)...)
		}
		return t.reply(ctx, in, articleCard(t.eng, art, d.lang).message())
	case cbTopic:
		for _, tp := range t.eng.Topics(d.lang.lang) {
			if tp.Key == d.arg {
				if err := ack(""); err != nil {
					return err
				}
				return t.reply(ctx, in, renderTopic(tp, d.lang))
			}
		}
	}
	return ack(d.lang.label("expired"))
}

// maxInline is how many articles an inline query offers.
const maxInline = 5

// onInline answers an inline query (@bot question in any chat) with up to
// five articles, each sending title, passage, region line and disclaimer. An
// empty query offers the example questions.
func (t *Bot) onInline(ctx context.Context, q *tgbotapi.InlineQuery) error {
	lang := t.userLang(q.From)
	var cards []card
	if text := bot.Clean(q.Query, 256); text == "" {
		ui := t.uiLang(q.From)
		for _, art := range t.eng.Examples(ui.lang, maxInline) {
			cards = append(cards, articleCard(t.eng, art, ui))
		}
	} else {
		a, err := t.eng.Ask(ctx, bot.Question{Text: text, Lang: lang, Channel: channelName, User: userKey(q.From),
			Alternatives: maxInline - 1, Quiet: true})
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("ask: %w", err)
		}
		if err != nil {
			t.log.Error("telegram inline ask", "err", err)
		}
		if art, ok := t.eng.Article(a.Lang, a.ID); err == nil && a.Answered && ok {
			cards = append(cards, answerCard(a, art))
			l := locale{lang: a.Lang, trad: a.Traditional}
			for _, alt := range a.Alternatives {
				if art, ok := t.eng.Article(a.Lang, alt.ID); ok && len(cards) < maxInline {
					cards = append(cards, articleCard(t.eng, art, l))
				}
			}
		}
	}
	results := make([]any, 0, len(cards))
	for _, c := range cards {
		r := tgbotapi.NewInlineQueryResultArticleHTML(c.Lang.code()+":"+c.ID, c.Title, c.text())
		r.Description = shorten(strings.Join(strings.Fields(c.Body), " "), 100)
		results = append(results, r)
	}
	return t.send.request(ctx, tgbotapi.InlineConfig{
		// Results depend on the user when a language is stored or the
		// examples follow the client's language.
		InlineQueryID: q.ID, Results: results, CacheTime: 300, IsPersonal: lang != "" || strings.TrimSpace(q.Query) == "",
	})
}
