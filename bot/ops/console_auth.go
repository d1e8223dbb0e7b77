package ops

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The console's access: a curator signs in with the admin token once and
// gets a session cookie; scripts send the token as a bearer header. The
// token itself is never stored in the cookie nor put in a URL.
//
// A session is stateless, so every replica that shares the token accepts
// it: the cookie holds its expiry and a random nonce, signed with a key
// derived from the token (a new token signs everyone out). Every form
// carries a CSRF token derived from the session's nonce (or, on the sign-in
// form, from a short-lived pre-session cookie), and every POST must also
// come from this origin when the browser says where it comes from.

const (
	sessionCookie = "faqbot_console"
	loginCookie   = "faqbot_console_login"
	// SessionTTL is how long a console session lasts after signing in.
	SessionTTL = 12 * time.Hour
	loginTTL   = 15 * time.Minute
	cookiePath = "/admin/"
)

// auth is what a request proved.
type auth int

const (
	authNone    auth = iota
	authBearer       // Authorization: Bearer <token>: a script, no CSRF check needed
	authSession      // the session cookie: a browser, forms need the CSRF token
)

// session is a verified session cookie.
type session struct {
	nonce   []byte
	expires time.Time
}

// keys derives the console's signing key from the admin token.
func (a *Admin) key() []byte {
	m := hmac.New(sha256.New, []byte(a.Token))
	m.Write([]byte("faqbot console session v1"))
	return m.Sum(nil)
}

func (a *Admin) mac(parts ...[]byte) []byte {
	m := hmac.New(sha256.New, a.key())
	for _, p := range parts {
		m.Write(p)
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

func (a *Admin) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// newSession signs a new session that expires after SessionTTL.
func (a *Admin) newSession() (string, session) {
	s := session{nonce: make([]byte, 16), expires: a.now().Add(SessionTTL).Truncate(time.Second)}
	rand.Read(s.nonce)
	payload := binary.BigEndian.AppendUint64(nil, uint64(s.expires.Unix()))
	payload = append(payload, s.nonce...)
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(a.mac([]byte("session"), payload)), s
}

// readSession verifies the session cookie of r.
func (a *Admin) readSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || a.Token == "" {
		return session{}, false
	}
	p, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return session{}, false
	}
	payload, err1 := b64.DecodeString(p)
	got, err2 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil || len(payload) != 24 || !hmac.Equal(got, a.mac([]byte("session"), payload)) {
		return session{}, false
	}
	s := session{nonce: payload[8:], expires: time.Unix(int64(binary.BigEndian.Uint64(payload)), 0)}
	if !a.now().Before(s.expires) || a.revoked(s) {
		return session{}, false
	}
	return s, true
}

// authenticate says how r proves it holds the admin token, if it does.
func (a *Admin) authenticate(r *http.Request) auth {
	if a.Token == "" {
		return authNone
	}
	if h := r.Header.Get("Authorization"); h != "" {
		if constantEqual(h, "Bearer "+a.Token) {
			return authBearer
		}
		return authNone
	}
	if _, ok := a.readSession(r); ok {
		return authSession
	}
	return authNone
}

// csrfToken is the CSRF token of the forms shown in session s.
func (a *Admin) csrfToken(s session) string {
	return b64.EncodeToString(a.mac([]byte("csrf"), s.nonce))
}

// checkCSRF accepts a cookie-authenticated POST only with the session's
// CSRF token in its form and, when the browser names it, from this origin.
func (a *Admin) checkCSRF(r *http.Request) bool {
	s, ok := a.readSession(r)
	if !ok || !sameOrigin(r) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(a.csrfToken(s))) == 1
}

// sameOrigin is false when the browser says the request comes from
// elsewhere: by Sec-Fetch-Site when it sends it (every current browser),
// else by Origin. Requests that say nothing (old browsers, curl) rely on
// the CSRF token alone.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// secure reports whether the console is served over TLS (directly, or by a
// proxy that says so): its cookies are then Secure. Believing the header
// can only add the attribute, never remove it.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (a *Admin) setCookie(w http.ResponseWriter, r *http.Request, name, value string, expires time.Time) {
	c := &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
		c.MaxAge = int(time.Until(expires).Seconds())
		if a.Now != nil {
			c.MaxAge = int(expires.Sub(a.now()).Seconds())
		}
	}
	http.SetCookie(w, c)
}

// loginToken returns the sign-in form's CSRF token, setting the pre-session
// cookie it is derived from when r has none.
func (a *Admin) loginToken(w http.ResponseWriter, r *http.Request) string {
	nonce := ""
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) >= 22 && len(c.Value) <= 64 {
		nonce = c.Value
	} else {
		b := make([]byte, 16)
		rand.Read(b)
		nonce = b64.EncodeToString(b)
		a.setCookie(w, r, loginCookie, nonce, a.now().Add(loginTTL))
	}
	return b64.EncodeToString(a.mac([]byte("login"), []byte(nonce)))
}

// checkLoginCSRF checks the sign-in form's token against its cookie.
func (a *Admin) checkLoginCSRF(r *http.Request) bool {
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameOrigin(r) {
		return false
	}
	want := b64.EncodeToString(a.mac([]byte("login"), []byte(c.Value)))
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(want)) == 1
}

// signOuts remembers the sessions signed out before they expire, in this
// process (a stateless session cannot be revoked everywhere: another
// replica accepts it until it expires, at most SessionTTL).
type signOuts struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (a *Admin) revoke(s session) {
	a.out.mu.Lock()
	defer a.out.mu.Unlock()
	if a.out.m == nil {
		a.out.m = map[string]time.Time{}
	}
	now := a.now()
	for k, exp := range a.out.m {
		if !now.Before(exp) {
			delete(a.out.m, k)
		}
	}
	a.out.m[string(s.nonce)] = s.expires
}

func (a *Admin) revoked(s session) bool {
	a.out.mu.Lock()
	defer a.out.mu.Unlock()
	_, ok := a.out.m[string(s.nonce)]
	return ok
}

// failures throttles wrong tokens typed into the sign-in form: at most
// maxFailures a minute for the whole process, so the token cannot be
// guessed through it.
type failures struct {
	mu    sync.Mutex
	start time.Time
	n     int
}

const maxFailures = 10

func (a *Admin) tooManyFailures() bool {
	a.fail.mu.Lock()
	defer a.fail.mu.Unlock()
	if a.now().Sub(a.fail.start) > time.Minute {
		a.fail.start, a.fail.n = a.now(), 0
	}
	return a.fail.n >= maxFailures
}

func (a *Admin) failed() {
	a.fail.mu.Lock()
	defer a.fail.mu.Unlock()
	a.fail.n++
}
