package bot

import (
	"fmt"
	"strings"

	"faqbot/kb"
)

// ThanksText answers a thank-you in lang.
func ThanksText(lang string) string {
	if lang == "en" {
		return "You're welcome! Ask me anything else about Chinese medical insurance."
	}
	return "不客气！还有其他医保问题，随时问我。"
}

// exampleIDs are articles offered as examples of what the bot answers; only
// those present in the knowledge base are shown.
var exampleIDs = []string{"remote-filing", "lost-card", "family-bind", "deductible-threshold", "resident-vs-cooperative"}

// ExampleArticles returns up to n articles whose titles are good example
// questions, in lang.
func ExampleArticles(k *kb.KB, lang string, n int) []*kb.Article {
	var out []*kb.Article
	for _, id := range exampleIDs {
		if a, ok := k.Article(lang, id); ok && len(out) < n {
			out = append(out, a)
		}
	}
	return out
}

var noAnswerIntro = map[string]map[string]string{
	"zh": {
		ReasonEmpty:    "请用文字发送您关于医保的问题。我能读懂中文和英文。",
		ReasonGreeting: "您好！我是医保问答助手，可以解答居民医保、职工医保、新农合、异地就医备案、医保卡和医保电子凭证、家庭共济、生育保险等问题。",
		ReasonMedical:  "抱歉，我只能解答医保政策问题，不能提供看病或用药建议。身体不适请及时到医院就诊，紧急情况请拨打 120。",
		ReasonLanguage: "抱歉，我只能读懂中文和英文。请用中文或英文提问。",
		ReasonNoMatch:  "抱歉，这个问题我还没有可靠的答案。我能解答的是医保政策问题：居民医保和职工医保、新农合、异地就医备案、医保卡和医保电子凭证、家庭共济、生育保险等。身体不适请及时就医。",
	},
	"en": {
		ReasonEmpty:    "Please send your question about Chinese medical insurance as text. I read Chinese and English.",
		ReasonGreeting: "Hello! I answer questions about Chinese social medical insurance (医保): resident and employee schemes, the rural cooperative scheme, remote-care filing, insurance cards and e-vouchers, family mutual aid, maternity insurance.",
		ReasonMedical:  "Sorry, I can only answer questions about medical insurance rules, not give medical advice. If you feel unwell, please see a doctor; in an emergency call 120.",
		ReasonLanguage: "Sorry, I can only read Chinese and English. Please ask your question about Chinese medical insurance in Chinese or English. 请用中文或英文提问。",
		ReasonNoMatch:  "Sorry, I don't have a reliable answer to that. I answer questions about Chinese medical insurance (医保): resident and employee schemes, the rural cooperative scheme, remote-care filing, insurance cards and e-vouchers, family mutual aid, maternity insurance. For health problems, please see a doctor.",
	},
}

var examplesLabel = map[string]string{"zh": "您可以这样问：", "en": "You can ask, for example:"}

// ReplyText is the reply for a message answered without an article.
func ReplyText(k *kb.KB, lang, reason string) string {
	var b strings.Builder
	b.WriteString(noAnswerIntro[lang][reason])
	if ex := ExampleArticles(k, lang, 3); len(ex) > 0 && reason != ReasonMedical {
		b.WriteString("\n\n" + examplesLabel[lang])
		for _, a := range ex {
			b.WriteString("\n- " + a.Title)
		}
	}
	return b.String()
}

var unsureLabels = map[string]map[string]string{
	"zh": {
		"intro": "我没有找到确切回答这个问题的内容。",
		"close": "这些内容可能相关，回复序号查看：",
		"local": "注意：以上地方规定只适用于所列地区，各地医保政策不同，请以您参保地的规定为准。",
	},
	"en": {
		"intro": "I don't have an article that answers this exactly.",
		"close": "These may be related; reply with a number to read one:",
		"local": "Note: the local rules above apply only to the place named; medical insurance rules differ by place, so check the rules where you are insured.",
	},
}

// UnsureText is the reply to a medical insurance question no article clearly
// answers: the honest intro, the numbered suggestions, a line that rules
// differ by place when a suggestion is local to another place, the curated
// hand-off and the disclaimer.
func UnsureText(k *kb.KB, lang string, alts []Alternative, otherPlace bool) string {
	l := unsureLabels[lang]
	var b strings.Builder
	b.WriteString(l["intro"])
	if len(alts) > 0 {
		b.WriteString("\n\n" + l["close"])
		for i, alt := range alts {
			fmt.Fprintf(&b, "\n%d. %s", i+1, alt.Title)
		}
	}
	if otherPlace {
		b.WriteString("\n\n" + l["local"])
	}
	if h := k.Handoff(lang); h != "" {
		b.WriteString("\n\n" + h)
	}
	b.WriteString("\n\n" + k.Disclaimer(lang))
	return b.String()
}

var labels = map[string]map[string]string{
	"zh": {"region": "适用地区", "updated": "更新", "local": "（地方规定，其他地区可能不同）", "alts": "您可能还想问："},
	"en": {"region": "Region", "updated": "Updated", "local": " (local rule; other places may differ)", "alts": "Related questions:"},
}

// MetaLine is the "region · updated" line shown under an answer.
func MetaLine(lang string, a *kb.Article) string {
	l := labels[lang]
	local := ""
	if a.Regional() {
		local = l["local"]
	}
	return fmt.Sprintf("%s: %s%s · %s: %s", l["region"], a.Region, local, l["updated"], a.Updated)
}

// AlternativesLabel introduces the runners-up in lang.
func AlternativesLabel(lang string) string { return labels[lang]["alts"] }

// AnswerText is the whole reply for an answered question as a plain-text
// chat shows it: title, passage, region and date, runners-up, disclaimer.
func AnswerText(a Answer, art *kb.Article) string {
	var b strings.Builder
	b.WriteString(a.Title + "\n\n")
	if a.Section != art.Title {
		b.WriteString(a.Section + "\n")
	}
	b.WriteString(a.Snippet + "\n\n" + MetaLine(a.Lang, art))
	if len(a.Alternatives) > 0 {
		b.WriteString("\n\n" + AlternativesLabel(a.Lang))
		for _, alt := range a.Alternatives {
			b.WriteString("\n- " + alt.Title)
		}
	}
	b.WriteString("\n\n" + a.Disclaimer)
	return b.String()
}

// UnsureParts splits an unsure answer's Text around its numbered
// suggestions, for a channel that shows them its own way (buttons, "回复
// 1/2/3", [1]): head is what comes before them (a follow-up's context label,
// the honest sentence), label the line that introduced them, tail what
// follows (the line that rules differ by place, the hand-off, the
// disclaimer), each in the answer's language and script. ok is false when a
// is not unsure or its Text does not list its Alternatives; a channel shows
// a.Text as it is then.
func UnsureParts(a Answer) (head, label, tail string, ok bool) {
	if a.Answered || a.Reason != ReasonUnsure || len(a.Alternatives) == 0 {
		return "", "", "", false
	}
	blocks := strings.Split(a.Text, "\n\n")
	for i, blk := range blocks {
		lines := strings.Split(blk, "\n")
		if len(lines) != len(a.Alternatives)+1 {
			continue
		}
		match := true
		for j, alt := range a.Alternatives {
			if lines[j+1] != fmt.Sprintf("%d. %s", j+1, alt.Title) {
				match = false
				break
			}
		}
		if match {
			return strings.Join(blocks[:i], "\n\n"), lines[0], strings.Join(blocks[i+1:], "\n\n"), true
		}
	}
	return "", "", "", false
}
