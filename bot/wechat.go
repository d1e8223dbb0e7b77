package bot

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

// wechatState is what the WeChat adapter keeps between messages; *state.Store
// satisfies it.
type wechatState interface {
	HashUser(user string) string
	UserLang(userHash string) (string, error)
	SetUserLang(userHash, lang string) error
	PutTemp(kind, key string, val []byte, ttl time.Duration) error
	GetTemp(kind, key string) ([]byte, bool, error)
}

const (
	wechatMaxBody       = 64 << 10
	wechatDefaultBudget = 4 * time.Second
	// wechatSeenTTL outlives WeChat's three retries (about 15 s) by far.
	wechatSeenTTL = 10 * time.Minute
	// wechatSessionTTL is how long "回复 1" and "全文" refer to the last answer.
	wechatSessionTTL = 30 * time.Minute
	// wechatAskTimeout bounds an answer still being prepared after the
	// budget has passed (it is kept for a retry).
	wechatAskTimeout = 30 * time.Second
	kindWeChatSeen   = "wechat-msg"
	kindWeChatSess   = "wechat-session"
)

// WeChatConfig configures the WeChat Official Account message server.
type WeChatConfig struct {
	// Token is the message-server token set on the WeChat admin page.
	Token string
	// AESKey is the 43-character EncodingAESKey; empty allows plain mode only.
	AESKey string
	// AppID is checked in every decrypted message; required with AESKey.
	AppID string
	// MaxAge rejects requests whose timestamp is further than this from now
	// (replays); 0 turns the check off.
	MaxAge time.Duration
	// Budget is how long a reply may take before the handler answers
	// "success" instead (WeChat gives up after 5 s); 0 means 4 s.
	Budget time.Duration
	// Log gets rejected requests and failures, with user ids hashed.
	Log *slog.Logger
	// Metrics counts replies that missed the budget; nil counts nothing.
	Metrics *Metrics
}

// WeChat is the WeChat Official Account message server on GET, POST /wechat:
// URL check, plain, compatible and safe (AES) mode.
type WeChat struct {
	cfg    WeChatConfig
	eng    Asker
	st     wechatState
	crypto *wechatCrypto // nil: no AES key, plain mode only
	log    *slog.Logger

	now  func() time.Time
	rand io.Reader

	mu       sync.Mutex
	inflight map[string]*wechatCall
	bg       sync.WaitGroup
}

// wechatCall is one message being answered; retries wait on it.
type wechatCall struct {
	done  chan struct{}
	reply wechatReply
}

// wechatReply is what a message gets: text, or nothing ("success").
type wechatReply struct {
	Content string `json:"c,omitempty"`
	Silent  bool   `json:"s,omitempty"`
}

// wechatSession is a user's last answer, for "回复 1" and "全文".
type wechatSession struct {
	Lang string        `json:"l"`
	ID   string        `json:"i,omitempty"`
	Alts []Alternative `json:"a,omitempty"`
}

