package wechat

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"faqbot/bot/httperr"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"faqbot/bot"
)

// State is what the adapter keeps between messages: per-user language,
// the last answer (for "回复 1" and "全文"), the replies to recent
// messages (for WeChat's retries) and the plain-mode signatures already
// used (claimed atomically, so a signature serves one message). The state
// store satisfies it.
type State interface {
	HashUser(user string) string
	UserLang(userHash string) (string, error)
	SetUserLang(userHash, lang string) error
	PutTemp(kind, key string, val []byte, ttl time.Duration) error
	GetTemp(kind, key string) ([]byte, bool, error)
	ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error)
}

const (
	// channel names the adapter in questions, logs and metrics.
	channel       = "wechat"
	maxBody       = 64 << 10
	defaultBudget = 4 * time.Second
	// seenTTL outlives WeChat's three retries (about 15 s) by far.
	seenTTL = 10 * time.Minute
	// sessionTTL is how long "回复 1" and "全文" refer to the last answer.
	sessionTTL = 30 * time.Minute
	// askTimeout bounds an answer still being prepared after the budget has
	// passed (it is kept for a retry).
	askTimeout = 30 * time.Second
	// sigTTLNoMaxAge is how long a plain-mode signature is remembered when
	// the timestamp check is off (MaxAge 0).
	sigTTLNoMaxAge = 24 * time.Hour
	// Kinds of temporary values in State; stored data depends on them.
	kindSeen    = "wechat-msg"
	kindSession = "wechat-session"
	kindSig     = "wechat-sig"
)

// Config configures the WeChat Official Account message server. Start from
// DefaultConfig; New fills in what is still zero.
type Config struct {
	// Token is the message-server token set on the WeChat admin page.
	// Env: WECHAT_TOKEN; required.
	Token string
	// AESKey is the 43-character EncodingAESKey; empty allows plain mode only.
	// Env: WECHAT_AES_KEY.
	AESKey string
	// AppID is checked in every decrypted message; required with AESKey.
	// Env: WECHAT_APPID.
	AppID string
	// MaxAge rejects requests whose timestamp is further than this from now
	// (replays); 0 turns the check off.
	// Env: WECHAT_MAX_AGE; 5 min in DefaultConfig.
	MaxAge time.Duration
	// Budget is how long a reply may take before the handler answers
	// "success" instead (WeChat gives up after 5 s); 0 means 4 s.
	// Env: WECHAT_BUDGET.
	Budget time.Duration
	// Log gets rejected requests and failures, with user ids hashed; nil
	// logs nothing.
	Log *slog.Logger
	// Metrics counts replies that missed the budget or could not be sent;
	// nil counts nothing.
	Metrics Metrics
}

// DefaultConfig is the configuration before the environment and flags are
// applied: a 5-minute replay window and a 4-second budget.
func DefaultConfig() Config {
	return Config{MaxAge: 5 * time.Minute, Budget: defaultBudget}
}

// Server is the WeChat Official Account message server on GET, POST
// /wechat: URL check, plain, compatible and safe (AES) mode.
type Server struct {
	cfg    Config
	eng    bot.Asker
	st     State
	crypto *msgCrypto // nil: no AES key, plain mode only
	log    *slog.Logger

	now  func() time.Time
	rand io.Reader

	mu       sync.Mutex
	inflight map[string]*call
	bg       sync.WaitGroup
}

// call is one message being answered; retries wait on it.
type call struct {
	done  chan struct{}
	reply reply
	// late: another delivery (another replica) is answering the message
	// and its reply was not ready by the deadline.
	late bool
}

// reply is what a message gets: text, or nothing ("success"). Its JSON
// form is stored for retries.
type reply struct {
	Content string `json:"c,omitempty"`
	Silent  bool   `json:"s,omitempty"`
}

// session is a user's last answer, for "回复 1" and "全文".
type session struct {
	Lang string            `json:"l"`
	ID   string            `json:"i,omitempty"`
	Alts []bot.Alternative `json:"a,omitempty"`
}

