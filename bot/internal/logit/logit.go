// Package logit fits and applies a logistic regression: p = σ(b + Σ wᵢ·zᵢ),
// zᵢ the standardized features. Plain batch gradient descent with L2
// regularization and per-example weights; the data sets are a few thousand
// rows of a dozen features, so nothing cleverer is needed.
package logit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Model is a fitted logistic regression, serializable as JSON.
type Model struct {
	Names   []string  `json:"names"`
	Mean    []float64 `json:"mean"`
	Std     []float64 `json:"std"`
	Weights []float64 `json:"weights"` // on standardized features
	Bias    float64   `json:"bias"`
	// Threshold is the least probability for which the caller acts (answers).
	Threshold float64 `json:"threshold"`
}

// Options control a fit.
type Options struct {
	L2     float64 // regularization strength (on weights, not the bias)
	Rate   float64 // gradient step
	Epochs int
}

// DefaultOptions suit a few thousand rows of standardized features.
var DefaultOptions = Options{L2: 0.01, Rate: 0.5, Epochs: 3000}

// Prob is the model's probability for a raw (unstandardized) feature vector.
func (m *Model) Prob(x []float64) float64 {
	z := m.Bias
	for i, w := range m.Weights {
		v := x[i] - m.Mean[i]
		if m.Std[i] > 0 {
			v /= m.Std[i]
		}
		z += w * v
	}
	return sigmoid(z)
}

// Check reports a model that cannot score vectors of n features.
func (m *Model) Check(n int) error {
	if len(m.Names) != n || len(m.Mean) != n || len(m.Std) != n || len(m.Weights) != n {
		return fmt.Errorf("model has %d names, %d means, %d stds, %d weights; want %d", len(m.Names), len(m.Mean), len(m.Std), len(m.Weights), n)
	}
	return nil
}

// Load decodes a JSON model and checks it against the feature names.
func Load(data []byte, names []string) (*Model, error) {
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if err := m.Check(len(names)); err != nil {
		return nil, err
	}
	for i, n := range names {
		if m.Names[i] != n {
			return nil, fmt.Errorf("model feature %d is %q, want %q: refit", i, m.Names[i], n)
		}
	}
	return &m, nil
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Fit fits a model on rows X with labels y (0/1) and weights w (nil: 1 each).
func Fit(names []string, X [][]float64, y []bool, w []float64, o Options) (*Model, error) {
	if len(X) == 0 || len(X) != len(y) || w != nil && len(w) != len(X) {
		return nil, errors.New("fit: need as many labels and weights as rows, and at least one row")
	}
	d := len(names)
	m := &Model{Names: names, Mean: make([]float64, d), Std: make([]float64, d), Weights: make([]float64, d)}
	var total float64
	wt := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	for i, x := range X {
		if len(x) != d {
			return nil, fmt.Errorf("fit: row %d has %d features, want %d", i, len(x), d)
		}
		total += wt(i)
		for j, v := range x {
			m.Mean[j] += wt(i) * v
		}
	}
	for j := range m.Mean {
		m.Mean[j] /= total
	}
	for i, x := range X {
		for j, v := range x {
			m.Std[j] += wt(i) * (v - m.Mean[j]) * (v - m.Mean[j])
		}
	}
	for j := range m.Std {
		m.Std[j] = math.Sqrt(m.Std[j] / total)
	}
	Z := make([][]float64, len(X))
	for i, x := range X {
		Z[i] = make([]float64, d)
		for j, v := range x {
			if m.Std[j] > 0 {
				Z[i][j] = (v - m.Mean[j]) / m.Std[j]
			}
		}
	}
	grad := make([]float64, d)
	for range o.Epochs {
		clear(grad)
		var gb float64
		for i, z := range Z {
			s := m.Bias
			for j, v := range z {
				s += m.Weights[j] * v
			}
			e := sigmoid(s)
			if y[i] {
				e--
			}
			e *= wt(i)
			gb += e
			for j, v := range z {
				grad[j] += e * v
			}
		}
		for j := range m.Weights {
			m.Weights[j] -= o.Rate * (grad[j]/total + o.L2*m.Weights[j])
		}
		m.Bias -= o.Rate * gb / total
	}
	return m, nil
}

// Folds splits n row indices into k shuffled folds, reproducibly. Rows are
// split one by one: near-duplicate rows may land in different folds (see
// GroupFolds).
func Folds(n, k int, seed uint64) [][]int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	out := make([][]int, k)
	for i, v := range idx {
		out[i%k] = append(out[i%k], v)
	}
	return out
}

// GroupFolds assigns every row to one of k folds, reproducibly, keeping
// rows with the same group key (a question and its near-duplicates) in one
// fold: groups are taken in a shuffled order, largest first, each into the
// fold with the fewest rows so far. It returns the fold of each row.
func GroupFolds(groups []string, k int, seed uint64) []int {
	size := map[string]int{}
	for _, g := range groups {
		size[g]++
	}
	keys := make([]string, 0, len(size))
	for g := range size {
		keys = append(keys, g)
	}
	sort.Strings(keys)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	sort.SliceStable(keys, func(i, j int) bool { return size[keys[i]] > size[keys[j]] })
	fold, filled := map[string]int{}, make([]int, k)
	for _, g := range keys {
		f := 0
		for i := range filled {
			if filled[i] < filled[f] {
				f = i
			}
		}
		fold[g] = f
		filled[f] += size[g]
	}
	out := make([]int, len(groups))
	for i, g := range groups {
		out[i] = fold[g]
	}
	return out
}

// FoldRows turns the fold of each row (as GroupFolds returns) into k lists
// of row indices.
func FoldRows(fold []int, k int) [][]int {
	out := make([][]int, k)
	for i, f := range fold {
		out[f] = append(out[f], i)
	}
	return out
}

// CrossValidate fits k models, each on all folds but one, and returns the
// out-of-fold probability of every row.
func CrossValidate(names []string, X [][]float64, y []bool, w []float64, k int, o Options, seed uint64) ([]float64, error) {
	return CrossValidateFolds(names, X, y, w, Folds(len(X), k, seed), o)
}

// CrossValidateFolds is CrossValidate over given folds (lists of row
// indices).
func CrossValidateFolds(names []string, X [][]float64, y []bool, w []float64, folds [][]int, o Options) ([]float64, error) {
	p := make([]float64, len(X))
	for _, test := range folds {
		in := make(map[int]bool, len(test))
		for _, i := range test {
			in[i] = true
		}
		var tx [][]float64
		var ty []bool
		var tw []float64
		for i := range X {
			if !in[i] {
				tx = append(tx, X[i])
				ty = append(ty, y[i])
				if w != nil {
					tw = append(tw, w[i])
				}
			}
		}
		m, err := Fit(names, tx, ty, tw, o)
		if err != nil {
			return nil, err
		}
		for _, i := range test {
			p[i] = m.Prob(X[i])
		}
	}
	return p, nil
}

// LogLoss is the mean negative log-likelihood of labels y under p.
func LogLoss(p []float64, y []bool) float64 {
	var s float64
	for i := range p {
		q := min(max(p[i], 1e-9), 1-1e-9)
		if y[i] {
			s -= math.Log(q)
		} else {
			s -= math.Log(1 - q)
		}
	}
	return s / float64(len(p))
}
