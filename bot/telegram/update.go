package telegram

import (
	"encoding/json"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// update is one Bot API update with what go-telegram-bot-api v5.5.1 does
// not decode: the forum topic of the message, or of the message under a
// pressed button.
type update struct {
	tgbotapi.Update
	// thread is the message_thread_id to send replies to: the topic of a
	// forum supergroup message (is_topic_message), 0 anywhere else (private
	// chats, a forum's General topic, reply threads of ordinary groups).
	thread int
}

// topicFields are the forum fields of a Message that v5.5.1 lacks.
type topicFields struct {
	Thread  int  `json:"message_thread_id"`
	IsTopic bool `json:"is_topic_message"`
}

func (f *topicFields) topic() int {
	if f == nil || !f.IsTopic {
		return 0
	}
	return f.Thread
}

// decodeUpdate decodes one update as the library does, plus its topic.
func decodeUpdate(raw []byte) (update, error) {
	var u update
	if err := json.Unmarshal(raw, &u.Update); err != nil {
		return update{}, err
	}
	var extra struct {
		Message       *topicFields `json:"message"`
		CallbackQuery *struct {
			Message *topicFields `json:"message"`
		} `json:"callback_query"`
	}
	if json.Unmarshal(raw, &extra) == nil {
		switch {
		case u.Message != nil:
			u.thread = extra.Message.topic()
		case u.CallbackQuery != nil && extra.CallbackQuery != nil:
			u.thread = extra.CallbackQuery.Message.topic()
		}
	}
	return u, nil
}

// updateID reads just the update_id of an update that does not decode
// (0 if even that fails), for the log.
func updateID(raw []byte) int {
	var id struct {
		UpdateID int `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &id)
	return id.UpdateID
}

// anonymousAdmin reports whether m was sent by an anonymous administrator
// of its group: from GroupAnonymousBot (a bot account) on behalf of the
// group itself (sender_chat).
func anonymousAdmin(m *tgbotapi.Message) bool {
	return m.SenderChat != nil && m.Chat != nil && m.SenderChat.ID == m.Chat.ID
}

// messageSender is whom a message is answered as (and whose conversation it
// continues): its user; for an anonymous admin or a post on behalf of a
// channel, the sender chat and, for admins, the signature (their custom
// title), so that admins do not share one conversation. ok is false for
// other bots, which are ignored.
func messageSender(m *tgbotapi.Message) (u *tgbotapi.User, ok bool) {
	switch {
	case m.SenderChat != nil && (anonymousAdmin(m) || m.SenderChat.Type == "channel"):
		return &tgbotapi.User{ID: m.SenderChat.ID, FirstName: m.SenderChat.Title, LastName: m.AuthorSignature}, true
	case m.From != nil && m.From.IsBot:
		return nil, false
	}
	return m.From, true
}

// hasContent reports whether a message without text carries something a
// user sent (a sticker, a photo, a voice message, ...), which gets the
// polite "text only" reply. Service messages (a pinned message, the
// auto-delete timer, write access allowed, a shared chat or user, and kinds
// the library does not know) have none and get no reply.
func hasContent(m *tgbotapi.Message) bool {
	return m.Sticker != nil || len(m.Photo) > 0 || m.Voice != nil || m.Audio != nil || m.Video != nil ||
		m.VideoNote != nil || m.Animation != nil || m.Document != nil || m.Location != nil || m.Venue != nil ||
		m.Contact != nil || m.Poll != nil || m.Dice != nil || m.Game != nil || m.Invoice != nil || m.Caption != ""
}
