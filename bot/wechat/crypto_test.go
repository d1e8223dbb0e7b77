package wechat

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Published Tencent WXBizMsgCrypt sample vectors, byte for byte from
// /work/shared/wechat-vectors.md.
const (
	// Vector A (official Java sample WXBizMsgCryptTest testAesEncrypt/2).
	vecAKey       = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	vecAToken     = "pamtest"
	vecATimestamp = "1409304348"
	vecANonce     = "xxxxxx"
	vecAAppID     = "wxb11529c136998cb6"
	vecARandom    = "aaaabbbbccccdddd"
	vecAMsg       = "我是中文abcd123"
	vecAEncrypted = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
	vecAMsg2      = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>"
	vecAEncrypte2 = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb"
	vecAMsgSig    = "82c962d39941aa48552f90ef55aa323dc620cc10"
	vecAPlainSig  = "76480565cbe296026c53aaacd1ad523a1ddba24f"

	// Vector C (official Python Sample.py): a compatible-mode request.
	vecCToken     = "spamtest"
	vecCKey       = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	vecCAppID     = "wx2c2769f8efd9abc2"
	vecCTimestamp = "1409735669"
	vecCNonce     = "1320562132"
	vecCMsgSig    = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
	vecCPlainSig  = "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"
	vecCEncrypted = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
	vecCBody      = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[" + vecCEncrypted + "]]></Encrypt></xml>"
	vecCPlain     = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
	vecCRandom    = "89465c840c5f116f"
	vecCQuery     = "signature=" + vecCPlainSig + "&timestamp=" + vecCTimestamp + "&nonce=" + vecCNonce + "&encrypt_type=aes&msg_signature=" + vecCMsgSig

	// Vector B (WeCom C# Sample.cs): URL check and POST decrypt.
	vecBToken        = "QDG6eK"
	vecBAppID        = "wx5823bf96d3bd56c7"
	vecBKey          = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	vecBVerifySig    = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	vecBVerifyTS     = "1409659589"
	vecBVerifyNonce  = "263014780"
	vecBVerifyEcho   = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	vecBVerifyPlain  = "1616140317555161061"
	vecBVerifyRandom = "c41b64491c2468d0"
	vecBReqSig       = "477715d11cdb4164915debcba66cb864d751f3e6"
	vecBReqTS        = "1409659813"
	vecBReqNonce     = "1372623149"
	vecBEncrypted    = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	vecBReqData      = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + vecBEncrypted + "]]></Encrypt></xml>"
	vecBPlain        = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
	vecBReqRandom    = "0960688932c47ef1"
)

func mustCrypto(t testing.TB, key, appID string) *msgCrypto {
	t.Helper()
	c, err := newMsgCrypto(key, appID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCryptoKey: the samples' keys end in a character with non-zero
// leftover bits, which Go's strict base64 rejects; we decode them as
// Python's base64.b64decode(key + "=") does (expected bytes from it).
func TestCryptoKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ key, want string }{
		{vecAKey, "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051"}, // vectors A and C
		{vecBKey, "8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760"}, // vector B
	} {
		if _, err := base64.StdEncoding.Strict().DecodeString(tc.key + "="); err == nil {
			t.Errorf("%s: strict base64 accepted it; the test no longer shows the lenient decoding", tc.key)
		}
		got, err := decodeKey(tc.key)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("key %s = %x, want %s", tc.key, got, tc.want)
		}
	}
	for _, bad := range []string{"", "short", vecAKey + "=", vecAKey[:42] + "!", strings.Repeat("a", 44)} {
		if _, err := decodeKey(bad); !errors.Is(err, errKey) {
			t.Errorf("decodeKey(%q) = %v, want errKey", bad, err)
		}
	}
	// The URL-safe alphabet is accepted like Apache Commons does in the Java sample.
	std, _ := decodeKey(strings.ReplaceAll(vecBKey, "q", "+"))
	url, _ := decodeKey(strings.ReplaceAll(vecBKey, "q", "-"))
	if !bytes.Equal(std, url) {
		t.Error("URL-safe alphabet decodes differently")
	}
}

// TestCryptoEncryptVectorA: vector A encrypts byte for byte.
func TestCryptoEncryptVectorA(t *testing.T) {
	t.Parallel()
	c := mustCrypto(t, vecAKey, vecAAppID)
	for _, tc := range []struct{ msg, want string }{{vecAMsg, vecAEncrypted}, {vecAMsg2, vecAEncrypte2}} {
		got, err := c.encrypt([]byte(vecARandom), []byte(tc.msg))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("encrypt(%.20q)\n got %s\nwant %s", tc.msg, got, tc.want)
		}
		msg, err := c.open(tc.want)
		if err != nil || string(msg) != tc.msg {
			t.Errorf("open(vector A) = %q, %v", msg, err)
		}
	}
	if got := signature(vecAToken, vecATimestamp, vecANonce, vecAEncrypted); got != vecAMsgSig {
		t.Errorf("vector A msg_signature = %s, want %s", got, vecAMsgSig)
	}
	if got := signature(vecAToken, vecATimestamp, vecANonce); got != vecAPlainSig {
		t.Errorf("vector A signature = %s, want %s", got, vecAPlainSig)
	}
	if pad := padOf(t, c, vecAEncrypted); pad != 7 {
		t.Errorf("vector A pad = %d, want 7", pad)
	}
}

