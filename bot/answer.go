package bot

// Question is one user message for the engine.
type Question struct {
	Text string
	// Lang is the reply language the user chose ("zh", "en"); empty means
	// reply in the language of the question.
	Lang string
	// Channel names the front end ("telegram", "wechat", "api", "web", "cli")
	// for logs and metrics.
	Channel string
	// User is the platform's user id. It is hashed before it is logged or stored.
	User string
	// Alternatives overrides how many runners-up to offer (0: the engine's
	// default), e.g. for a list of inline results.
	Alternatives int
	// Quiet keeps the question out of the curator's query log: text typed
	// as-you-go (Telegram inline queries) is not a question asked.
	Quiet bool
}

// Answer is the engine's reply; its JSON form is the `ask -json` contract.
type Answer struct {
	Question string  `json:"question"`
	Answered bool    `json:"answered"`
	ID       string  `json:"id"`
	Lang     string  `json:"lang"`
	Title    string  `json:"title"`
	Score    float64 `json:"score"`
	// Section is the heading of the passage the snippet is.
	Section      string        `json:"section,omitempty"`
	Snippet      string        `json:"snippet"`
	Region       string        `json:"region,omitempty"`
	Updated      string        `json:"updated,omitempty"`
	Disclaimer   string        `json:"disclaimer"`
	Text         string        `json:"text"`
	Alternatives []Alternative `json:"alternatives"`
	// Reason says why nothing was answered: empty, greeting, medical,
	// no-match, or unsure (about medical insurance, but no article clearly
	// answers it: Alternatives holds the 1-3 closest, Text the hand-off).
	Reason string `json:"reason,omitempty"`
	// Traditional is set when the question was in Traditional characters and
	// the reply was rendered in them.
	Traditional bool `json:"traditional,omitempty"`

	// Context is the previous article a follow-up was read with ("" when the
	// question was read on its own); ContextLabel says so in words
	// ("关于医保卡丢了怎么去医院看病:"), and Text starts with it (followup.go).
	Context      string `json:"context,omitempty"`
	ContextLabel string `json:"context_label,omitempty"`
}

// Alternative is a close runner-up offered as a follow-up choice.
type Alternative struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

// No-answer reasons.
const (
	ReasonEmpty    = "empty"
	ReasonGreeting = "greeting"
	ReasonMedical  = "medical"
	ReasonNoMatch  = "no-match"
	ReasonUnsure   = "unsure"
	// ReasonLanguage: the message is written in a language faqbot does not
	// read (Russian, Korean, Arabic ...); the reply is in English.
	ReasonLanguage = "language"
)
