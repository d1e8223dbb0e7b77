package bot

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

	"faqbot/kb"
)

// relayStore records votes; *state.Store satisfies it.
type relayStore interface {
	HashUser(user string) string
	RecordVote(v kb.Vote) error
}

// Relay signature headers: X-Faqbot-Signature is "sha256=" + hex
// HMAC-SHA256(FAQBOT_RELAY_SECRET, timestamp + "." + body), with the Unix
// time in X-Faqbot-Timestamp.
const (
	RelayTimestampHeader = "X-Faqbot-Timestamp"
	RelaySignatureHeader = "X-Faqbot-Signature"
)

const (
	relayMaxBody = 64 << 10
	// relayWindow is how far a signed timestamp may be from now; a
	// signature is accepted once within it.
	relayWindow = 5 * time.Minute
)

// Relay is the generic JSON webhook (POST /api/ask, POST /api/feedback) for
// relays from other platforms and for the web page.
//
// With a secret, relays must sign; unsigned requests are accepted only from
// the web page itself (the browser's Sec-Fetch-Site: same-origin), as
// channel "web". The page is public, so this grants nothing a visitor
// lacks, while relay-asserted user ids stay authenticated.
type Relay struct {
	eng    Asker
	st     relayStore
	secret []byte
	log    *slog.Logger
	now    func() time.Time

	mu        sync.Mutex
	seen      map[string]time.Time // signature → expiry, rejects replays
	lastPrune time.Time
}

// NewRelay returns the relay; secret "" accepts unsigned requests.
func NewRelay(eng Asker, st relayStore, secret string, log *slog.Logger) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{eng: eng, st: st, secret: []byte(secret), log: log, now: time.Now, seen: map[string]time.Time{}}
}

// ServeHTTP routes /api/ask, /api/feedback and /api/article, for mounting
// at "/api/".
func (rl *Relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/ask"):
		rl.ServeAsk(w, r)
	case strings.HasSuffix(r.URL.Path, "/feedback"):
		rl.ServeFeedback(w, r)
	case strings.HasSuffix(r.URL.Path, "/article"):
		rl.ServeArticle(w, r)
	default:
		writeError(w, http.StatusNotFound, "not found")
	}
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

