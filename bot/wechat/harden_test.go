package wechat

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"faqbot/bot/bottest"
)

// TestSafeModeRefusesPlaintext: with an AES key configured, only encrypted
// pushes with a valid msg_signature are accepted. A plaintext push carrying
// a valid plain signature (what anyone who saw one push URL in a proxy log
// has) is refused, whether it names no mode, encrypt_type=raw or carries a
// compatible-mode body without asking for aes; nothing reaches the engine.
// Vector C (official Python sample) supplies the signatures and bodies.
func TestSafeModeRefusesPlaintext(t *testing.T) {
	var logs bottest.LogBuffer
	cfg := Config{Token: vecCToken, AESKey: vecCKey, AppID: vecCAppID, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	env := newEnv(t, cfg)
	plainQ := url.Values{"signature": {vecCPlainSig}, "timestamp": {vecCTimestamp}, "nonce": {vecCNonce}}
	withMode := func(mode string) string {
		q := url.Values{}
		for k, v := range plainQ {
			q[k] = v
		}
		q.Set("encrypt_type", mode)
		return q.Encode()
	}
	forged := strings.Replace(vecCPlain, "abcdteT", "医保卡丢了怎么办", 1)
	for _, tc := range []struct {
		name, query, body string
	}{
		{"plaintext, no encrypt_type", plainQ.Encode(), vecCPlain},
		{"forged plaintext, no encrypt_type", plainQ.Encode(), forged},
		{"plaintext, encrypt_type=raw", withMode("raw"), forged},
		{"compatible body without encrypt_type", plainQ.Encode(), vecCBody},
		{"compatible body, encrypt_type=raw", withMode("raw"), vecCBody},
	} {
		before := strings.Count(logs.String(), "\n")
		code, body := env.do(http.MethodPost, tc.query, tc.body)
		if code != http.StatusForbidden {
			t.Errorf("%s: %d %q, want 403", tc.name, code, body)
		}
		lines := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")[before:]
		if len(lines) != 1 || !strings.Contains(lines[0], `msg="wechat: rejected" status=403`) {
			t.Errorf("%s: logged %q, want one rejection line", tc.name, lines)
		}
	}
	if env.eng.calls() != 0 || env.journaled() != 0 {
		t.Fatalf("plaintext pushes reached the engine: %d calls", env.eng.calls())
	}
	// Without msg_signature an aes push is still refused (as before).
	if code, _ := env.do(http.MethodPost, withMode("aes"), vecCBody); code != http.StatusUnauthorized {
		t.Errorf("aes without msg_signature: %d, want 401", code)
	}
	// The real thing, compatible mode: answered from the decrypted part.
	code, body := env.do(http.MethodPost, vecCQuery, vecCBody)
	if code != 200 {
		t.Fatalf("vector C: %d %s", code, body)
	}
	if out, _ := env.openSafe(body); out.Content == "" || out.ToUserName != "oyORnuP8q7ou2gfYjqLzSIWZf0rs" {
		t.Errorf("vector C reply %+v", out)
	}
	if q := env.eng.Asked(); len(q) != 1 || q[0].Text != "abcdteT" {
		t.Errorf("asked %+v, want the decrypted question only", q)
	}
}

// TestSignatureReuse: in plain mode the signature covers token, timestamp
// and nonce, never the body. A (timestamp, nonce, signature) already used
// is accepted again only as a retry of the same message (same sender and
// MsgId: the same reply); any other message under it is refused, also after
// a restart. The memory lasts as long as the timestamp is acceptable.
func TestSignatureReuse(t *testing.T) {
	st := bottest.NewState()
	storeNow := testNow
	st.Now = func() time.Time { return storeNow }
	env := newEnvWith(t, Config{MaxAge: 5 * time.Minute}, st, newTestAsker(t))
	q := env.signedQueryNonce("31337")
	first := textXML("u-sig-a", "医保卡丢了怎么办", 1001)
	code, reply := env.do(http.MethodPost, q, first)
	if code != 200 || !strings.Contains(reply, "<Content>") {
		t.Fatalf("first use: %d %s", code, reply)
	}
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"retry of the same message", first, 200},
		{"same sender and MsgId, other text (a retry)", textXML("u-sig-a", "异地就医怎么备案", 1001), 200},
		{"another message of the same sender", textXML("u-sig-a", "异地就医怎么备案", 1002), 403},
		{"another sender, same MsgId", textXML("u-sig-b", "医保卡丢了怎么办", 1001), 403},
		{"another sender and message", textXML("u-sig-b", "家庭共济怎么绑定", 1003), 403},
		{"an event", otherXML("u-sig-a", "event", "<Event>subscribe</Event>", 0), 403},
	} {
		code, body := env.do(http.MethodPost, q, tc.body)
		if code != tc.code {
			t.Errorf("%s: %d %.80q, want %d", tc.name, code, body, tc.code)
		} else if code == 200 && body != reply {
			t.Errorf("%s: reply differs from the first:\n%s\nvs\n%s", tc.name, body, reply)
		}
	}
	if n := env.eng.calls(); n != 1 {
		t.Errorf("%d Ask calls, want 1", n)
	}
	// After a restart the state still knows the signature.
	restarted := newEnvWith(t, Config{MaxAge: 5 * time.Minute}, st, env.eng)
	if code, _ := restarted.do(http.MethodPost, q, textXML("u-sig-c", "家庭共济怎么绑定", 1004)); code != 403 {
		t.Errorf("after restart: %d, want 403", code)
	}
	// The timestamp is acceptable up to MaxAge either side of it, so the
	// signature is remembered for twice MaxAge.
	storeNow = testNow.Add(9 * time.Minute)
	if code, _ := restarted.do(http.MethodPost, q, textXML("u-sig-c", "家庭共济怎么绑定", 1005)); code != 403 {
		t.Errorf("9 minutes later: %d, want 403", code)
	}
	// Fresh signatures are unaffected.
	if code, _ := restarted.postPlain(textXML("u-sig-c", "家庭共济怎么绑定", 1006)); code != 200 {
		t.Errorf("a fresh signature: %d", code)
	}
}

