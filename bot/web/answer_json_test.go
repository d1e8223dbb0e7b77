package web

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"faqbot/bot"
)

// TestAppendAnswerMatchesMarshal: appendAnswer writes exactly json.Marshal's
// bytes, for answers with every field set (found by reflection, so a field
// added to Answer and not to appendAnswer fails here), with none set, and
// for 20,000 random ones full of what JSON must escape.
func TestAppendAnswerMatchesMarshal(t *testing.T) {
	t.Parallel()
	check := func(a *bot.Answer) {
		t.Helper()
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendAnswer(nil, a); string(got) != string(want) {
			t.Fatalf("appendAnswer(%+v)\n got %s\nwant %s", *a, got, want)
		}
	}
	var full bot.Answer
	fill(t, reflect.ValueOf(&full).Elem())
	check(&full)
	check(&bot.Answer{})
	check(&bot.Answer{Alternatives: []bot.Alternative{}})

	rng := rand.New(rand.NewPCG(3, 4))
	for range 20_000 {
		a := bot.Answer{
			Question: randText(rng), Answered: rng.IntN(2) == 0, ID: randText(rng), Lang: randText(rng),
			Title: randText(rng), Score: randFloat(rng), Snippet: randText(rng), Disclaimer: randText(rng),
			Text: randText(rng), Traditional: rng.IntN(2) == 0,
		}
		for _, f := range []*string{&a.Section, &a.Region, &a.Updated, &a.Reason, &a.Context, &a.ContextLabel} {
			if rng.IntN(2) == 0 {
				*f = randText(rng)
			}
		}
		if n := rng.IntN(4); n > 0 {
			a.Alternatives = make([]bot.Alternative, n-1)
			for i := range a.Alternatives {
				a.Alternatives[i] = bot.Alternative{ID: randText(rng), Title: randText(rng), Score: randFloat(rng)}
			}
		}
		check(&a)
	}
}

// fill sets every field of v to a value json.Marshal writes (no zero
// values, so omitempty fields appear).
func fill(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("医保 <x> & \"q\"\n\u2028")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Float64:
		v.SetFloat(0.125)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i))
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i))
		}
		v.Set(s)
	default:
		t.Fatalf("fill: a field of kind %s: teach fill and appendAnswer about it", v.Kind())
	}
}

// pieces are what JSON strings must handle: CJK, ASCII to escape, control
// bytes, DEL, U+2028/U+2029, 2- and 4-byte characters, and invalid UTF-8
// (truncated, overlong, surrogate, stray continuation bytes).
var pieces = []string{
	"医保", "卡丢了怎么办", "醫療", "a", "Z9 ", "\"", "\\", "<", ">", "&", "/", "\n", "\r", "\t", "\b", "\f",
	"\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\u2027", "é", "😀", "\u00a0", "\uffff",
	"\xe5\x8c", "\xe0\x80\x80", "\xed\xa0\x80", "\x80", "\xff", "\xe2\x80", "\xe2\x80\xa8\xe2",
}

func randText(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randFloat(rng *rand.Rand) float64 {
	switch rng.IntN(6) {
	case 0:
		return 0
	case 1:
		return float64(rng.IntN(100)) / 100
	case 2:
		return rng.Float64() * 1e-8
	case 3:
		return rng.Float64() * 1e23
	case 4:
		return -rng.Float64()
	}
	return rng.Float64()
}

// FuzzAppendString: any string, as encoding/json writes it.
func FuzzAppendString(f *testing.F) {
	for _, p := range pieces {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s (valid UTF-8: %v)", s, got, want, utf8.ValidString(s))
		}
	})
}

func BenchmarkAnswerJSON(b *testing.B) {
	a := &bot.Answer{Question: "医保卡丢了怎么办", Answered: true, ID: "lost-card", Lang: "zh", Title: "医保卡丢了怎么去医院看病", Score: 1,
		Section: "医保卡丢了怎么去医院看病", Snippet: strings.Repeat("医保卡丢了仍然可以看病。要尽快挂失补办；", 3), Region: "全国", Updated: "2025-04-19",
		Disclaimer: strings.Repeat("以上内容根据公开资料整理，仅供参考。", 4), Text: strings.Repeat("医保卡丢了仍然可以看病。\n\n", 8), Alternatives: []bot.Alternative{}}
	b.Run("appendAnswer", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for range b.N {
			buf = appendAnswer(buf[:0], a)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			json.Marshal(a)
		}
	})
}