// NewWeChat checks the configuration (token present, EncodingAESKey
// decodable, AppID given with a key) and returns the handler.
func NewWeChat(cfg WeChatConfig, eng Asker, st wechatState) (*WeChat, error) {
	if cfg.Token == "" {
		return nil, errors.New("wechat: token is empty")
	}
	if cfg.Budget < 0 || cfg.MaxAge < 0 {
		return nil, errors.New("wechat: negative budget or max age")
	}
	if cfg.Budget == 0 {
		cfg.Budget = wechatDefaultBudget
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	w := &WeChat{cfg: cfg, eng: eng, st: st, log: cfg.Log, now: time.Now, rand: rand.Reader, inflight: map[string]*wechatCall{}}
	if cfg.AESKey != "" {
		if cfg.AppID == "" {
			return nil, errors.New("wechat: an AES key needs the AppID (WECHAT_APPID)")
		}
		c, err := newWeChatCrypto(cfg.AESKey, cfg.AppID)
		if err != nil {
			return nil, err
		}
		w.crypto = c
	}
	return w, nil
}

// Wait blocks until answers still being prepared after their budget are
// stored: call it after the HTTP server has shut down, before closing the
// store.
func (w *WeChat) Wait() { w.bg.Wait() }

// ServeHTTP serves GET (URL check) and POST (messages) on /wechat.
func (w *WeChat) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		w.verifyURL(rw, r)
	case http.MethodPost:
		w.receive(rw, r, start)
	default:
		rw.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// reject answers a bad request with a status and a short reason.
func (w *WeChat) reject(rw http.ResponseWriter, r *http.Request, code int, reason string, err error) {
	attrs := []any{"status", code, "reason", reason}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	w.log.InfoContext(r.Context(), "wechat: rejected", attrs...)
	http.Error(rw, reason, code)
}

// fresh reports whether a request timestamp is within MaxAge of now.
func (w *WeChat) fresh(ts string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if w.cfg.MaxAge == 0 {
		return true
	}
	d := w.now().Sub(time.Unix(sec, 0))
	return d <= w.cfg.MaxAge && d >= -w.cfg.MaxAge
}

// verifyURL is the check WeChat makes when the server URL is saved: echo
// echostr when the signature is right. A msg_signature with an encrypted
// echostr (the WeCom variant) is decrypted first.
func (w *WeChat) verifyURL(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, nonce, echo := q.Get("timestamp"), q.Get("nonce"), q.Get("echostr")
	if msig := q.Get("msg_signature"); msig != "" && w.crypto != nil {
		if !wechatSignatureOK(msig, w.cfg.Token, ts, nonce, echo) {
			w.reject(rw, r, http.StatusUnauthorized, "bad msg_signature", nil)
			return
		}
		plain, err := w.crypto.open(echo)
		if err != nil {
			w.reject(rw, r, http.StatusBadRequest, "bad echostr", err)
			return
		}
		echo = string(plain)
	} else if !wechatSignatureOK(q.Get("signature"), w.cfg.Token, ts, nonce) {
		w.reject(rw, r, http.StatusUnauthorized, "bad signature", nil)
		return
	}
	if !w.fresh(ts) {
		w.reject(rw, r, http.StatusUnauthorized, "stale or bad timestamp", nil)
		return
	}
	if echo == "" {
		w.reject(rw, r, http.StatusBadRequest, "missing echostr", nil)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(rw, echo)
}

// receive handles one pushed message.
func (w *WeChat) receive(rw http.ResponseWriter, r *http.Request, start time.Time) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, wechatMaxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			w.reject(rw, r, http.StatusRequestEntityTooLarge, "body over 64 kB", nil)
			return
		}
		w.reject(rw, r, http.StatusBadRequest, "cannot read body", err)
		return
	}
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	mode := q.Get("encrypt_type")
	safe := mode == "aes" || mode == "" && q.Get("msg_signature") != ""
	if !safe && mode != "" && mode != "raw" {
		w.reject(rw, r, http.StatusBadRequest, "unsupported encrypt_type", nil)
		return
	}
	// Plain mode has only this signature; safe mode adds msg_signature over
	// the ciphertext, and WeChat sends both.
	if sig := q.Get("signature"); sig != "" || !safe {
		if !wechatSignatureOK(sig, w.cfg.Token, ts, nonce) {
			w.reject(rw, r, http.StatusUnauthorized, "bad signature", nil)
			return
		}
	}
	if !w.fresh(ts) {
		w.reject(rw, r, http.StatusUnauthorized, "stale or bad timestamp", nil)
		return
	}
	msg, err := parseWeChatXML(body)
	if err != nil {
		w.reject(rw, r, http.StatusBadRequest, "malformed XML", err)
		return
	}
	if safe && w.crypto == nil {
		// Compatible mode carries the plaintext too: without a key, answer
		// that (it was signed above), in plain text as WeChat accepts there.
		if q.Get("signature") == "" || msg.FromUserName == "" {
			w.reject(rw, r, http.StatusBadRequest, "safe mode is not configured (WECHAT_AES_KEY)", nil)
			return
		}
		safe = false
	}
	if safe {
		if msg.Encrypt == "" {
			w.reject(rw, r, http.StatusBadRequest, "missing Encrypt", nil)
			return
		}
		if !wechatSignatureOK(q.Get("msg_signature"), w.cfg.Token, ts, nonce, msg.Encrypt) {
			w.reject(rw, r, http.StatusUnauthorized, "bad msg_signature", nil)
			return
		}
		plain, err := w.crypto.open(msg.Encrypt)
		if err != nil {
			w.reject(rw, r, http.StatusBadRequest, "cannot decrypt", err)
			return
		}
		if msg, err = parseWeChatXML(plain); err != nil {
			w.reject(rw, r, http.StatusBadRequest, "malformed decrypted XML", err)
			return
		}
	}
	if err := msg.checkMessage(); err != nil {
		w.reject(rw, r, http.StatusBadRequest, "incomplete message", err)
		return
	}
	reply := w.reply(r.Context(), msg, start)
	w.write(rw, r, msg, reply, safe)
}

