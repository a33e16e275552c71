package graph

import (
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestFromData: a node computed from data and constants (and
// non-trainable params, such as a Normalization's statistics) needs no
// gradient; one with a trainable param below it does, however deep.
func TestFromData(t *testing.T) {
	b, err := NewBuilder(Float32, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	x := b.Input("x", 2, 3).Node
	param := func(name string, trainable bool) *G.Node {
		p, err := NewParam(name, Float32, trainable, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		n, err := b.Param(p)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	w, stat := param("w", true), param("mean", false)
	scaled := G.Must(G.Mul(x, b.Const(1.0/255)))
	normalised := G.Must(G.Sub(scaled, stat))
	weighted := G.Must(G.HadamardProd(normalised, w))
	for _, c := range []struct {
		name string
		n    *G.Node
		want bool
	}{
		{"data", x, true},
		{"data·constant", scaled, true},
		{"data·constant − non-trainable", normalised, true},
		{"reshaped", G.Must(G.Reshape(normalised, []int{3, 2})), true},
		{"trainable param", w, false},
		{"(data·constant − non-trainable) ⊙ trainable", weighted, false},
		{"above a trainable product", G.Must(G.Add(G.Must(G.Mul(weighted, b.Const(2))), x)), false},
		{"non-trainable param", stat, true},
	} {
		if got := b.FromData(c.n); got != c.want {
			t.Errorf("%s: FromData %v, want %v", c.name, got, c.want)
		}
	}
}