// New checks the configuration (token present, EncodingAESKey decodable,
// AppID given with a key), fills in its defaults and returns the handler.
func New(cfg Config, eng bot.Asker, st State) (*Server, error) {
	if cfg.Token == "" {
		return nil, errors.New("wechat: token is empty")
	}
	if cfg.Budget < 0 || cfg.MaxAge < 0 {
		return nil, errors.New("wechat: negative budget or max age")
	}
	if cfg.Budget == 0 {
		cfg.Budget = defaultBudget
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	w := &Server{cfg: cfg, eng: eng, st: st, log: cfg.Log, now: time.Now, rand: rand.Reader, inflight: map[string]*call{}}
	if cfg.AESKey != "" {
		if cfg.AppID == "" {
			return nil, errors.New("wechat: an AES key needs the AppID (WECHAT_APPID)")
		}
		c, err := newMsgCrypto(cfg.AESKey, cfg.AppID)
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
func (w *Server) Wait() { w.bg.Wait() }

// ServeHTTP serves GET (URL check) and POST (messages) on /wechat.
func (w *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var err error
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		err = w.verifyURL(rw, r)
	case http.MethodPost:
		err = w.receive(rw, r, start)
	default:
		rw.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
	}
	if err != nil {
		w.fail(rw, r, err)
	}
}

// fresh reports whether a request timestamp is within MaxAge of now.
func (w *Server) fresh(ts string) bool {
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
func (w *Server) verifyURL(rw http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ts, nonce, echo := q.Get("timestamp"), q.Get("nonce"), q.Get("echostr")
	if msig := q.Get("msg_signature"); msig != "" && w.crypto != nil {
		if !signatureOK(msig, w.cfg.Token, ts, nonce, echo) {
			return reject(http.StatusUnauthorized, "bad msg_signature", nil)
		}
		plain, err := w.crypto.open(echo)
		if err != nil {
			return reject(http.StatusBadRequest, "bad echostr", err)
		}
		echo = string(plain)
	} else if !signatureOK(q.Get("signature"), w.cfg.Token, ts, nonce) {
		return reject(http.StatusUnauthorized, "bad signature", nil)
	} else if w.fresh(ts) && echo != "" {
		// A plain URL check's signature is a push's (token, timestamp,
		// nonce): claim it for the URL check, so that whoever sees the
		// check cannot send one message under it.
		if err := w.claimSignatureFor(r.Context(), q, urlCheckClaim); err != nil {
			return err
		}
	}
	if !w.fresh(ts) {
		return reject(http.StatusUnauthorized, "stale or bad timestamp", nil)
	}
	if echo == "" {
		return reject(http.StatusBadRequest, "missing echostr", nil)
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(rw, echo)
	return nil
}

// receive handles one pushed message: read, authenticate and decode it,
// answer it within the budget, write the reply.
func (w *Server) receive(rw http.ResponseWriter, r *http.Request, start time.Time) error {
	body, err := readBody(rw, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	msg, safe, err := w.decode(q, body)
	if err != nil {
		return err
	}
	if !safe {
		if err := w.claimSignature(r.Context(), q, msg); err != nil {
			return err
		}
	}
	return w.write(rw, msg, w.replyWithin(r.Context(), msg, start), safe)
}

// claimSignature binds a plain-mode signature to the one message it first
// came with. That signature covers the token, timestamp and nonce but not
// the body, so whoever sees one push URL could otherwise send any message
// under it while the timestamp is fresh. A repeat with the same sender and
// message (WeChat's retry) passes and gets the same reply; any other body
// is refused. A store failure is logged and the message let through: the
// timestamp check still bounds the exposure.
func (w *Server) claimSignature(ctx context.Context, q url.Values, m *message) error {
	return w.claimSignatureFor(ctx, q, w.dedupKey(m))
}

// urlCheckClaim is what a plain URL check claims its signature for: a
// repeated check passes, a push under the same signature does not.
const urlCheckClaim = "url-check"

// claimSignatureFor claims a plain-mode signature for use (a message's
// dedupe key, or urlCheckClaim).
func (w *Server) claimSignatureFor(ctx context.Context, q url.Values, use string) error {
	ttl := 2 * w.cfg.MaxAge // a timestamp is accepted MaxAge either side of it
	if ttl == 0 {
		ttl = sigTTLNoMaxAge
	}
	key := q.Get("timestamp") + ":" + q.Get("nonce") + ":" + strings.ToLower(q.Get("signature"))
	mine := []byte(use)
	claimed, first, err := w.st.ClaimTemp(kindSig, key, mine, ttl)
	switch {
	case err != nil:
		w.log.ErrorContext(ctx, "wechat: remember signature", "err", err)
	case !claimed && string(first) != string(mine):
		return reject(http.StatusForbidden, "signature already used for another message", nil)
	}
	return nil
}

// readBody reads the request body, at most maxBody bytes.
func readBody(rw http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, reject(http.StatusRequestEntityTooLarge, "body over 64 kB", nil)
		}
		return nil, reject(http.StatusBadRequest, "cannot read body", err)
	}
	return body, nil
}

// decode checks a pushed message's signatures and timestamp and returns
// the message, decrypted in safe mode; safe reports whether the reply must
// be encrypted.
func (w *Server) decode(q url.Values, body []byte) (msg *message, safe bool, err error) {
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	mode := q.Get("encrypt_type")
	safe = mode == "aes" || mode == "" && q.Get("msg_signature") != ""
	if !safe && mode != "" && mode != "raw" {
		return nil, false, reject(http.StatusBadRequest, "unsupported encrypt_type", nil)
	}
	// Plain mode has only this signature; safe mode adds msg_signature over
	// the ciphertext, and WeChat sends both.
	if sig := q.Get("signature"); sig != "" || !safe {
		if !signatureOK(sig, w.cfg.Token, ts, nonce) {
			return nil, false, reject(http.StatusUnauthorized, "bad signature", nil)
		}
	}
	if !w.fresh(ts) {
		return nil, false, reject(http.StatusUnauthorized, "stale or bad timestamp", nil)
	}
	if !safe && w.crypto != nil {
		// Safe mode is configured: a plaintext push is a downgrade (its
		// signature does not cover the body), whatever it carries.
		return nil, false, reject(http.StatusForbidden, "plaintext push refused: safe mode is configured, want encrypt_type=aes", nil)
	}
	msg, err = parseXML(body)
	if err != nil {
		return nil, false, reject(http.StatusBadRequest, "malformed XML", err)
	}
	if safe && w.crypto == nil {
		// Compatible mode carries the plaintext too: without a key, answer
		// that (it was signed above), in plain text as WeChat accepts there.
		if q.Get("signature") == "" || msg.FromUserName == "" {
			return nil, false, reject(http.StatusBadRequest, "safe mode is not configured (WECHAT_AES_KEY)", nil)
		}
		safe = false
	}
	if safe {
		// Only the encrypted copy is trusted, not the plaintext fields.
		if msg.Encrypt == "" {
			return nil, false, reject(http.StatusBadRequest, "missing Encrypt", nil)
		}
		if !signatureOK(q.Get("msg_signature"), w.cfg.Token, ts, nonce, msg.Encrypt) {
			return nil, false, reject(http.StatusUnauthorized, "bad msg_signature", nil)
		}
		plain, err := w.crypto.open(msg.Encrypt)
		if err != nil {
			return nil, false, reject(http.StatusBadRequest, "cannot decrypt", err)
		}
		if msg, err = parseXML(plain); err != nil {
			return nil, false, reject(http.StatusBadRequest, "malformed decrypted XML", err)
		}
	}
	if err := msg.checkMessage(); err != nil {
		return nil, false, reject(http.StatusBadRequest, "incomplete message", err)
	}
	return msg, safe, nil
}

// write sends the passive reply, encrypted in safe mode.
func (w *Server) write(rw http.ResponseWriter, msg *message, rep reply, safe bool) error {
	if rep.Silent {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(rw, "success")
		return nil
	}
	now := w.now().Unix()
	out := replyXML(msg.FromUserName, msg.ToUserName, now, rep.Content)
	if safe {
		enc, err := w.crypto.encryptRandom(w.rand, out)
		nonce, nerr := w.nonce()
		if err = errors.Join(err, nerr); err != nil {
			return httperr.New(http.StatusInternalServerError, "encrypt reply", err)
		}
		ts := strconv.FormatInt(now, 10)
		out = encryptedXML(enc, signature(w.cfg.Token, ts, nonce, enc), ts, nonce)
	}
	rw.Header().Set("Content-Type", "application/xml; charset=utf-8")
	rw.Write(out)
	return nil
}

// nonce is a fresh 10-digit reply nonce.
func (w *Server) nonce() (string, error) {
	var b [8]byte
	if _, err := io.ReadFull(w.rand, b[:]); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return fmt.Sprintf("%010d", binary.BigEndian.Uint64(b[:])%1e10), nil
}

// dedupKey names a message across WeChat's retries: the sender and MsgId
// (a MsgId is unique per sender only: public samples share one), or for
// events (which have none) the sender and CreateTime. The sender is hashed.
func (w *Server) dedupKey(m *message) string {
	if m.MsgID != "" && !strings.EqualFold(m.MsgType, "event") {
		return "id:" + w.st.HashUser(m.FromUserName) + ":" + m.MsgID
	}
	return "ev:" + w.st.HashUser(m.FromUserName) + ":" + m.CreateTime + ":" + strings.ToLower(m.MsgType+"/"+m.Event)
}

// replyWithin returns the reply to m within the budget. The first delivery
// of a message answers it in the background; retries (in this process, in
// another replica sharing the store, or after a restart) get the same reply
// without asking again. When the budget passes first, WeChat gets "success"
// rather than a timeout.
func (w *Server) replyWithin(ctx context.Context, m *message, start time.Time) reply {
	key := w.dedupKey(m)
	deadline := start.Add(w.cfg.Budget)
	w.mu.Lock()
	c, running := w.inflight[key]
	if !running {
		c = &call{done: make(chan struct{})}
		w.inflight[key] = c
		w.bg.Add(1)
		go w.answer(context.WithoutCancel(ctx), key, c, m, deadline)
	}
	w.mu.Unlock()

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-c.done:
		if c.late {
			w.cfg.Metrics.SendError(channel)
			w.log.WarnContext(ctx, "wechat: retry of a message another replica is answering; its reply was not ready within budget, replied success",
				"budget", w.cfg.Budget, "user", w.st.HashUser(m.FromUserName))
		}
		return c.reply
	case <-timer.C:
		w.cfg.Metrics.SendError(channel)
		w.log.WarnContext(ctx, "wechat: answer not ready within budget, replied success",
			"budget", w.cfg.Budget, "user", w.st.HashUser(m.FromUserName))
		return reply{Silent: true}
	}
}

// pendingReply is what a message's claim holds until its reply is stored.
// It is not JSON on purpose: a replica of an older version, which reads the
// key without claiming it, takes it for no reply and answers the message
// itself, as it did before claims existed.
const pendingReply = "pending"

// pendingTTL bounds a claim whose reply never comes (the replica answering
// it died): the answering replica gives up after askTimeout anyway. Until it
// expires, retries reaching other replicas get "success", so a message is
// answered at most once.
const pendingTTL = askTimeout + 5*time.Second

// storedReply decodes a reply kept for retries; ok is false for a pending
// claim.
func storedReply(data []byte) (rep reply, ok bool) {
	return rep, string(data) != pendingReply && json.Unmarshal(data, &rep) == nil
}

// answer answers a message unless another delivery already did or is doing
// it, and stores the reply for retries. Concurrent deliveries in this
// process share the call (see replyWithin); across processes sharing the
// store (replicas on one PostgreSQL) the message is claimed atomically
// (ClaimTemp): one replica answers, and a delivery that loses the claim
// waits until the deadline for the winner's reply, polling the store, and
// returns it, or "success" if it is not ready in time.
func (w *Server) answer(ctx context.Context, key string, c *call, m *message, deadline time.Time) {
	defer w.bg.Done()
	defer func() {
		w.mu.Lock()
		delete(w.inflight, key)
		w.mu.Unlock()
		close(c.done)
	}()
	if rep, done, late := w.claim(ctx, key, deadline); done {
		c.reply, c.late = rep, late
		return
	}
	actx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	rep, keep := w.safeProcess(actx, m)
	c.reply = rep
	if !keep {
		// An internal error: release the claim so that a retry, here or on
		// another replica, tries again.
		if err := w.st.PutTemp(kindSeen, key, nil, -time.Second); err != nil {
			w.log.ErrorContext(ctx, "wechat: release message claim", "err", err)
		}
		return
	}
	data, _ := json.Marshal(rep)
	if err := w.st.PutTemp(kindSeen, key, data, seenTTL); err != nil {
		w.log.ErrorContext(ctx, "wechat: store reply", "err", err)
	}
}

// claim claims message key for this delivery. It returns done=false when
// this delivery is to answer it (it won the claim, or the store failed and
// answering is the lesser harm), else the reply another delivery stored, or
// a silent one with late=true when that reply was not ready by deadline.
func (w *Server) claim(ctx context.Context, key string, deadline time.Time) (rep reply, done, late bool) {
	wait := 20 * time.Millisecond
	for {
		won, prev, err := w.st.ClaimTemp(kindSeen, key, []byte(pendingReply), pendingTTL)
		if err != nil {
			w.log.ErrorContext(ctx, "wechat: claim message", "err", err)
			return reply{}, false, false
		}
		if won {
			return reply{}, false, false
		}
		if rep, ok := storedReply(prev); ok {
			return rep, true, false
		}
		// Being answered elsewhere: wait for the reply. If the claim goes
		// away (released after an internal error, or expired), claim again.
		for {
			left := time.Until(deadline)
			if left <= 0 {
				return reply{Silent: true}, true, true
			}
			time.Sleep(min(wait, left))
			wait = min(2*wait, 200*time.Millisecond)
			data, ok, err := w.st.GetTemp(kindSeen, key)
			if err != nil {
				w.log.ErrorContext(ctx, "wechat: read stored reply", "err", err)
				continue
			}
			if !ok {
				break
			}
			if rep, ok := storedReply(data); ok {
				return rep, true, false
			}
		}
	}
}

// safeProcess is process with a panic turned into a polite, uncached
// reply: it runs outside net/http's per-request recovery.
func (w *Server) safeProcess(ctx context.Context, m *message) (rep reply, keep bool) {
	defer func() {
		if p := recover(); p != nil {
			w.log.ErrorContext(ctx, "wechat: panic while answering", "panic", p, "stack", string(debug.Stack()))
			rep, keep = reply{Content: phrase("zh", "busy")}, false
		}
	}()
	return w.process(ctx, m)
}

// process turns one message into its reply; keep is false for replies that
// must not be cached (internal errors).
func (w *Server) process(ctx context.Context, m *message) (reply, bool) {
	user := w.st.HashUser(m.FromUserName)
	switch strings.ToLower(m.MsgType) {
	case "text":
		return w.text(ctx, m.FromUserName, user, m.Content)
	case "voice":
		if rec := strings.TrimSpace(m.Recognition); rec != "" {
			return w.text(ctx, m.FromUserName, user, rec)
		}
	case "event":
		switch strings.ToLower(m.Event) {
		case "subscribe", "scan":
			lang := w.replyLang(user, nil)
			return reply{Content: w.welcome(lang)}, true
		case "click":
			return w.menu(user, m.EventKey), true
		}
		return reply{Silent: true}, true // unsubscribe, VIEW (a link opened), LOCATION, ...
	}
	lang := w.replyLang(user, nil)
	return reply{Content: fit(w.eng.Reply(lang, bot.ReasonEmpty), maxBytes)}, true
}

// menu answers a click on the account's menu. A key names an article
// ("article:lost-card" or just its id) or a topic ("topic:card" or the
// topic's key): the article's direct answer, or the topic's articles
// numbered so that "1" opens one. Any other key gets the topic list.
func (w *Server) menu(user, key string) reply {
	lang := w.replyLang(user, nil)
	key = strings.TrimSpace(key)
	id := strings.TrimPrefix(key, "article:")
	if art, ok := w.eng.Article(lang, id); ok && id != "" {
		a := bot.ArticleAnswer(art, w.eng.Disclaimer(lang))
		w.remember(user, a)
		return reply{Content: renderAnswer(a, art)}
	}
	name := strings.TrimPrefix(key, "topic:")
	for _, t := range w.eng.Topics(lang) {
		if !strings.EqualFold(t.Key, name) && t.Name != name {
			continue
		}
		s := session{Lang: lang}
		var b strings.Builder
		b.WriteString(t.Name + "\n")
		for i, art := range t.Articles {
			if i == 9 {
				break
			}
			s.Alts = append(s.Alts, bot.Alternative{ID: art.ID, Title: art.Title})
			fmt.Fprintf(&b, "\n%d. %s", i+1, art.Title)
		}
		b.WriteString("\n\n" + phrase(lang, "pick-hint"))
		w.saveSession(user, s)
		return reply{Content: fit(b.String(), maxBytes)}
	}
	return reply{Content: w.welcome(lang)}
}

// welcome greets a new follower with example questions.
func (w *Server) welcome(lang string) string {
	text := w.eng.Reply(lang, bot.ReasonGreeting) + "\n\n" + phrase(lang, "switch-hint")
	return fit(plainText(text), maxBytes)
}

// explicitLang is the language the user chose with "English" / "中文".
func (w *Server) explicitLang(user string) string {
	lang, err := w.st.UserLang(user)
	if err != nil {
		w.log.Error("wechat: user language", "err", err)
	}
	return lang
}

// replyLang is the language for replies that have no text to detect it
// from: the user's choice, else their last answer's, else Chinese.
func (w *Server) replyLang(user string, s *session) string {
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

func (w *Server) session(user string) *session {
	data, ok, err := w.st.GetTemp(kindSession, user)
	if err != nil {
		w.log.Error("wechat: read session", "err", err)
	}
	var s session
	if !ok || json.Unmarshal(data, &s) != nil {
		return nil
	}
	return &s
}

func (w *Server) saveSession(user string, s session) {
	data, _ := json.Marshal(s)
	if err := w.st.PutTemp(kindSession, user, data, sessionTTL); err != nil {
		w.log.Error("wechat: save session", "err", err)
	}
}

// text answers a text message: a command ("1", "全文 <id>", "English") or a
// question for the engine.
func (w *Server) text(ctx context.Context, platformUser, user, text string) (reply, bool) {
	cmd := parseCommand(text)
	switch cmd.kind {
	case cmdLang:
		if err := w.st.SetUserLang(user, cmd.lang); err != nil {
			w.log.ErrorContext(ctx, "wechat: set language", "err", err)
			return reply{Content: phrase(cmd.lang, "busy")}, false
		}
		return reply{Content: phrase(cmd.lang, "lang")}, true
	case cmdChoice:
		s := w.session(user)
		if s == nil || cmd.n > len(s.Alts) {
			return reply{Content: phrase(w.replyLang(user, s), "no-session")}, true
		}
		return w.choose(ctx, platformUser, user, s, s.Alts[cmd.n-1])
	case cmdFull:
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
			return reply{Content: phrase(lang, "no-article")}, true
		}
		page, _ := renderPage(art, w.eng.Disclaimer(lang), cmd.page)
		if s == nil {
			s = &session{Lang: lang}
		}
		s.ID = art.ID
		w.saveSession(user, *s)
		return reply{Content: page}, true
	}
	a, err := w.eng.Ask(ctx, bot.Question{Text: text, Lang: w.explicitLang(user), Channel: channel, User: platformUser})
	if err != nil {
		w.log.ErrorContext(ctx, "wechat: ask", "err", err)
		return reply{Content: phrase(w.replyLang(user, nil), "busy")}, false
	}
	if a.Reason == bot.ReasonEmpty {
		// No Chinese or English to read (Russian, emoji, digits): ask for
		// text in the user's language, not the engine's default, and keep
		// the session ("1", "全文" still refer to the last answer).
		lang := w.replyLang(user, nil)
		return reply{Content: renderAnswer(bot.Answer{Lang: lang, Reason: a.Reason, Text: w.eng.Reply(lang, bot.ReasonEmpty)}, nil)}, true
	}
	w.remember(user, a)
	return reply{Content: w.render(a)}, true
}

// choose answers a numbered runner-up: asked by its title, so it is
// journaled like a question and keeps Traditional characters; if the engine
// ranks another article first, the chosen one is shown anyway.
func (w *Server) choose(ctx context.Context, platformUser, user string, s *session, alt bot.Alternative) (reply, bool) {
	a, err := w.eng.Ask(ctx, bot.Question{Text: alt.Title, Lang: s.Lang, Channel: channel, User: platformUser})
	if err != nil {
		w.log.ErrorContext(ctx, "wechat: ask", "err", err)
		return reply{Content: phrase(s.Lang, "busy")}, false
	}
	if !a.Answered || a.ID != alt.ID {
		art, ok := w.eng.Article(s.Lang, alt.ID)
		if !ok {
			return reply{Content: phrase(s.Lang, "no-article")}, true
		}
		a = bot.ArticleAnswer(art, w.eng.Disclaimer(s.Lang))
	}
	w.remember(user, a)
	return reply{Content: w.render(a)}, true
}

// render renders an answer with its article's region line.
func (w *Server) render(a bot.Answer) string {
	art, _ := w.eng.Article(a.Lang, a.ID)
	return renderAnswer(a, art)
}

// remember stores what "1/2/3" and "全文" refer to next.
func (w *Server) remember(user string, a bot.Answer) {
	s := session{Lang: a.Lang}
	switch {
	case a.Answered:
		s.ID, s.Alts = a.ID, a.Alternatives
	case a.Reason == bot.ReasonUnsure:
		s.Alts = a.Alternatives // "回复 1" shows a suggestion; no article for "全文"
	}
	w.saveSession(user, s)
}

// command is a text message the adapter handles itself.
type command struct {
	kind cmdKind
	n    int    // choice number, 1-based
	id   string // article for "全文"
	page int
	lang string
}

type cmdKind int

const (
	cmdNone cmdKind = iota
	cmdChoice
	cmdFull
	cmdLang
)

// fullWidth maps full-width digits and spaces that Chinese keyboards type.
var fullWidth = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "　", " ", "“", " ", "”", " ", "\"", " ", "：", " ", ":", " ")

// parseCommand recognises "1".."9", "全文 [id] [page]" / "full [id]
// [page]" and "English" / "中文"; anything else is a question.
func parseCommand(text string) command {
	t := strings.ToLower(strings.TrimSpace(fullWidth.Replace(text)))
	t = strings.TrimSpace(strings.TrimPrefix(t, "回复"))
	t = strings.TrimSpace(strings.TrimPrefix(t, "reply "))
	switch t {
	case "english", "英文", "en":
		return command{kind: cmdLang, lang: "en"}
	case "中文", "chinese", "zh", "汉语", "中文回复":
		return command{kind: cmdLang, lang: "zh"}
	}
	if len(t) == 1 && t[0] >= '1' && t[0] <= '9' {
		return command{kind: cmdChoice, n: int(t[0] - '0')}
	}
	var rest string
	switch {
	case strings.HasPrefix(t, "全文"):
		rest = t[len("全文"):]
	case t == "full" || strings.HasPrefix(t, "full "):
		rest = t[len("full"):]
	default:
		return command{}
	}
	f := strings.Fields(rest)
	cmd := command{kind: cmdFull, page: 1}
	if len(f) == 1 {
		if p, err := strconv.Atoi(f[0]); err == nil && p >= 1 {
			cmd.page = p // "全文 2": page 2 of the last article
			return cmd
		}
	}
	if len(f) > 2 || len(f) > 0 && !articleID(f[0]) {
		return command{}
	}
	if len(f) > 0 {
		cmd.id = f[0]
	}
	if len(f) == 2 {
		p, err := strconv.Atoi(f[1])
		if err != nil || p < 1 {
			return command{}
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
