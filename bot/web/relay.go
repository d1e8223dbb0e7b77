package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"faqbot/bot/httperr"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"faqbot/bot"
	"faqbot/kb"
)

// State records votes; faqbot's state store satisfies it.
type State interface {
	// HashUser turns a user id into the opaque hash votes are kept under.
	HashUser(user string) string
	// RecordVote keeps one vote per user, language and article.
	RecordVote(v kb.Vote) error
}

// Signature headers of a relay request: see Sign and SignRequest.
const (
	TimestampHeader = "X-Faqbot-Timestamp"
	SignatureHeader = "X-Faqbot-Signature"
	// RequestIDHeader is optional: a relay that may send the same body
	// twice within a second names each request, and the id is signed.
	RequestIDHeader = "X-Faqbot-Request-Id"
)

// requestIDRe is what a request id may be: no "." (the separator in the
// signed string) and nothing a JSON body could start with.
var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Config configures the Relay. The zero value works: unsigned requests,
// no logging, default limits.
type Config struct {
	// Secret is FAQBOT_RELAY_SECRET. When set, relays must sign each
	// request (see Sign); when empty, unsigned requests are accepted and
	// signed ones refused.
	Secret string
	// Log gets one line per refused or failed request (default: none).
	Log *slog.Logger
	// MaxBody caps a POST body in bytes (default 64 kB).
	MaxBody int64
	// Window is how far a signed timestamp may be from now (default 5
	// minutes); a signature (or a request id) is accepted once within it.
	Window time.Duration

	// AskLimit and FeedbackLimit throttle each client's untrusted requests:
	// every request without a signature (the web page's, and any unsigned
	// relay request), whether or not Secret is set. Beyond them a client
	// gets 429 with Retry-After. Signed requests, and unsigned ones from
	// OpenFrom, are not throttled. Defaults: DefaultAskLimit (30 a minute,
	// burst 10) and DefaultFeedbackLimit (20 a minute, burst 5).
	AskLimit, FeedbackLimit Limit
	// OpenFrom opens the relay to the clients in these prefixes (a private
	// network whose relays do not sign): their unsigned requests are
	// trusted like signed ones, not throttled, and speak for the user ids
	// they give. The client is the address the rate limits key on (see
	// TrustedProxies). Env FAQBOT_RELAY_OPEN_FROM (comma-separated IPs and
	// CIDRs); none by default, so an unsigned request's "user" is always
	// namespaced by its client's address.
	OpenFrom []netip.Prefix
	// TrustedProxies are the peers (a reverse proxy, an ingress) whose
	// X-Forwarded-For or X-Real-IP names the client; from anyone else these
	// headers are ignored and the client is the TCP peer. Env
	// FAQBOT_TRUSTED_PROXIES (comma-separated IPs and CIDRs, see
	// ParseTrustedProxies); none by default.
	TrustedProxies []netip.Prefix
	// MaxClients bounds how many clients' limits are tracked at once
	// (default 10,000); beyond it idle clients are forgotten first.
	MaxClients int
	// Metrics counts requests refused with 429 as rate-limited on channel
	// "web", kind "ask" or "feedback" (nil: not counted).
	Metrics Metrics
}

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 64 << 10
	}
	if c.Window <= 0 {
		c.Window = 5 * time.Minute
	}
	c.AskLimit = c.AskLimit.withDefault(DefaultAskLimit)
	c.FeedbackLimit = c.FeedbackLimit.withDefault(DefaultFeedbackLimit)
	if c.MaxClients <= 0 {
		c.MaxClients = defaultMaxClients
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	return c
}

