package graph

import (
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestNewParamAndBuilderErrors(t *testing.T) {
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"int dtype", func() error { _, err := NewParam("w", tensor.Int, true, 2); return err }, "unsupported dtype"},
		{"no shape", func() error { _, err := NewParam("w", Float32, true); return err }, "no shape"},
		{"zero dimension", func() error { _, err := NewParam("w", Float32, true, 3, 0); return err }, "non-positive dimension"},
		{"batch 0", func() error { _, err := NewBuilder(Float32, 0, true); return err }, "batch size must be positive"},
		{"int graph", func() error { _, err := NewBuilder(tensor.Int, 2, true); return err }, "unsupported dtype"},
		{"param of other dtype", func() error {
			b, _ := NewBuilder(Float32, 2, true)
			p, _ := NewParam("w64", Float64, true, 2)
			_, err := b.Param(p)
			return err
		}, `param "w64" is float64, graph is float32`},
		{"gradient of an unused param", func() error {
			b, _ := NewBuilder(Float64, 2, true)
			p, _ := NewParam("w", Float64, true, 2)
			q, _ := NewParam("unused", Float64, true, 2)
			n, _ := b.Param(p)
			_, err := b.Compile(G.Must(G.Sum(n)), []*Param{q})
			return err
		}, `param "unused" is not used`},
		{"non-scalar loss", func() error {
			b, _ := NewBuilder(Float64, 2, true)
			p, _ := NewParam("w", Float64, true, 2)
			n, _ := b.Param(p)
			_, err := b.Compile(n, []*Param{p})
			return err
		}, "loss must be a scalar"},
		{"set with wrong length", func() error {
			b, _ := NewBuilder(Float32, 2, true)
			return b.Input("x", 2, 3).Set([]float32{1, 2})
		}, "got 2 values, want 6"},
		{"restore wrong count", func() error {
			p, _ := NewParam("w", Float32, true, 2)
			return Restore([]*Param{p}, nil)
		}, "got 0 tensors for 1 params"},
	}
	for _, c := range cases {
		if err := c.err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		p, _ := NewParam("w", dt, true, 2, 3)
		q, _ := NewParam("b", dt, false, 1, 3)
		for i := 0; i < 6; i++ {
			p.SetAt(i, float64(float32(0.1*float64(i)-0.25)))
		}
		q.SetAt(2, 7)
		snap := Snapshot([]*Param{p, q})
		for i := 0; i < 6; i++ {
			p.SetAt(i, 99)
		}
		q.SetAt(2, -1)
		if err := Restore([]*Param{p, q}, snap); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			if want := float64(float32(0.1*float64(i) - 0.25)); p.At(i) != want {
				t.Errorf("%v: w[%d] = %v after restore, want %v", dt, i, p.At(i), want)
			}
		}
		if q.At(2) != 7 {
			t.Errorf("%v: b[2] = %v after restore, want 7", dt, q.At(2))
		}
	}
}

// GradCheck must be able to fail: a loss whose symbolic gradient is right
// but whose value is secretly perturbed by a feed that changes between runs
// breaks the finite differences, and a feed fixed by the seed does not.
func TestGradCheckFailsWhenTheLossIsNotTheDifferentiatedFunction(t *testing.T) {
	build := func(fill func(*rand.Rand, []float32)) (*Builder, *G.Node, *Param) {
		b, _ := NewBuilder(Float64, 1, true)
		p, _ := NewParam("w", Float64, true, 1, 3)
		_ = p.SetFloat64s([]float64{0.3, -0.7, 1.1})
		w, _ := b.Param(p)
		noise := b.Feed("noise", fill, 1, 3)
		// d/dw Σ w²·noise = 2w·noise, but Gorgonia sees noise as data.
		loss := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.Square(w)), noise))))
		return b, loss, p
	}
	fixed := func(rng *rand.Rand, dst []float32) {
		for i := range dst {
			dst[i] = float32(1 + rng.Float64())
		}
	}
	b, loss, p := build(fixed)
	res, err := GradCheck(b, loss, []*Param{p}, 1e-6, 5)
	if err != nil || res.MaxRelErr > 1e-6 || res.Checked != 3 {
		t.Fatalf("fixed feed: %v, %v", res, err)
	}
	calls := 0
	drifting := func(rng *rand.Rand, dst []float32) {
		calls++
		for i := range dst {
			dst[i] = float32(1 + 0.01*float64(calls))
		}
	}
	b, loss, p = build(drifting)
	res, err = GradCheck(b, loss, []*Param{p}, 1e-6, 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr < 1e-3 {
		t.Errorf("a loss that changes between runs passed the check: %v", res)
	}
}

// TestParamElementAccessAllocatesNothing: At and SetAt are called once per
// weight by the initialisers, so an allocation each (tensor's Data boxes
// the slice) made hundreds of MB of garbage for a wide net.
func TestParamElementAccessAllocatesNothing(t *testing.T) {
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		p, err := NewParam("w", dt, true, 4, 4)
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			p.SetAt(5, p.At(5)+1)
		})
		if allocs != 0 || p.At(5) != 101 {
			t.Errorf("%v: %v allocations per At+SetAt, value %v; want 0 and 101", dt, allocs, p.At(5))
		}
	}
}
