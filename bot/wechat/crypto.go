package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// padBlock is the padding block size of WXBizMsgCrypt: PKCS#7 to 32
// bytes (pad values 1..32), not AES's 16.
const padBlock = 32

// Errors of the WeChat message crypto; the handler maps them to HTTP codes.
var (
	errKey    = errors.New("wechat: bad EncodingAESKey")
	errCipher = errors.New("wechat: bad ciphertext")
	errAppID  = errors.New("wechat: AppID mismatch")
)

// msgCrypto is a WXBizMsgCrypt-compatible cipher for safe and compatible
// mode: AES-256-CBC, IV = key[:16], plaintext = 16 random bytes + 4-byte
// big-endian length + message + AppID, PKCS#7-padded to 32 bytes.
type msgCrypto struct {
	block cipher.Block
	iv    []byte
	appID string
}

// newMsgCrypto decodes the 43-character EncodingAESKey.
func newMsgCrypto(encodingAESKey, appID string) (*msgCrypto, error) {
	key, err := decodeKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errKey, err)
	}
	return &msgCrypto{block: block, iv: key[:aes.BlockSize], appID: appID}, nil
}

// b64Value maps both the standard and the URL-safe base64 alphabet, as the
// official Java sample's Apache Commons decoder does; -1 is not base64.
var b64Value = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = int8(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeKey decodes an EncodingAESKey the way Tencent's samples do
// (base64 of key+"="): the 2 leftover bits of the 43rd character are
// ignored, so keys such as the samples' "...ABCDEFG", which Go's strict
// decoder rejects, decode to the same 32 bytes as in Java, Python and C#.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) != 43 {
		return nil, fmt.Errorf("%w: want 43 characters, got %d", errKey, len(s))
	}
	key := make([]byte, 0, 32)
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		v := b64Value[s[i]]
		if v < 0 {
			return nil, fmt.Errorf("%w: character %d is not base64", errKey, i+1)
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			key = append(key, byte(acc>>bits))
			acc &= 1<<bits - 1
		}
	}
	return key, nil
}

// encrypt returns the base64 Encrypt field for msg; random must be 16 bytes
// (the samples' "randomStr").
func (c *msgCrypto) encrypt(random []byte, msg []byte) (string, error) {
	if len(random) != 16 {
		return "", fmt.Errorf("wechat encrypt: random prefix is %d bytes, want 16", len(random))
	}
	n := 20 + len(msg) + len(c.appID)
	pad := padBlock - n%padBlock
	plain := make([]byte, 0, n+pad)
	plain = append(plain, random...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, c.appID...)
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out), nil
}

// encryptRandom encrypts msg with 16 random bytes from r.
func (c *msgCrypto) encryptRandom(r io.Reader, msg []byte) (string, error) {
	random := make([]byte, 16)
	if _, err := io.ReadFull(r, random); err != nil {
		return "", fmt.Errorf("wechat encrypt: %w", err)
	}
	return c.encrypt(random, msg)
}

// decrypt opens an Encrypt field and returns the message and the AppID
// (receiveid) it carries. It checks the padding and the length fields but
// not the AppID: see open.
func (c *msgCrypto) decrypt(encrypted string) (msg []byte, appID string, err error) {
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encrypted))
	if err != nil {
		return nil, "", fmt.Errorf("%w: base64: %w", errCipher, err)
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, "", fmt.Errorf("%w: %d bytes is not a multiple of %d", errCipher, len(data), aes.BlockSize)
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(c.block, c.iv).CryptBlocks(plain, data)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > padBlock || pad > len(plain) {
		return nil, "", fmt.Errorf("%w: padding %d", errCipher, pad)
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, "", fmt.Errorf("%w: inconsistent padding", errCipher)
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, "", fmt.Errorf("%w: %d bytes is too short", errCipher, len(plain))
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, "", fmt.Errorf("%w: message length %d exceeds %d", errCipher, n, len(plain)-20)
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}

// open decrypts and checks that the message was meant for this account.
func (c *msgCrypto) open(encrypted string) ([]byte, error) {
	msg, appID, err := c.decrypt(encrypted)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(appID), []byte(c.appID)) != 1 {
		return nil, errAppID
	}
	return msg, nil
}

// signature is WeChat's signature: the hex SHA1 of the lexically
// sorted parts concatenated (token, timestamp, nonce and, for msg_signature,
// the Encrypt field).
func signature(parts ...string) string {
	p := append([]string(nil), parts...)
	sort.Strings(p)
	sum := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(sum[:])
}

// signatureOK compares a received signature in constant time.
func signatureOK(got string, parts ...string) bool {
	want := signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}