// Relay is the generic JSON webhook (POST /api/ask, POST /api/feedback,
// GET /api/article) for relays from other platforms and for the web page.
//
// With a secret, relays must sign; unsigned requests are accepted only from
// the web page itself (the browser's Sec-Fetch-Site: same-origin), as
// channel "web". The page is public, so this grants nothing a visitor
// lacks, while relay-asserted user ids stay authenticated. Without a
// secret, unsigned requests are accepted as channel "api". Either way an
// unsigned request is untrusted (any script can send it): rate-limited per
// client (Config.AskLimit, Config.FeedbackLimit), and its "user" is
// namespaced by the client's address, so it reaches no other client's
// votes or conversation context. Only signed requests (and unsigned ones
// from Config.OpenFrom) speak for the user ids they give.
type Relay struct {
	eng      bot.Asker
	st       State
	cfg      Config
	secret   []byte
	now      func() time.Time
	throttle *throttle

	mu        sync.Mutex
	seen      map[string]time.Time // signature or request id → expiry, rejects replays
	lastPrune time.Time
}

// NewRelay returns the relay answering with eng and recording votes in st.
func NewRelay(eng bot.Asker, st State, cfg Config) *Relay {
	cfg = cfg.withDefaults()
	return &Relay{eng: eng, st: st, cfg: cfg, secret: []byte(cfg.Secret), now: time.Now, seen: map[string]time.Time{},
		throttle: newThrottle(cfg)}
}

// ServeHTTP routes /api/ask, /api/feedback and /api/article, for mounting
// at "/api/". Paths match exactly: /api/x/ask or /api/ask/ is a 404.
func (rl *Relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := func(http.ResponseWriter, *http.Request) error { return fail(http.StatusNotFound, "not found") }
	switch r.URL.Path {
	case "/api/ask":
		h = rl.serveAsk
	case "/api/feedback":
		h = rl.serveFeedback
	case "/api/article":
		h = rl.serveArticle
	}
	serve(rl.cfg.Log, w, r, h)
}

// relayAskRequest is the /api/ask body. Question is a pointer to tell a
// missing question (400) from an empty one (a polite answer).
type relayAskRequest struct {
	Question *string `json:"question"`
	Lang     string  `json:"lang"`
	User     string  `json:"user"`
}

// relayVote is the /api/feedback body.
type relayVote struct {
	ID   *string `json:"id"`
	Lang string  `json:"lang"`
	Up   *bool   `json:"up"`
	User string  `json:"user"`
}

// serveAsk answers POST /api/ask with the `ask -json` Answer object.
func (rl *Relay) serveAsk(w http.ResponseWriter, r *http.Request) error {
	var req relayAskRequest
	c, err := rl.decode(w, r, "ask", &req)
	if err != nil {
		return err
	}
	if req.Question == nil {
		return fail(http.StatusBadRequest, `missing "question"`)
	}
	if req.Lang != "" && req.Lang != "zh" && req.Lang != "en" {
		return fail(http.StatusBadRequest, `"lang" must be "zh", "en" or empty`)
	}
	a, err := rl.eng.Ask(r.Context(), bot.Question{Text: *req.Question, Lang: req.Lang, Channel: c.channel, User: c.user(req.User)})
	if errors.Is(err, bot.ErrNoLanguage) {
		return httperr.New(http.StatusBadRequest, err.Error(), err)
	}
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	if a.Reason == bot.ReasonEmpty && req.Lang == "" {
		// No Chinese or English to read the language from: ask for text in
		// the browser's language rather than the engine's default.
		if l := acceptLang(r.Header.Get("Accept-Language")); l != "" && l != a.Lang {
			a.Lang, a.Traditional = l, false
			a.Text, a.Disclaimer = rl.eng.Reply(l, bot.ReasonEmpty), rl.eng.Disclaimer(l)
		}
	}
	writeJSON(w, http.StatusOK, &a)
	return nil
}

// acceptLang is the first of zh and en an Accept-Language header asks for
// ("" if neither). Browsers list languages in order of preference; an entry
// with q=0 is refused.
func acceptLang(h string) string {
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
				continue
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if base == "zh" || base == "en" {
			return base
		}
	}
	return ""
}

