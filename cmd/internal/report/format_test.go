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
