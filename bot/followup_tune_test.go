package bot

import (
	"context"
	"faqbot/kb"
	"os"
	"testing"
)

// TestFollowUpTune prints the follow-up figures on the tuning pairs for a
// grid of knobs (FAQBOT_TUNE=1 only).
func TestFollowUpTune(t *testing.T) {
	if os.Getenv("FAQBOT_TUNE") == "" {
		t.Skip("FAQBOT_TUNE=1 to run")
	}
	f, err := os.Open("testdata/followups.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := kb.ParsePairs(f)
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEngine(t, Deps{})
	saved := followUpParams
	defer func() { followUpParams = saved }()
	for _, sf := range []string{"question", "article", "both"} {
		for _, w := range []float64{0, 0.25, 0.5, 1} {
			for _, own := range []float64{0.2, 0.3, 0.4} {
				for _, jump := range []float64{0.6, 0.8, 1.01} {
					followUpParams = saved
					followUpParams.SubjectFrom, followUpParams.OwnWeight, followUpParams.MinOwnCoverage, followUpParams.MinJumpCoverage = sf, w, own, jump
					if os.Getenv("FAQBOT_TUNE") != "grid" {
						followUpParams = saved
					}
					r, err := EvaluatePairs(context.Background(), e, cases, func(q string) Question { return Question{Text: q} })
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%+v: %s", followUpParams, r.Summary())
					if os.Getenv("FAQBOT_TUNE") != "grid" {
						for _, m := range r.With.Misses {
							t.Log(m)
						}
						return
					}
				}
			}
		}
	}
}