// serveFeedback records a helpful / not-helpful vote (POST /api/feedback).
func (rl *Relay) serveFeedback(w http.ResponseWriter, r *http.Request) error {
	var v relayVote
	c, err := rl.decode(w, r, "feedback", &v)
	if err != nil {
		return err
	}
	switch {
	case v.ID == nil || *v.ID == "":
		return fail(http.StatusBadRequest, `missing "id"`)
	case v.Lang != "zh" && v.Lang != "en":
		return fail(http.StatusBadRequest, `"lang" must be "zh" or "en"`)
	case v.Up == nil:
		return fail(http.StatusBadRequest, `missing "up" (true or false)`)
	case strings.TrimSpace(v.User) == "":
		return fail(http.StatusBadRequest, `missing "user"`)
	}
	if _, ok := rl.eng.Article(v.Lang, *v.ID); !ok {
		return fail(http.StatusNotFound, "unknown article")
	}
	vote := kb.Vote{UserHash: rl.st.HashUser(c.user(v.User)), Article: *v.ID, Lang: v.Lang, Channel: c.channel, Up: *v.Up}
	if err := rl.st.RecordVote(vote); err != nil {
		if errors.Is(err, kb.ErrBusy) {
			// Not kept (the store's spool is full): say so rather than
			// acknowledge a vote that would be lost.
			w.Header().Set("Retry-After", "10")
			return httperr.New(http.StatusServiceUnavailable, "votes cannot be kept right now, retry later", err)
		}
		return fmt.Errorf("vote: %w", err)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}

// relayArticle is a whole article for the page's "read the whole article".
type relayArticle struct {
	ID       string       `json:"id"`
	Lang     string       `json:"lang"`
	Title    string       `json:"title"`
	Region   string       `json:"region"`
	Updated  string       `json:"updated"`
	Lead     string       `json:"lead"`
	Sections []relayShown `json:"sections"`
}

type relayShown struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

// serveArticle returns a whole article (GET /api/article?id=…&lang=…, lang
// zh when absent): the
// "way to read the full article" every channel offers. Articles are public
// content, so no signature is needed.
func (rl *Relay) serveArticle(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return fail(http.StatusMethodNotAllowed, "use GET")
	}
	q := r.URL.Query()
	lang := q.Get("lang")
	if lang == "" {
		lang = "zh" // a link without lang (shared, typed) still opens: zh is the default language
	}
	art, ok := rl.eng.Article(lang, q.Get("id"))
	if !ok {
		return fail(http.StatusNotFound, "unknown article")
	}
	out := relayArticle{ID: art.ID, Lang: art.Lang, Title: art.Title, Region: art.Region, Updated: art.Updated, Lead: art.Lead, Sections: []relayShown{}}
	for _, s := range art.Sections {
		out.Sections = append(out.Sections, relayShown{Heading: s.Heading, Body: s.Body})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// caller is who sent a request: its channel ("web" for the page, "api"
// for relays), whether it may speak for any user id (signed, or from
// Config.OpenFrom), and its client (the address its limits key on).
type caller struct {
	channel string
	trusted bool
	client  netip.Prefix
}

// user is the user id a request's "user" stands for. A trusted relay's ids
// are taken as given (the page's own ids kept apart as "web:<id>"); an
// untrusted request's are namespaced by its client, "<channel>@<client>:<id>",
// so that guessing another client's id reaches nothing of theirs. Empty
// stays empty (no user: no context).
func (c caller) user(id string) string {
	switch {
	case id == "":
		return ""
	case !c.trusted:
		return c.channel + "@" + c.client.String() + ":" + id
	case c.channel == "web":
		return "web:" + id
	}
	return id
}

// decode checks method, type, the client's limit (for untrusted
// requests), size and signature, then decodes one JSON object into v
// strictly by type. kind ("ask", "feedback") names the limit.
func (rl *Relay) decode(w http.ResponseWriter, r *http.Request, kind string, v any) (c caller, err error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return c, fail(http.StatusMethodNotAllowed, "use POST")
	}
	// Requiring JSON also stops cross-site HTML forms, which cannot send it.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return c, fail(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	addr := clientAddr(r, rl.cfg.TrustedProxies)
	c.client = ClientKey(addr)
	open := isTrusted(addr, rl.cfg.OpenFrom)
	// Unsigned requests are throttled before their body is even read.
	if r.Header.Get(SignatureHeader) == "" && !open {
		label := "api"
		if r.Header.Get("Sec-Fetch-Site") == "same-origin" {
			label = "web"
		}
		if ok, wait := rl.throttle.allow(c.client, label, kind, rl.now()); !ok {
			w.Header().Set("Retry-After", retryAfter(wait))
			return c, fail(http.StatusTooManyRequests, "too many requests, retry later")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rl.cfg.MaxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return c, fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d kB", rl.cfg.MaxBody>>10))
		}
		return c, httperr.New(http.StatusBadRequest, "cannot read body", err)
	}
	if c.channel, c.trusted, err = rl.authenticate(r, body, open); err != nil {
		return c, err
	}
	if json.Unmarshal(body, v) == nil {
		if err := strictKeys(body, v); err != nil {
			return c, err
		}
		return c, nil
	}
	// Refused: decode again, token by token, to say what is wrong.
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return c, fail(http.StatusBadRequest, jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return c, fail(http.StatusBadRequest, "bad JSON: data after the object")
	}
	return c, fail(http.StatusBadRequest, "bad JSON")
}

// strictKeys refuses what encoding/json lets through in an object that
// decoded: a key given twice (the last would silently win) and a key that
// matches a field only when case is ignored ("Question" for "question"),
// with a 400 naming the key. Unknown keys are still ignored. body is valid
// JSON (Unmarshal took it): one pass over its top-level keys, without
// allocating for the usual few plain keys.
func strictKeys(body []byte, v any) error {
	fields := jsonFields(v)
	var seenBuf [8]string
	seen := seenBuf[:0]
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipSpace(body, i)
		if i >= len(body) || body[i] != '"' {
			return nil // '}' (or something Unmarshal would not have taken)
		}
		end := skipString(body, i)
		key := string(body[i+1 : end-1])
		if strings.IndexByte(key, '\\') >= 0 || !utf8.ValidString(key) {
			// Escapes, and invalid UTF-8 (each bad byte decodes to U+FFFD,
			// so "\xbc" and "\x83" are the same key to encoding/json).
			if json.Unmarshal(body[i:end], &key) != nil {
				return nil
			}
		}
		if slices.Contains(seen, key) {
			return fail(http.StatusBadRequest, fmt.Sprintf("bad JSON: key %q given twice", key))
		}
		seen = append(seen, key)
		if !slices.Contains(fields, key) {
			for _, f := range fields {
				if strings.EqualFold(f, key) {
					return fail(http.StatusBadRequest, fmt.Sprintf("bad JSON: key %q: keys are case-sensitive, want %q", key, f))
				}
			}
		}
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return nil
		}
		i = skipValue(body, skipSpace(body, i+1))
		i = skipSpace(body, i)
		if i >= len(body) || body[i] != ',' {
			return nil
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the (valid) JSON value at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = skipString(b, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the enclosing object's end
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

// jsonFieldsOf caches jsonFields by type.
var jsonFieldsOf sync.Map // reflect.Type → []string

// jsonFields are the JSON keys of the struct v points to.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	if f, ok := jsonFieldsOf.Load(t); ok {
		return f.([]string)
	}
	st := t
	for st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	var out []string
	if st.Kind() == reflect.Struct {
		for i := range st.NumField() {
			name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ",")
			if name == "" {
				name = st.Field(i).Name
			}
			if name != "-" {
				out = append(out, name)
			}
		}
	}
	jsonFieldsOf.Store(t, out)
	return out
}