// write sends the passive reply, encrypted in safe mode.
func (w *WeChat) write(rw http.ResponseWriter, r *http.Request, msg *wechatMsg, reply wechatReply, safe bool) {
	if reply.Silent {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(rw, "success")
		return
	}
	now := w.now().Unix()
	out := wechatTextXML(msg.FromUserName, msg.ToUserName, now, reply.Content)
	if safe {
		enc, err := w.crypto.encryptRandom(w.rand, out)
		nonce, nerr := w.nonce()
		if err = errors.Join(err, nerr); err != nil {
			w.cfg.Metrics.SendError("wechat")
			w.log.ErrorContext(r.Context(), "wechat: encrypt reply", "err", err)
			http.Error(rw, "internal error", http.StatusInternalServerError)
			return
		}
		ts := strconv.FormatInt(now, 10)
		out = wechatEncryptedXML(enc, wechatSignature(w.cfg.Token, ts, nonce, enc), ts, nonce)
	}
	rw.Header().Set("Content-Type", "application/xml; charset=utf-8")
	rw.Write(out)
}

// nonce is a fresh 10-digit reply nonce.
func (w *WeChat) nonce() (string, error) {
	var b [8]byte
	if _, err := io.ReadFull(w.rand, b[:]); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return fmt.Sprintf("%010d", binary.BigEndian.Uint64(b[:])%1e10), nil
}

// dedupKey names a message across WeChat's retries: MsgId, or for events
// (which have none) the sender and CreateTime. The sender is hashed.
func (w *WeChat) dedupKey(m *wechatMsg) string {
	if m.MsgID != "" && !strings.EqualFold(m.MsgType, "event") {
		return "id:" + m.MsgID
	}
	return "ev:" + w.st.HashUser(m.FromUserName) + ":" + m.CreateTime + ":" + strings.ToLower(m.MsgType+"/"+m.Event)
}

// reply returns the reply to m within the budget. The first delivery of a
// message answers it in the background; retries (in this process or after
// a restart, via the store) get the same reply without asking again. When
// the budget passes first, WeChat gets "success" rather than a timeout.
func (w *WeChat) reply(ctx context.Context, m *wechatMsg, start time.Time) wechatReply {
	key := w.dedupKey(m)
	w.mu.Lock()
	c, running := w.inflight[key]
	if !running {
		c = &wechatCall{done: make(chan struct{})}
		w.inflight[key] = c
		w.bg.Add(1)
		go w.answer(context.WithoutCancel(ctx), key, c, m)
	}
	w.mu.Unlock()

	timer := time.NewTimer(w.cfg.Budget - time.Since(start))
	defer timer.Stop()
	select {
	case <-c.done:
		return c.reply
	case <-timer.C:
		w.cfg.Metrics.SendError("wechat")
		w.log.WarnContext(ctx, "wechat: answer not ready within budget, replied success",
			"budget", w.cfg.Budget, "user", w.st.HashUser(m.FromUserName))
		return wechatReply{Silent: true}
	}
}

// answer answers a message unless an earlier delivery already did (the
// store keeps replies across restarts), and stores the reply for retries.
// Concurrent deliveries in this process share the call (see reply), so a
// read suffices: bbolt admits one process per store.
func (w *WeChat) answer(ctx context.Context, key string, c *wechatCall, m *wechatMsg) {
	defer w.bg.Done()
	defer func() {
		w.mu.Lock()
		delete(w.inflight, key)
		w.mu.Unlock()
		close(c.done)
	}()
	if data, ok, err := w.st.GetTemp(kindWeChatSeen, key); err != nil {
		w.log.ErrorContext(ctx, "wechat: dedup lookup", "err", err)
	} else if ok {
		var seen wechatReply
		if json.Unmarshal(data, &seen) == nil {
			c.reply = seen
			return
		}
	}
	ctx, cancel := context.WithTimeout(ctx, wechatAskTimeout)
	defer cancel()
	reply, keep := w.safeProcess(ctx, m)
	c.reply = reply
	if !keep {
		return // an internal error: a retry tries again
	}
	data, _ := json.Marshal(reply)
	if err := w.st.PutTemp(kindWeChatSeen, key, data, wechatSeenTTL); err != nil {
		w.log.ErrorContext(ctx, "wechat: store reply", "err", err)
	}
}