// TestCryptoDecryptVectors: vectors C and B decrypt byte for byte,
// their signatures match, and re-encrypting with the published random
// prefix gives back the published ciphertext.
func TestCryptoDecryptVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, key, appID, token, ts, nonce, encrypted, sig, plain, random string
		pad                                                               int
	}{
		{"C (Python Sample.py)", vecCKey, vecCAppID, vecCToken, vecCTimestamp, vecCNonce, vecCEncrypted, vecCMsgSig, vecCPlain, vecCRandom, 2},
		{"B POST (C# Sample.cs)", vecBKey, vecBAppID, vecBToken, vecBReqTS, vecBReqNonce, vecBEncrypted, vecBReqSig, vecBPlain, vecBReqRandom, 30},
		{"B VerifyURL (C# Sample.cs)", vecBKey, vecBAppID, vecBToken, vecBVerifyTS, vecBVerifyNonce, vecBVerifyEcho, vecBVerifySig, vecBVerifyPlain, vecBVerifyRandom, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCrypto(t, tc.key, tc.appID)
			if got := signature(tc.token, tc.ts, tc.nonce, tc.encrypted); got != tc.sig {
				t.Errorf("msg_signature = %s, want %s", got, tc.sig)
			}
			if !signatureOK(strings.ToUpper(tc.sig), tc.token, tc.ts, tc.nonce, tc.encrypted) {
				t.Error("upper-case signature rejected")
			}
			msg, appID, err := c.decrypt(tc.encrypted)
			if err != nil {
				t.Fatal(err)
			}
			if string(msg) != tc.plain || appID != tc.appID {
				t.Errorf("decrypt = %q, %q\nwant %q, %q", msg, appID, tc.plain, tc.appID)
			}
			if pad := padOf(t, c, tc.encrypted); pad != tc.pad {
				t.Errorf("pad = %d, want %d", pad, tc.pad)
			}
			again, err := c.encrypt([]byte(tc.random), msg)
			if err != nil || again != tc.encrypted {
				t.Errorf("re-encrypt with random %s:\n got %s\nwant %s (%v)", tc.random, again, tc.encrypted, err)
			}
		})
	}
	if got := signature(vecCToken, vecCTimestamp, vecCNonce); got != vecCPlainSig {
		t.Errorf("vector C plain signature = %s, want %s", got, vecCPlainSig)
	}
}

// padOf decrypts without unpadding and returns the last byte.
func padOf(t *testing.T, c *msgCrypto, encrypted string) int {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		t.Fatal(err)
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(c.block, c.iv).CryptBlocks(plain, data)
	return int(plain[len(plain)-1])
}

// rawCipher encrypts plaintext exactly as given (no padding added), to
// forge bad padding and bad length fields with the vector A key.
func rawCipher(t testing.TB, c *msgCrypto, plain []byte) string {
	t.Helper()
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

func TestCryptoRejects(t *testing.T) {
	t.Parallel()
	c := mustCrypto(t, vecAKey, vecAAppID)
	body := func(msgLen uint32, msg string, pad byte, padN int) []byte {
		p := append([]byte(vecARandom), binary.BigEndian.AppendUint32(nil, msgLen)...)
		p = append(p, msg+vecAAppID...)
		return append(p, bytes.Repeat([]byte{pad}, padN)...)
	}
	// 16 + 4 + 3 + 18 = 41 bytes: 23 pad bytes reach 64.
	good := body(3, "abc", 23, 23)
	if msg, err := c.open(rawCipher(t, c, good)); err != nil || string(msg) != "abc" {
		t.Fatalf("control case: %q, %v", msg, err)
	}
	otherApp := mustCrypto(t, vecAKey, "wxsomeoneelse00000")
	foreign, _ := otherApp.encrypt([]byte(vecARandom), []byte("abc"))
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"not base64", "@@@@", errCipher},
		{"empty", "", errCipher},
		{"not a multiple of 16", base64.StdEncoding.EncodeToString(make([]byte, 40)), errCipher},
		{"pad 0", rawCipher(t, c, body(3, "abc", 0, 23)), errCipher},
		{"pad 33", rawCipher(t, c, append(body(3, "abc", 23, 22), 33)), errCipher},
		{"inconsistent pad", rawCipher(t, c, append(body(3, "abc", 9, 22), 23)), errCipher},
		{"length beyond data", rawCipher(t, c, body(4000, "abc", 23, 23)), errCipher},
		{"too short", rawCipher(t, c, bytes.Repeat([]byte{16}, 16)), errCipher},
		{"wrong AppID", foreign, errAppID},
	} {
		if _, err := c.open(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := c.encrypt([]byte("short"), nil); err == nil {
		t.Error("encrypt accepted a 5-byte random prefix")
	}
}

func TestSignatureCompare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig  string
		want bool
	}{
		{vecCPlainSig, true},
		{strings.ToUpper(vecCPlainSig), true},
		{"", false},
		{vecCPlainSig[:39], false},
		{vecCPlainSig + "0", false},
		{strings.Replace(vecCPlainSig, "1", "2", 1), false},
	} {
		if got := signatureOK(tc.sig, vecCToken, vecCTimestamp, vecCNonce); got != tc.want {
			t.Errorf("signatureOK(%q) = %v, want %v", tc.sig, got, tc.want)
		}
	}
	// Sorting makes the order of the parts irrelevant.
	if signature("b", "a", "c") != signature("c", "b", "a") {
		t.Error("signature depends on argument order")
	}
}
