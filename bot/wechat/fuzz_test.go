package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"faqbot/bot"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPlainBody posts arbitrary bodies, correctly signed, in plain
// mode: the handler answers 200 with valid XML or "success", or a 400/413,
// and never panics or hangs.
func FuzzPlainBody(f *testing.F) {
	f.Add([]byte(textXML("u", "医保卡丢了怎么办", 1)))
	f.Add([]byte(otherXML("u", "event", "<Event>subscribe</Event>", 0)))
	f.Add([]byte(otherXML("u", "voice", "<Recognition>异地就医</Recognition>", 2)))
	f.Add([]byte("<xml><ToUserName>a</ToUserName><FromUserName>]]&gt;</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[]]]]><![CDATA[>]]></Content><MsgId>3</MsgId></xml>"))
	f.Add([]byte("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><xml>&a;</xml>"))
	f.Add([]byte("<xml><xml><xml>"))
	f.Add([]byte{0xff, 0xfe, 0x00})
	env := newEnv(f, Config{})
	f.Fuzz(func(t *testing.T, body []byte) {
		env.t = t
		code, reply := env.postPlain(string(body))
		switch code {
		case http.StatusOK:
			if reply == "success" {
				return
			}
			var o passiveReply
			if err := xml.Unmarshal([]byte(reply), &o); err != nil {
				t.Fatalf("invalid reply XML: %v\n%s", err, reply)
			}
			if len(o.Content) >= 2048 || o.MsgType != "text" {
				t.Fatalf("bad reply: %d bytes, type %q", len(o.Content), o.MsgType)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q", code, body)
		}
	})
}

// FuzzSafeBody encrypts arbitrary plaintext properly (valid
// msg_signature) and posts it: same guarantees as plain mode, and the reply
// is encrypted and signed.
func FuzzSafeBody(f *testing.F) {
	f.Add(textXML("u", "异地就医怎么备案", 1))
	f.Add(otherXML("u", "image", "", 2))
	f.Add("<xml>")
	f.Add("")
	env := newEnv(f, Config{AESKey: vecAKey, AppID: vecAAppID})
	f.Fuzz(func(t *testing.T, inner string) {
		env.t = t
		code, reply := env.postSafe(inner)
		switch code {
		case http.StatusOK:
			if reply != "success" {
				env.openSafe(reply)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", code)
		}
	})
}

// FuzzDecrypt feeds arbitrary Encrypt fields to the decryptor: an
// error of the documented kinds, never a panic.
func FuzzDecrypt(f *testing.F) {
	f.Add(vecAEncrypted)
	f.Add(vecCEncrypted)
	f.Add(vecAEncrypted[:len(vecAEncrypted)-4])
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==")
	f.Add("")
	c := mustCrypto(f, vecAKey, vecAAppID)
	f.Fuzz(func(t *testing.T, enc string) {
		msg, err := c.open(enc)
		if err != nil && !errors.Is(err, errCipher) && !errors.Is(err, errAppID) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err == nil && len(msg) > len(enc) {
			t.Fatalf("message longer than its ciphertext")
		}
	})
}

// FuzzCryptoRoundTrip: whatever the message, AppID and random
// prefix, decrypt(encrypt(m)) == m with that AppID.
func FuzzCryptoRoundTrip(f *testing.F) {
	f.Add([]byte(vecAMsg), vecAAppID, []byte(vecARandom))
	f.Add([]byte{}, "", []byte("0123456789abcdef"))
	f.Add(bytes.Repeat([]byte{32}, 45), "wx", []byte("xxxxxxxxxxxxxxxx"))
	f.Fuzz(func(t *testing.T, msg []byte, appID string, random []byte) {
		if len(random) != 16 {
			return
		}
		c := mustCrypto(t, vecAKey, appID)
		enc, err := c.encrypt(random, msg)
		if err != nil {
			t.Fatal(err)
		}
		got, gotApp, err := c.decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) || gotApp != appID {
			t.Fatalf("round trip: %q %q %v", got, gotApp, err)
		}
	})
}

// FuzzCDATA: any string embedded as CDATA yields well-formed XML that
// reads back as the string minus the characters XML cannot carry.
func FuzzCDATA(f *testing.F) {
	for _, s := range []string{"", "]]>", "a]]]]>>b", "\x00", "\xff", "中文", "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var o passiveReply
		if err := xml.Unmarshal(replyXML("to", "from", 1, s), &o); err != nil {
			t.Fatalf("invalid XML for %q: %v", s, err)
		}
		want := strings.Map(func(r rune) rune {
			if xmlChar(r) {
				return r
			}
			return -1
		}, strings.ToValidUTF8(s, ""))
		// XML parsers normalise line ends.
		want = strings.ReplaceAll(strings.ReplaceAll(want, "\r\n", "\n"), "\r", "\n")
		if o.Content != want {
			t.Fatalf("round trip of %q = %q, want %q", s, o.Content, want)
		}
	})
}

// FuzzRender: any snippet renders under 2048 bytes, valid UTF-8, with
// the disclaimer last.
func FuzzRender(f *testing.F) {
	f.Add("短答案。", "标题", 2)
	f.Add(strings.Repeat("句子。", 800), "标题", 3)
	f.Add(strings.Repeat("x", 5000), strings.Repeat("t", 300), 3)
	f.Fuzz(func(t *testing.T, snippet, title string, alts int) {
		if !utf8.ValidString(snippet) || !utf8.ValidString(title) || len(title) > 1000 {
			return
		}
		a := bot.Answer{Answered: true, ID: "x", Lang: "zh", Title: title, Snippet: snippet, Region: "全国", Updated: "2025-01-01",
			Disclaimer: "以上内容仅供参考。"}
		for i := range min(max(alts, 0), 3) {
			a.Alternatives = append(a.Alternatives, bot.Alternative{ID: "a", Title: strings.Repeat("备选", i+1)})
		}
		out := renderAnswer(a, nil)
		if len(out) >= 2048 || !utf8.ValidString(out) || !strings.HasSuffix(out, a.Disclaimer) {
			t.Fatalf("%d bytes, valid %v, disclaimer last %v", len(out), utf8.ValidString(out), strings.HasSuffix(out, a.Disclaimer))
		}
	})
}
