package bot

import (
	"sort"

	"faqbot/kb"
)

// topicNames are the display names of the catalog groups.
var topicNames = map[string]map[string]string{
	"schemes":         {"zh": "医保类型", "en": "Insurance schemes"},
	"payment":         {"zh": "缴费与断缴", "en": "Paying and gaps"},
	"reimbursement":   {"zh": "报销", "en": "Reimbursement"},
	"maternity":       {"zh": "生育保险", "en": "Maternity"},
	"other-insurance": {"zh": "意外险与学生保险", "en": "Accident and student insurance"},
	"remote-care":     {"zh": "异地就医", "en": "Care in another city"},
	"card":            {"zh": "医保卡与医保码", "en": "Insurance card and e-voucher"},
	"accounts":        {"zh": "个人账户与统筹", "en": "Personal and pooled accounts"},
	"family":          {"zh": "家庭共济", "en": "Family mutual aid"},
}

// topicOrder is the order topics are listed in.
var topicOrder = []string{"schemes", "payment", "reimbursement", "card", "remote-care", "accounts", "family", "maternity", "other-insurance"}

// Topic is one catalog group with its articles.
type Topic struct {
	Key      string
	Name     string
	Articles []*kb.Article
}

// GroupTopics groups a knowledge base by topic, in a stable order.
func GroupTopics(k *kb.KB, lang string) []Topic {
	by := map[string][]*kb.Article{}
	for _, a := range k.Articles(lang) {
		by[a.Topic] = append(by[a.Topic], a)
	}
	keys := append([]string(nil), topicOrder...)
	var extra []string
	for t := range by {
		if _, known := topicNames[t]; !known {
			extra = append(extra, t)
		}
	}
	sort.Strings(extra)
	var out []Topic
	for _, t := range append(keys, extra...) {
		if len(by[t]) == 0 {
			continue
		}
		name := topicNames[t][lang]
		if name == "" {
			name = t
		}
		out = append(out, Topic{Key: t, Name: name, Articles: by[t]})
	}
	return out
}