// safeProcess is process with a panic turned into a polite, uncached
// reply: it runs outside net/http's per-request recovery.
func (w *WeChat) safeProcess(ctx context.Context, m *wechatMsg) (reply wechatReply, keep bool) {
	defer func() {
		if p := recover(); p != nil {
			w.log.ErrorContext(ctx, "wechat: panic while answering", "panic", p, "stack", string(debug.Stack()))
			reply, keep = wechatReply{Content: wechatPhrase("zh", "busy")}, false
		}
	}()
	return w.process(ctx, m)
}

// process turns one message into its reply; keep is false for replies that
// must not be cached (internal errors).
func (w *WeChat) process(ctx context.Context, m *wechatMsg) (wechatReply, bool) {
	user := w.st.HashUser(m.FromUserName)
	switch strings.ToLower(m.MsgType) {
	case "text":
		return w.text(ctx, m.FromUserName, user, m.Content)
	case "voice":
		if rec := strings.TrimSpace(m.Recognition); rec != "" {
			return w.text(ctx, m.FromUserName, user, rec)
		}
	case "event":
		if strings.EqualFold(m.Event, "subscribe") {
			lang := w.replyLang(user, nil)
			return wechatReply{Content: w.welcome(lang)}, true
		}
		return wechatReply{Silent: true}, true // unsubscribe, menu clicks, ...
	}
	lang := w.replyLang(user, nil)
	return wechatReply{Content: fitWeChat(w.eng.Reply(lang, ReasonEmpty), wechatMaxBytes)}, true
}

// welcome greets a new follower with example questions.
func (w *WeChat) welcome(lang string) string {
	text := w.eng.Reply(lang, ReasonGreeting) + "\n\n" + wechatPhrase(lang, "switch-hint")
	return fitWeChat(wechatPlain(text), wechatMaxBytes)
}

// explicitLang is the language the user chose with "English" / "中文".
func (w *WeChat) explicitLang(user string) string {
	lang, err := w.st.UserLang(user)
	if err != nil {
		w.log.Error("wechat: user language", "err", err)
	}
	return lang
}

// replyLang is the language for replies that have no text to detect it
// from: the user's choice, else their last answer's, else Chinese.
func (w *WeChat) replyLang(user string, s *wechatSession) string {
	if lang := w.explicitLang(user); lang != "" {
		return lang
	}
	if s == nil {
		s = w.session(user)
	}
	if s != nil && (s.Lang == "zh" || s.Lang == "en") {
		return s.Lang
	}
	return "zh"
}

func (w *WeChat) session(user string) *wechatSession {
	data, ok, err := w.st.GetTemp(kindWeChatSess, user)
	if err != nil {
		w.log.Error("wechat: read session", "err", err)
	}
	var s wechatSession
	if !ok || json.Unmarshal(data, &s) != nil {
		return nil
	}
	return &s
}

func (w *WeChat) saveSession(user string, s wechatSession) {
	data, _ := json.Marshal(s)
	if err := w.st.PutTemp(kindWeChatSess, user, data, wechatSessionTTL); err != nil {
		w.log.Error("wechat: save session", "err", err)
	}
}

// text answers a text message: a command ("1", "全文 <id>", "English") or a
// question for the engine.
func (w *WeChat) text(ctx context.Context, platformUser, user, text string) (wechatReply, bool) {
	cmd := parseWeChatCommand(text)
	switch cmd.kind {
	case wechatCmdLang:
		if err := w.st.SetUserLang(user, cmd.lang); err != nil {
			w.log.ErrorContext(ctx, "wechat: set language", "err", err)
			return wechatReply{Content: wechatPhrase(cmd.lang, "busy")}, false
		}
		return wechatReply{Content: wechatPhrase(cmd.lang, "lang")}, true
	case wechatCmdChoice:
		s := w.session(user)
		if s == nil || cmd.n > len(s.Alts) {
			return wechatReply{Content: wechatPhrase(w.replyLang(user, s), "no-session")}, true
		}
		return w.choose(ctx, platformUser, user, s, s.Alts[cmd.n-1])
	case wechatCmdFull:
		s := w.session(user)
		lang, id := w.replyLang(user, s), cmd.id
		if s != nil && s.Lang != "" {
			lang = s.Lang
		}
		if id == "" && s != nil {
			id = s.ID
		}
		art, ok := w.eng.Article(lang, id)
		if !ok {
			if cmd.id != "" {
				break // "full coverage ..." is a question, not a command
			}
			return wechatReply{Content: wechatPhrase(lang, "no-article")}, true
		}
		page, _ := renderWeChatPage(art, w.eng.Disclaimer(lang), cmd.page)
		if s == nil {
			s = &wechatSession{Lang: lang}
		}
		s.ID = art.ID
		w.saveSession(user, *s)
		return wechatReply{Content: page}, true
	}
	a, err := w.eng.Ask(ctx, Question{Text: text, Lang: w.explicitLang(user), Channel: "wechat", User: platformUser})
	if err != nil {
		w.log.ErrorContext(ctx, "wechat: ask", "err", err)
		return wechatReply{Content: wechatPhrase(w.replyLang(user, nil), "busy")}, false
	}
	w.remember(user, a)
	return wechatReply{Content: w.render(a)}, true
}

