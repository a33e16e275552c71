package report

import (
	"math"
	"testing"
)

func TestDisplay(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"whole number", 400.0, "400"},
		{"negative whole number", -3.0, "-3"},
		{"fraction to 4 digits", 0.9666666666666667, "0.9667"},
		{"small fraction", 0.000123456, "0.0001235"},
		{"large to one decimal", 44278.63, "44278.6"},
		{"huge", 1e20, "100000000000000000000.0"},
		{"NaN written by name", "NaN", "NaN"},
		{"bool on", true, "on"},
		{"bool off", false, "off"},
		{"list", []any{16.0, 0.5}, "16, 0.5"},
		{"null", nil, "none"},
		{"object", map[string]any{"a": 1.0}, `{"a":1}`},
		{"infinite float", math.Inf(1), "+Inf"},
	} {
		if got := Display(tc.v); got != tc.want {
			t.Errorf("%s: Display(%v) = %q, want %q", tc.name, tc.v, got, tc.want)
		}
	}
}

// TestDisplayKey: losses and metrics print with Keras's four decimals,
// whole ones too, and other keys as Display writes them.
func TestDisplayKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		v    any
		want string
	}{
		{"test_accuracy", 1.0, "1.0000"},
		{"test_accuracy", 0.9375, "0.9375"},
		{"test_accuracy", 0.96666, "0.9667"},
		{"test_loss", 0.000123456, "0.0001"},
		{"final_val_loss", 2.0, "2.0000"},
		{"best_epoch_accuracy", 0.5, "0.5000"},
		{"test_accuracy_predict", 1.0, "1.0000"},
		{"val_loss", "NaN", "NaN"},
		{"test_loss", math.Inf(1), "+Inf"},
		{"best_epoch", 3.0, "3"},
		{"batch_size", 16.0, "16"},
		{"learning_rate", 0.001, "0.001"},
		{"train_seconds", 1.0, "1"},
	} {
		if got := DisplayKey(tc.key, tc.v); got != tc.want {
			t.Errorf("%s = %v: DisplayKey gives %q, want %q", tc.key, tc.v, got, tc.want)
		}
	}
}
