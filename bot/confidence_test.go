package bot

import "testing"

// TestModelLoads fails when confidence.json does not fit FeatureNames: the
// features changed and the model was not refitted (go run ./bot/internal/fit).
func TestModelLoads(t *testing.T) {
	if err := ModelError(); err != nil {
		t.Fatal(err)
	}
}