// choose answers a numbered runner-up: asked by its title, so it is
// journaled like a question and keeps Traditional characters; if the engine
// ranks another article first, the chosen one is shown anyway.
func (w *WeChat) choose(ctx context.Context, platformUser, user string, s *wechatSession, alt Alternative) (wechatReply, bool) {
	a, err := w.eng.Ask(ctx, Question{Text: alt.Title, Lang: s.Lang, Channel: "wechat", User: platformUser})
	if err != nil {
		w.log.ErrorContext(ctx, "wechat: ask", "err", err)
		return wechatReply{Content: wechatPhrase(s.Lang, "busy")}, false
	}
	if !a.Answered || a.ID != alt.ID {
		art, ok := w.eng.Article(s.Lang, alt.ID)
		if !ok {
			return wechatReply{Content: wechatPhrase(s.Lang, "no-article")}, true
		}
		a = ArticleAnswer(art, w.eng.Disclaimer(s.Lang))
	}
	w.remember(user, a)
	return wechatReply{Content: w.render(a)}, true
}

// render renders an answer with its article's region line.
func (w *WeChat) render(a Answer) string {
	art, _ := w.eng.Article(a.Lang, a.ID)
	return renderWeChatAnswer(a, art)
}

// remember stores what "1/2/3" and "全文" refer to next.
func (w *WeChat) remember(user string, a Answer) {
	s := wechatSession{Lang: a.Lang}
	if a.Answered {
		s.ID, s.Alts = a.ID, a.Alternatives
	}
	w.saveSession(user, s)
}

// wechatCommand is a text message the adapter handles itself.
type wechatCommand struct {
	kind wechatCmd
	n    int    // choice number, 1-based
	id   string // article for "全文"
	page int
	lang string
}

type wechatCmd int

const (
	wechatCmdNone wechatCmd = iota
	wechatCmdChoice
	wechatCmdFull
	wechatCmdLang
)

// fullWidth maps full-width digits and spaces that Chinese keyboards type.
var fullWidth = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "　", " ", "“", " ", "”", " ", "\"", " ", "：", " ", ":", " ")

// parseWeChatCommand recognises "1".."9", "全文 [id] [page]" / "full [id]
// [page]" and "English" / "中文"; anything else is a question.
func parseWeChatCommand(text string) wechatCommand {
	t := strings.ToLower(strings.TrimSpace(fullWidth.Replace(text)))
	t = strings.TrimSpace(strings.TrimPrefix(t, "回复"))
	t = strings.TrimSpace(strings.TrimPrefix(t, "reply "))
	switch t {
	case "english", "英文", "en":
		return wechatCommand{kind: wechatCmdLang, lang: "en"}
	case "中文", "chinese", "zh", "汉语", "中文回复":
		return wechatCommand{kind: wechatCmdLang, lang: "zh"}
	}
	if len(t) == 1 && t[0] >= '1' && t[0] <= '9' {
		return wechatCommand{kind: wechatCmdChoice, n: int(t[0] - '0')}
	}
	var rest string
	switch {
	case strings.HasPrefix(t, "全文"):
		rest = t[len("全文"):]
	case t == "full" || strings.HasPrefix(t, "full "):
		rest = t[len("full"):]
	default:
		return wechatCommand{}
	}
	f := strings.Fields(rest)
	cmd := wechatCommand{kind: wechatCmdFull, page: 1}
	if len(f) == 1 {
		if p, err := strconv.Atoi(f[0]); err == nil && p >= 1 {
			cmd.page = p // "全文 2": page 2 of the last article
			return cmd
		}
	}
	if len(f) > 2 || len(f) > 0 && !articleID(f[0]) {
		return wechatCommand{}
	}
	if len(f) > 0 {
		cmd.id = f[0]
	}
	if len(f) == 2 {
		p, err := strconv.Atoi(f[1])
		if err != nil || p < 1 {
			return wechatCommand{}
		}
		cmd.page = p
	}
	return cmd
}

// articleID reports whether s looks like an article id.
func articleID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