// jsonProblem explains a decoding error without echoing the body.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "bad JSON: want an object"
		}
		return fmt.Sprintf("bad JSON: %q must be a %s, not %s", te.Field, te.Type, te.Value)
	}
	if errors.Is(err, io.EOF) {
		return "bad JSON: empty body"
	}
	return "bad JSON: " + err.Error()
}

// authenticate verifies the signature, names the channel and says whether
// the request may speak for any user id: signed, or unsigned from
// Config.OpenFrom (open). Its errors are 401s.
func (rl *Relay) authenticate(r *http.Request, body []byte, open bool) (string, bool, error) {
	unauthorized := func(msg string) (string, bool, error) { return "", false, fail(http.StatusUnauthorized, msg) }
	sig, ts := r.Header.Get(SignatureHeader), r.Header.Get(TimestampHeader)
	sameOrigin := r.Header.Get("Sec-Fetch-Site") == "same-origin"
	if sig == "" {
		switch {
		case sameOrigin:
			return "web", open, nil
		case len(rl.secret) == 0 || open:
			return "api", open, nil
		}
		return unauthorized("missing " + SignatureHeader)
	}
	if len(rl.secret) == 0 {
		return unauthorized("signature given but no relay secret is configured")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return unauthorized("missing or bad " + TimestampHeader)
	}
	now, window := rl.now(), rl.cfg.Window
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return unauthorized("timestamp outside the " + windowText(window) + " window")
	}
	id, hasID := "", len(r.Header.Values(RequestIDHeader)) > 0
	if hasID {
		if id = r.Header.Get(RequestIDHeader); !requestIDRe.MatchString(id) {
			return unauthorized("bad " + RequestIDHeader + " (1-128 characters A-Z a-z 0-9 _ -)")
		}
	}
	if !relaySignatureOK(rl.secret, ts, id, body, sig) {
		return unauthorized("bad signature")
	}
	// A request id, when given, is what makes a request unique: the same
	// body may come twice under two ids, never one id twice.
	replayKey := "sig:" + strings.ToLower(sig)
	if hasID {
		replayKey = "id:" + id
	}
	if !rl.firstUse(replayKey, now) {
		return unauthorized("replayed request")
	}
	return "api", true, nil
}

