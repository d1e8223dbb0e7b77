package logit

import (
	"math/rand/v2"
	"testing"
)

// TestFitRecoversRule: on data separable by x0 - x1 > 0.5 (x2 noise) the
// fit puts its weight on x0 and x1 with opposite signs, classifies the
// training and the cross-validated rows almost all right, and round-trips
// through JSON.
func TestFitRecoversRule(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"x0", "x1", "x2"}
	var X [][]float64
	var y []bool
	for range 600 {
		x := []float64{r.Float64() * 3, r.Float64() * 3, r.NormFloat64()}
		if d := x[0] - x[1] - 0.5; d > -0.05 && d < 0.05 {
			continue // a margin, so the rule is cleanly separable
		}
		X = append(X, x)
		y = append(y, x[0]-x[1] > 0.5)
	}
	m, err := Fit(names, X, y, nil, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !(m.Weights[0] > 1 && m.Weights[1] < -1) || abs(m.Weights[2]) > 0.3*m.Weights[0] {
		t.Errorf("weights %v: want large +x0, large -x1, small x2", m.Weights)
	}
	right := 0
	for i, x := range X {
		if (m.Prob(x) >= 0.5) == y[i] {
			right++
		}
	}
	if acc := float64(right) / float64(len(X)); acc < 0.97 {
		t.Errorf("training accuracy %.3f", acc)
	}
	p, err := CrossValidate(names, X, y, nil, 5, DefaultOptions, 7)
	if err != nil {
		t.Fatal(err)
	}
	right = 0
	for i := range p {
		if (p[i] >= 0.5) == y[i] {
			right++
		}
	}
	if acc := float64(right) / float64(len(X)); acc < 0.95 {
		t.Errorf("cross-validated accuracy %.3f", acc)
	}
	if ll := LogLoss(p, y); ll > 0.25 {
		t.Errorf("cross-validated log loss %.3f", ll)
	}
}

func TestLoad(t *testing.T) {
	good := `{"names":["a","b"],"mean":[0,1],"std":[1,2],"weights":[1,-1],"bias":0.5,"threshold":0.7}`
	m, err := Load([]byte(good), []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Prob([]float64{0, 1}); p < 0.62 || p > 0.63 || m.Threshold != 0.7 {
		t.Errorf("Prob = %v, threshold %v", p, m.Threshold)
	}
	for _, c := range []struct {
		data  string
		names []string
	}{
		{good, []string{"a", "c"}},
		{good, []string{"a"}},
		{`{"names":["a"]`, []string{"a"}},
	} {
		if _, err := Load([]byte(c.data), c.names); err == nil {
			t.Errorf("Load(%s, %v): no error", c.data, c.names)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestGroupFolds: a group never spans two folds, every row gets a fold, the
// folds are about even, and the same seed gives the same folds.
func TestGroupFolds(t *testing.T) {
	var groups []string
	for i := range 200 {
		groups = append(groups, string(rune('a'+i%37))+string(rune('a'+i%3)))
	}
	fold := GroupFolds(groups, 5, 3)
	of := map[string]int{}
	for i, g := range groups {
		if f, ok := of[g]; ok && f != fold[i] {
			t.Fatalf("group %q in folds %d and %d", g, f, fold[i])
		}
		of[g] = fold[i]
	}
	rows := FoldRows(fold, 5)
	n := 0
	for _, r := range rows {
		n += len(r)
		if len(r) < 30 || len(r) > 50 {
			t.Errorf("fold sizes %d %d %d %d %d: want about 40 each", len(rows[0]), len(rows[1]), len(rows[2]), len(rows[3]), len(rows[4]))
			break
		}
	}
	if n != len(groups) {
		t.Errorf("%d rows in folds, want %d", n, len(groups))
	}
	again := GroupFolds(groups, 5, 3)
	for i := range fold {
		if fold[i] != again[i] {
			t.Fatal("same seed, different folds")
		}
	}
}