// TestSignatureReuseNoMaxAge: with the timestamp check off, signatures are
// still remembered for a bounded time.
func TestSignatureReuseNoMaxAge(t *testing.T) {
	env := newEnv(t, Config{})
	q := env.signedQueryNonce("4711")
	if code, _ := env.do(http.MethodPost, q, textXML("u-n", "医保卡丢了怎么办", 1)); code != 200 {
		t.Fatal(code)
	}
	if code, _ := env.do(http.MethodPost, q, textXML("u-m", "医保卡丢了怎么办", 2)); code != 403 {
		t.Errorf("reused signature with MaxAge 0: %d, want 403", code)
	}
}

// TestDedupeBySender: the public samples all use MsgId
// 1234567890123456; two users whose messages share it each get their own
// answer.
func TestDedupeBySender(t *testing.T) {
	env := newEnv(t, Config{})
	const sharedID = 1234567890123456
	_, a := env.postPlain(textXML("u-dup-1", "医保卡丢了怎么办", sharedID))
	_, b := env.postPlain(textXML("u-dup-2", "异地就医怎么备案", sharedID))
	ca, cb := parseOut(t, a), parseOut(t, b)
	if ca.ToUserName != "u-dup-1" || cb.ToUserName != "u-dup-2" {
		t.Errorf("replies addressed to %q and %q", ca.ToUserName, cb.ToUserName)
	}
	if !strings.Contains(ca.Content, "医保卡") || !strings.Contains(cb.Content, "异地") || ca.Content == cb.Content {
		t.Errorf("second user got the first user's reply:\n%s\n---\n%s", ca.Content, cb.Content)
	}
	if n := env.eng.calls(); n != 2 {
		t.Errorf("%d Ask calls, want 2", n)
	}
	// A retry of each is still answered once.
	_, a2 := env.postPlain(textXML("u-dup-1", "医保卡丢了怎么办", sharedID))
	if a2 != a || env.eng.calls() != 2 {
		t.Errorf("retry: %d calls, same reply %v", env.eng.calls(), a2 == a)
	}
}

// TestURLCheckSignatureClaimed: a plain URL check's signature covers what
// a push's does (token, timestamp, nonce), so it is claimed like a push's:
// the same check again passes, a message pushed under it is refused.
func TestURLCheckSignatureClaimed(t *testing.T) {
	env := newEnv(t, Config{MaxAge: 5 * time.Minute})
	q := env.signedQueryNonce("27182")
	check := q + "&echostr=ok"
	for i := range 2 {
		if code, body := env.do(http.MethodGet, check, ""); code != 200 || body != "ok" {
			t.Fatalf("URL check %d: %d %q", i, code, body)
		}
	}
	if code, _ := env.do(http.MethodPost, q, textXML("u-url", "医保卡丢了怎么办", 2001)); code != 403 {
		t.Errorf("a push under a URL check's signature: %d, want 403", code)
	}
	if n := env.eng.calls(); n != 0 {
		t.Errorf("%d Ask calls, want 0", n)
	}
	// And the other way round: a push's signature is no URL check's.
	q2 := env.signedQueryNonce("31415")
	if code, _ := env.do(http.MethodPost, q2, textXML("u-url", "医保卡丢了怎么办", 2002)); code != 200 {
		t.Fatalf("push: %d", code)
	}
	if code, _ := env.do(http.MethodGet, q2+"&echostr=ok", ""); code != 403 {
		t.Errorf("a URL check under a push's signature: %d, want 403", code)
	}
}
