package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

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

// Signature headers of a relay request: see Sign.
const (
	TimestampHeader = "X-Faqbot-Timestamp"
	SignatureHeader = "X-Faqbot-Signature"
)

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
	// minutes); a signature is accepted once within it.
	Window time.Duration
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
	return c
}

// Relay is the generic JSON webhook (POST /api/ask, POST /api/feedback,
// GET /api/article) for relays from other platforms and for the web page.
//
// With a secret, relays must sign; unsigned requests are accepted only from
// the web page itself (the browser's Sec-Fetch-Site: same-origin), as
// channel "web". The page is public, so this grants nothing a visitor
// lacks, while relay-asserted user ids stay authenticated.
type Relay struct {
	eng    bot.Asker
	st     State
	cfg    Config
	secret []byte
	now    func() time.Time

	mu        sync.Mutex
	seen      map[string]time.Time // signature → expiry, rejects replays
	lastPrune time.Time
}

// NewRelay returns the relay answering with eng and recording votes in st.
func NewRelay(eng bot.Asker, st State, cfg Config) *Relay {
	cfg = cfg.withDefaults()
	return &Relay{eng: eng, st: st, cfg: cfg, secret: []byte(cfg.Secret), now: time.Now, seen: map[string]time.Time{}}
}

// ServeHTTP routes /api/ask, /api/feedback and /api/article, for mounting
// at "/api/".
func (rl *Relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := func(http.ResponseWriter, *http.Request) error { return fail(http.StatusNotFound, "not found") }
	switch {
	case strings.HasSuffix(r.URL.Path, "/ask"):
		h = rl.serveAsk
	case strings.HasSuffix(r.URL.Path, "/feedback"):
		h = rl.serveFeedback
	case strings.HasSuffix(r.URL.Path, "/article"):
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
	channel, err := rl.decode(w, r, &req)
	if err != nil {
		return err
	}
	if req.Question == nil {
		return fail(http.StatusBadRequest, `missing "question"`)
	}
	if req.Lang != "" && req.Lang != "zh" && req.Lang != "en" {
		return fail(http.StatusBadRequest, `"lang" must be "zh", "en" or empty`)
	}
	a, err := rl.eng.Ask(r.Context(), bot.Question{Text: *req.Question, Lang: req.Lang, Channel: channel, User: relayUser(channel, req.User)})
	if errors.Is(err, bot.ErrNoLanguage) {
		return &httpError{code: http.StatusBadRequest, msg: err.Error(), err: err}
	}
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// serveFeedback records a helpful / not-helpful vote (POST /api/feedback).
func (rl *Relay) serveFeedback(w http.ResponseWriter, r *http.Request) error {
	var v relayVote
	channel, err := rl.decode(w, r, &v)
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
	vote := kb.Vote{UserHash: rl.st.HashUser(relayUser(channel, v.User)), Article: *v.ID, Lang: v.Lang, Channel: channel, Up: *v.Up}
	if err := rl.st.RecordVote(vote); err != nil {
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

// relayUser keeps the page's self-chosen ids apart from relay-asserted ones.
func relayUser(channel, user string) string {
	if channel == "web" && user != "" {
		return "web:" + user
	}
	return user
}

// decode checks method, type, size and signature, then decodes one JSON
// object into v strictly by type.
func (rl *Relay) decode(w http.ResponseWriter, r *http.Request, v any) (channel string, err error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return "", fail(http.StatusMethodNotAllowed, "use POST")
	}
	// Requiring JSON also stops cross-site HTML forms, which cannot send it.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return "", fail(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rl.cfg.MaxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return "", fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d kB", rl.cfg.MaxBody>>10))
		}
		return "", &httpError{code: http.StatusBadRequest, msg: "cannot read body", err: err}
	}
	if channel, err = rl.authenticate(r, body); err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return "", fail(http.StatusBadRequest, jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fail(http.StatusBadRequest, "bad JSON: data after the object")
	}
	return channel, nil
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

// authenticate verifies the signature and names the channel; its errors
// are 401s.
func (rl *Relay) authenticate(r *http.Request, body []byte) (string, error) {
	unauthorized := func(msg string) (string, error) { return "", fail(http.StatusUnauthorized, msg) }
	sig, ts := r.Header.Get(SignatureHeader), r.Header.Get(TimestampHeader)
	sameOrigin := r.Header.Get("Sec-Fetch-Site") == "same-origin"
	if sig == "" {
		switch {
		case sameOrigin:
			return "web", nil
		case len(rl.secret) == 0:
			return "api", nil
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
	if !relaySignatureOK(rl.secret, ts, body, sig) {
		return unauthorized("bad signature")
	}
	if !rl.firstUse(sig, now) {
		return unauthorized("replayed request")
	}
	return "api", nil
}

// windowText says "5-minute" for 5*time.Minute.
func windowText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d-minute", d/time.Minute)
	}
	return d.String()
}

// firstUse reports whether a signature is new within the window.
func (rl *Relay) firstUse(sig string, now time.Time) bool {
	sig = strings.ToLower(sig)
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
	if exp, ok := rl.seen[sig]; ok && !exp.Before(now) {
		return false
	}
	// The timestamp is at most one window in the future, so a signature
	// can be valid for up to twice the window.
	rl.seen[sig] = now.Add(2 * rl.cfg.Window)
	return true
}

// Sign signs a relay request as the contract in the package documentation
// says, for relays written in Go and for tests: given the Unix time ts
// (decimal, sent as X-Faqbot-Timestamp) and the exact body, it returns the
// X-Faqbot-Signature value, "sha256=" + hex HMAC-SHA256(secret, ts + "." +
// body).
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// relaySignatureOK checks a signature in constant time.
func relaySignatureOK(secret []byte, ts string, body []byte, sig string) bool {
	return hmac.Equal([]byte(strings.ToLower(sig)), []byte(Sign(secret, ts, body)))
}