// ServeAsk answers POST /api/ask with the `ask -json` Answer object.
func (rl *Relay) ServeAsk(w http.ResponseWriter, r *http.Request) {
	var req relayAskRequest
	channel, ok := rl.decode(w, r, &req)
	if !ok {
		return
	}
	if req.Question == nil {
		writeError(w, http.StatusBadRequest, `missing "question"`)
		return
	}
	if req.Lang != "" && req.Lang != "zh" && req.Lang != "en" {
		writeError(w, http.StatusBadRequest, `"lang" must be "zh", "en" or empty`)
		return
	}
	a, err := rl.eng.Ask(r.Context(), Question{Text: *req.Question, Lang: req.Lang, Channel: channel, User: relayUser(channel, req.User)})
	if errors.Is(err, ErrNoLanguage) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		rl.log.ErrorContext(r.Context(), "relay: ask", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// ServeFeedback records a helpful / not-helpful vote (POST /api/feedback).
func (rl *Relay) ServeFeedback(w http.ResponseWriter, r *http.Request) {
	var v relayVote
	channel, ok := rl.decode(w, r, &v)
	if !ok {
		return
	}
	switch {
	case v.ID == nil || *v.ID == "":
		writeError(w, http.StatusBadRequest, `missing "id"`)
		return
	case v.Lang != "zh" && v.Lang != "en":
		writeError(w, http.StatusBadRequest, `"lang" must be "zh" or "en"`)
		return
	case v.Up == nil:
		writeError(w, http.StatusBadRequest, `missing "up" (true or false)`)
		return
	case strings.TrimSpace(v.User) == "":
		writeError(w, http.StatusBadRequest, `missing "user"`)
		return
	}
	if _, ok := rl.eng.Article(v.Lang, *v.ID); !ok {
		writeError(w, http.StatusNotFound, "unknown article")
		return
	}
	vote := kb.Vote{UserHash: rl.st.HashUser(relayUser(channel, v.User)), Article: *v.ID, Lang: v.Lang, Channel: channel, Up: *v.Up}
	if err := rl.st.RecordVote(vote); err != nil {
		rl.log.ErrorContext(r.Context(), "relay: vote", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
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

// ServeArticle returns a whole article (GET /api/article?id=…&lang=…): the
// "way to read the full article" every channel offers. Articles are public
// content, so no signature is needed.
func (rl *Relay) ServeArticle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	q := r.URL.Query()
	art, ok := rl.eng.Article(q.Get("lang"), q.Get("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "unknown article")
		return
	}
	out := relayArticle{ID: art.ID, Lang: art.Lang, Title: art.Title, Region: art.Region, Updated: art.Updated, Lead: art.Lead, Sections: []relayShown{}}
	for _, s := range art.Sections {
		out.Sections = append(out.Sections, relayShown{Heading: s.Heading, Body: s.Body})
	}
	writeJSON(w, http.StatusOK, out)
}

// relayUser keeps the page's self-chosen ids apart from relay-asserted ones.
func relayUser(channel, user string) string {
	if channel == "web" && user != "" {
		return "web:" + user
	}
	return user
}

// decode checks method, type, size and signature, then decodes one JSON
// object into v strictly by type. It writes the error reply itself.
func (rl *Relay) decode(w http.ResponseWriter, r *http.Request, v any) (channel string, ok bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "use POST")
		return "", false
	}
	// Requiring JSON also stops cross-site HTML forms, which cannot send it.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return "", false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, relayMaxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "body over 64 kB")
			return "", false
		}
		writeError(w, http.StatusBadRequest, "cannot read body")
		return "", false
	}
	channel, err = rl.authenticate(r, body)
	if err != nil {
		rl.log.InfoContext(r.Context(), "relay: rejected", "err", err)
		writeError(w, http.StatusUnauthorized, err.Error())
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, jsonProblem(err))
		return "", false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "bad JSON: data after the object")
		return "", false
	}
	return channel, true
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

// authenticate verifies the signature and names the channel.
func (rl *Relay) authenticate(r *http.Request, body []byte) (string, error) {
	sig, ts := r.Header.Get(RelaySignatureHeader), r.Header.Get(RelayTimestampHeader)
	sameOrigin := r.Header.Get("Sec-Fetch-Site") == "same-origin"
	if sig == "" {
		switch {
		case sameOrigin:
			return "web", nil
		case len(rl.secret) == 0:
			return "api", nil
		}
		return "", errors.New("missing " + RelaySignatureHeader)
	}
	if len(rl.secret) == 0 {
		return "", errors.New("signature given but no relay secret is configured")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", errors.New("missing or bad " + RelayTimestampHeader)
	}
	now := rl.now()
	if d := now.Sub(time.Unix(sec, 0)); d > relayWindow || d < -relayWindow {
		return "", errors.New("timestamp outside the 5-minute window")
	}
	if !relaySignatureOK(rl.secret, ts, body, sig) {
		return "", errors.New("bad signature")
	}
	if !rl.firstUse(sig, now) {
		return "", errors.New("replayed request")
	}
	return "api", nil
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
	// The timestamp is at most relayWindow in the future, so a signature
	// can be valid for up to twice the window.
	rl.seen[sig] = now.Add(2 * relayWindow)
	return true
}

// RelaySign returns the X-Faqbot-Signature value for a body sent at ts: for
// relays written in Go and for the load script.
func RelaySign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// relaySignatureOK checks a signature in constant time.
func relaySignatureOK(secret []byte, ts string, body []byte, sig string) bool {
	return hmac.Equal([]byte(strings.ToLower(sig)), []byte(RelaySign(secret, ts, body)))
}