// windowText says "5-minute" for 5*time.Minute.
func windowText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d-minute", d/time.Minute)
	}
	return d.String()
}

// firstUse reports whether a signature or request id is new within the
// window.
func (rl *Relay) firstUse(key string, now time.Time) bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if now.Sub(rl.lastPrune) > time.Minute {
		for s, exp := range rl.seen {
			if exp.Before(now) {
				delete(rl.seen, s)
			}
		}
		rl.lastPrune = now
	}
	if exp, ok := rl.seen[key]; ok && !exp.Before(now) {
		return false
	}
	// The timestamp is at most one window in the future, so a signature
	// can be valid for up to twice the window.
	rl.seen[key] = now.Add(2 * rl.cfg.Window)
	return true
}

// Sign signs a relay request as the contract in the package documentation
// says, for relays written in Go and for tests: given the Unix time ts
// (decimal, sent as X-Faqbot-Timestamp) and the exact body, it returns the
// X-Faqbot-Signature value, "sha256=" + hex HMAC-SHA256(secret, ts + "." +
// body).
func Sign(secret []byte, ts string, body []byte) string {
	return SignRequest(secret, ts, "", body)
}

// SignRequest is Sign for a request that also carries a request id
// (X-Faqbot-Request-Id): the signed string is ts + "." + id + "." + body.
// With id "" it is Sign.
func SignRequest(secret []byte, ts, id string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	if id != "" {
		m.Write([]byte(id))
		m.Write([]byte("."))
	}
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// relaySignatureOK checks a signature in constant time.
func relaySignatureOK(secret []byte, ts, id string, body []byte, sig string) bool {
	return hmac.Equal([]byte(strings.ToLower(sig)), []byte(SignRequest(secret, ts, id, body)))
}
