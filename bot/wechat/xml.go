package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// message is an incoming WeChat message or event, plain or decrypted. In
// safe and compatible mode the envelope has Encrypt (and the plaintext
// fields too in compatible mode; only the decrypted ones are trusted).
type message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   string   `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	Recognition  string   `xml:"Recognition"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	Encrypt      string   `xml:"Encrypt"`
}

var errXML = errors.New("wechat: malformed message XML")

// parseXML decodes one <xml> document. The decoder reads no DTDs and
// expands no custom entities, so hostile XML cannot blow up.
func parseXML(body []byte) (*message, error) {
	var m message
	d := xml.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", errXML, err)
	}
	for _, s := range []*string{&m.ToUserName, &m.FromUserName, &m.CreateTime, &m.MsgType, &m.MsgID, &m.Event} {
		*s = strings.TrimSpace(*s)
	}
	return &m, nil
}

// checkMessage rejects a decoded message that lacks what every WeChat
// message has.
func (m *message) checkMessage() error {
	if m.ToUserName == "" || m.FromUserName == "" || m.MsgType == "" {
		return fmt.Errorf("%w: missing ToUserName, FromUserName or MsgType", errXML)
	}
	if _, err := strconv.ParseInt(m.CreateTime, 10, 64); err != nil {
		return fmt.Errorf("%w: CreateTime %q", errXML, m.CreateTime)
	}
	return nil
}

// writeCDATA writes s as CDATA that stays valid XML whatever s holds:
// characters XML 1.0 forbids (controls, invalid UTF-8, U+FFFE/U+FFFF) are
// dropped first, then each "]]>" is split across two sections.
func writeCDATA(b *bytes.Buffer, s string) {
	s = strings.Map(func(r rune) rune {
		if xmlChar(r) {
			return r
		}
		return -1
	}, strings.ToValidUTF8(s, ""))
	b.WriteString("<![CDATA[")
	b.WriteString(strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]>")
}

// xmlChar reports whether XML 1.0 allows r in character data.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// replyXML is the passive text reply: sender and receiver swapped.
func replyXML(to, from string, created int64, content string) []byte {
	var b bytes.Buffer
	b.WriteString("<xml><ToUserName>")
	writeCDATA(&b, to)
	b.WriteString("</ToUserName><FromUserName>")
	writeCDATA(&b, from)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(created, 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>")
	writeCDATA(&b, content)
	b.WriteString("</Content></xml>")
	return b.Bytes()
}

// encryptedXML is the safe-mode reply envelope.
func encryptedXML(encrypted, signature, timestamp, nonce string) []byte {
	var b bytes.Buffer
	b.WriteString("<xml><Encrypt>")
	writeCDATA(&b, encrypted)
	b.WriteString("</Encrypt><MsgSignature>")
	writeCDATA(&b, signature)
	b.WriteString("</MsgSignature><TimeStamp>")
	b.WriteString(timestamp)
	b.WriteString("</TimeStamp><Nonce>")
	writeCDATA(&b, nonce)
	b.WriteString("</Nonce></xml>")
	return b.Bytes()
}
