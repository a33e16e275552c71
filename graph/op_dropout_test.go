package graph

import (
	"gorgonia.org/tensor"

	"fmt"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/internal/approx"
)

// TestDropoutOp: y = x ⊙ mask and dx = dy ⊙ mask exactly (one product per
// element, as HadamardProd), the mask not differentiated, and the output
// and gradient tensors reused by the next run without allocating.
func TestDropoutOp(t *testing.T) {
	for _, dt := range parityDtypes {
		for _, shape := range [][]int{{2, 3}, {1, 2, 2, 2}} {
			name := fmt.Sprintf("%v/shape%v", dt, shape)
			t.Run(name, func(t *testing.T) {
				b, _ := NewBuilder(dt, shape[0], true)
				x, err := NewParam("x", dt, true, shape...)
				if err != nil {
					t.Fatal(err)
				}
				n := x.Size()
				xs, ms, rs := make([]float64, n), make([]float32, n), make([]float32, n)
				for i := range xs {
					xs[i] = 0.25*float64(i) - 0.7
					x.SetAt(i, xs[i])
					if i%3 != 1 {
						ms[i] = 2
					}
					rs[i] = float32(i) + 0.5
				}
				mask, r := b.Input("mask", shape...), b.Input("r", shape...)
				_ = mask.Set(ms)
				_ = r.Set(rs)
				y, err := Dropout(G.Must(b.Param(x)), mask.Node)
				if err != nil {
					t.Fatal(err)
				}
				loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, r.Node))))
				m, err := b.Compile(loss, []*Param{x}, y)
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Run(nil); err != nil {
					t.Fatal(err)
				}
				out, grad := m.Output(0), m.Grad(0)
				gotY, gotDx := Float64s(out), Float64s(grad)
				for i := range xs {
					want := float64(float32(xs[i]) * ms[i])
					if dt == Float64 {
						want = xs[i] * float64(ms[i])
					}
					if gotY[i] != want {
						t.Errorf("%s: y[%d] = %v, want %v", name, i, gotY[i], want)
					}
					if wantDx := float64(rs[i] * ms[i]); gotDx[i] != wantDx {
						t.Errorf("%s: dx[%d] = %v, want %v", name, i, gotDx[i], wantDx)
					}
				}
				first := y.Op().(ownedOutput).lastOutput()
				if err := m.Run(nil); err != nil {
					t.Fatal(err)
				}
				if m.Grad(0) != grad || y.Op().(ownedOutput).lastOutput() != first {
					t.Errorf("%s: a second run returned new tensors", name)
				}
				op, args := y.Op(), []G.Value{x.Value, mask.Tensor}
				if a := testing.AllocsPerRun(10, func() { _, _ = op.Do(args...) }); a != 0 {
					t.Errorf("%s: Do allocates %v times per run", name, a)
				}
			})
		}
	}
	b, _ := NewBuilder(Float32, 2, true)
	if _, err := Dropout(b.Input("x", 2, 3).Node, b.Input("m", 3, 2).Node); err == nil {
		t.Error("mask of another shape: no error")
	}
}

// TestDropoutTwinParity: Builder.Dropout fused (the mask op) and as its
// twin (gorgonia.HadamardProd) give the same output and input gradient,
// bit for bit: one product per element either way.
func TestDropoutTwinParity(t *testing.T) {
	for _, dt := range parityDtypes {
		for _, shape := range [][]int{{3, 5}, {2, 3, 2, 4}} {
			name := fmt.Sprintf("%v/shape%v", dt, shape)
			n := tensor.Shape(shape).TotalSize()
			xs := twinInputValues(n, 3)
			var res [2]twinResult
			for i, fused := range []bool{true, false} {
				res[i] = twinRunB(t, name, dt, shape, xs, 5, func(b *Builder, x *G.Node) (*G.Node, error) {
					b.Fused = fused
					mask := b.Input("mask", shape...)
					ms := make([]float32, n)
					for j := range ms {
						if j%3 != 1 {
							ms[j] = 1 / 0.7
						}
					}
					if err := mask.Set(ms); err != nil {
						return nil, err
					}
					return b.Dropout(x, mask.Node)
				})
			}
			if approx.RelErr(res[0].out, res[1].out) != 0 || approx.RelErr(res[0].grad, res[1].grad) != 0 {
				t.Errorf("%s: fused %v %v, twin %v %v", name, res[0].out, res[0].grad, res[1].out, res[1].grad)
			}
		}
	}
}
