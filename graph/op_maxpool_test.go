package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/approx"
)

// poolCases are pooling geometries: "valid", "same" with an odd padding
// (the extra row below, column right), overlapping windows, 1 to 16
// channels (8 and more take kernels.MaxInto's vector blocks).
var poolCases = []struct {
	name    string
	in      []int
	pool    [2]int
	strides [2]int
	padding string
}{
	{"2x2 valid c3", []int{4, 5, 3}, [2]int{2, 2}, [2]int{2, 2}, "valid"},
	{"2x2 same odd c2", []int{5, 3, 2}, [2]int{2, 2}, [2]int{2, 2}, "same"},
	{"3x3 stride 1 overlapping c1", []int{5, 5, 1}, [2]int{3, 3}, [2]int{1, 1}, "valid"},
	{"3x2 same stride 2x1 c4", []int{6, 5, 4}, [2]int{3, 2}, [2]int{2, 1}, "same"},
	{"2x2 valid c11", []int{4, 5, 11}, [2]int{2, 2}, [2]int{2, 2}, "valid"},
	{"3x3 same stride 2 c16", []int{5, 6, 16}, [2]int{3, 3}, [2]int{2, 2}, "same"},
}

func poolWindow(t *testing.T, in []int, pool, strides [2]int, padding string) Window {
	t.Helper()
	g, err := newWindow("maxpooling2d", "p", in, pool, strides, padding)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestMaxPoolSamplesMatchesScalar: the vectorised pooling gives the scalar
// maxPool's output bit for bit and its gradient (a scatter at the recorded
// indices) exactly, on data full of ties (values in {-1, 0, 1, 2}: the
// first maximum in row-major window order must win) and with NaNs (the
// comparison sequence is the same per channel, so a NaN first in its
// window wins and one later loses, in both).
func TestMaxPoolSamplesMatchesScalar(t *testing.T) {
	for _, c := range poolCases {
		for _, dt := range []string{"float32", "float64"} {
			name := c.name + " " + dt
			t.Run(name, func(t *testing.T) {
				g := poolWindow(t, c.in, c.pool, c.strides, c.padding)
				const batch = 3
				rng := rand.New(rand.NewSource(9))
				x := make([]float64, batch*g.h*g.w*g.c)
				for i := range x {
					x[i] = float64(rng.Intn(4) - 1)
				}
				x[0], x[len(x)/2] = math.NaN(), math.NaN()
				dy := randFloats(rng, batch*g.oh*g.ow*g.c)
				if dt == "float32" {
					checkPoolParity(t, name, g, batch, toF32(x), toF32(dy))
				} else {
					checkPoolParity(t, name, g, batch, x, dy)
				}
			})
		}
	}
}

func checkPoolParity[T float32 | float64](t *testing.T, name string, g Window, batch int, x, dy []T) {
	t.Helper()
	n, m := len(x), len(dy)
	want, got := make([]T, m), make([]T, m)
	maxPool(g, batch, x, want, nil, nil, false)
	arg := make([]int32, m)
	maxPoolSamples(g, 0, batch, x, got, arg)
	for i := range want {
		if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
			t.Fatalf("%s: y[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
	wantDx := make([]T, n)
	maxPool(g, batch, x, nil, dy, wantDx, true)
	op := &maxPoolOp{g: g, batch: batch, arg: arg, argOf: &x[0]}
	gotDx := make([]T, n)
	for i := range gotDx {
		gotDx[i] = 7 // stale values must be cleared
	}
	maxPoolBackward(op, x, got, dy, gotDx)
	for i := range wantDx {
		if gotDx[i] != wantDx[i] {
			t.Fatalf("%s: dx[%d] = %v, want %v", name, i, gotDx[i], wantDx[i])
		}
	}
}

// TestMaxPoolFusedMatchesPoolOp: in a graph, the fused pooling gives
// poolOp's output and input gradient exactly, in float32 and float64, on
// two runs with different data (the second run must not see the first's
// buffers or indices).
func TestMaxPoolFusedMatchesPoolOp(t *testing.T) {
	for _, c := range poolCases {
		for _, dt := range []tensor.Dtype{Float32, Float64} {
			name := fmt.Sprintf("%s %v", c.name, dt)
			t.Run(name, func(t *testing.T) {
				const batch = 2
				rng := rand.New(rand.NewSource(11))
				n := batch * Shape(c.in).Size()
				xs := [2][]float64{randFloats(rng, n), randFloats(rng, n)}
				l := (&MaxPooling2DLayer{PoolSize: c.pool, Strides: c.strides, Padding: c.padding})
				out, err := l.Build(c.in, dt, nil)
				if err != nil {
					t.Fatal(err)
				}
				r := randFloats(rng, batch*Shape(out).Size())
				var res [2][2][2][]float64 // [fused?][run][out, dx]
				for i, fused := range []bool{true, false} {
					res[i] = runPool(t, l, batch, dt, fused, xs, r)
				}
				for run := range 2 {
					for k, what := range []string{"output", "dx"} {
						if err := approx.Close(res[0][run][k], res[1][run][k], 0); err != nil {
							t.Errorf("%s: run %d %s: %v", name, run+1, what, err)
						}
					}
				}
				if approx.Close(res[0][1][0], res[0][0][0], 1e-3) == nil {
					t.Errorf("%s: runs 1 and 2 gave the same output", name)
				}
			})
		}
	}
}

func runPool(t *testing.T, l *MaxPooling2DLayer, batch int, dt tensor.Dtype, fused bool, xs [2][]float64, r []float64) [2][2][]float64 {
	t.Helper()
	b, err := NewBuilder(dt, batch, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = fused
	x, err := NewParam("x", dt, true, append([]int{batch}, l.in...)...)
	if err != nil {
		t.Fatal(err)
	}
	xn, err := b.Param(x)
	if err != nil {
		t.Fatal(err)
	}
	// Unfused, the general scalar op poolOp (the layer with Fused false
	// builds the plain-Gorgonia twin, compared in TestMaxPoolTwinParity).
	var out *G.Node
	if fused {
		out, err = l.Forward(b, xn)
	} else {
		out, err = G.ApplyOp(&poolOp{g: l.g, batch: batch, dt: dt}, xn)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Op().(*maxPoolOp); ok != fused {
		t.Fatalf("fused=%v built %v", fused, out.Op())
	}
	rin := b.Input("r", out.Shape()...)
	if err := rin.Set(toF32(r)); err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, rin.Node))))
	m, err := b.Compile(loss, []*Param{x}, out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var res [2][2][]float64
	for run, v := range xs {
		if err := x.SetFloat64s(v); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		res[run] = [2][]float64{floats(m.Output(0)), floats(m.Grad(0))}
	}
	return res
}

// TestGradCheckMaxPoolFused checks the fused pooling's gradient against
// central differences (float64; random inputs make ties improbable).
func TestGradCheckMaxPoolFused(t *testing.T) {
	for _, c := range poolCases {
		t.Run(c.name, func(t *testing.T) {
			l := &MaxPooling2DLayer{PoolSize: c.pool, Strides: c.strides, Padding: c.padding}
			if _, err := l.Build(c.in, Float64, nil); err != nil {
				t.Fatal(err)
			}
			const batch = 2
			b, err := NewBuilder(Float64, batch, true)
			if err != nil {
				t.Fatal(err)
			}
			b.Fused = true
			rng := rand.New(rand.NewSource(13))
			x, err := NewParam("x", Float64, true, append([]int{batch}, c.in...)...)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.SetFloat64s(randFloats(rng, x.Size())); err != nil {
				t.Fatal(err)
			}
			xn, err := b.Param(x)
			if err != nil {
				t.Fatal(err)
			}
			out, err := l.Forward(b, xn)
			if err != nil {
				t.Fatal(err)
			}
			r := b.Input("r", out.Shape()...)
			copy(r.Tensor.Data().([]float64), randFloats(rng, out.Shape().TotalSize()))
			loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
			res, err := GradCheck(b, loss, []*Param{x}, 1e-6, 11)
			if err != nil {
				t.Fatal(err)
			}
			if res.MaxRelErr > gradTol || res.Checked == 0 {
				t.Errorf("%s: %v, want max rel err ≤ %g", c.name, res, gradTol)
			}
		})
	}
}

func TestMaxPoolTwinParity(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for i, gc := range twinGeoms {
			twinCase(t, "maxpool", dt, gc, int64(40+i), func(g Window, batch int) G.Op {
				return &poolOp{g: g, batch: batch, dt: dt}
			}, MaxPoolTwin)
		}
	}
}

// How each max pooling splits the gradient where a window's maximum ties:
// poolOp and its twin give all of it to the first maximum in row-major
// order (the twin's select keeps the earlier value on a tie); Gorgonia's
// Max reduction, which the twin does not use, gives the full gradient to
// every tied element.
func TestMaxPoolTwinTies(t *testing.T) {
	// 2×2 windows, stride 1, on [[3 3 1] [3 3 3]]: the first window is all
	// 3s, the second has 3s everywhere but its top right.
	gc := twinGeom{1, 2, 3, 1, 2, 2, 1, 1, "valid"}
	xs := []float64{3, 3, 1, 3, 3, 3}
	shape := []int{1, 2, 3, 1}
	// The loss weights are R = [r0 r1] for the two windows.
	rng := rand.New(rand.NewSource(5))
	r0, r1 := float64(float32(rng.NormFloat64())), float64(float32(rng.NormFloat64()))
	firstMax := []float64{r0, r1, 0, 0, 0, 0}
	everyMax := []float64{r0, r0 + r1, 0, r0, r0 + r1, r1}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		g := gc.window(t)
		cases := []struct {
			name  string
			build func(x *G.Node) (*G.Node, error)
			want  []float64
		}{
			{"poolOp", func(x *G.Node) (*G.Node, error) {
				return G.ApplyOp(&poolOp{g: g, batch: 1, dt: dt}, x)
			}, firstMax},
			{"MaxPoolTwin", func(x *G.Node) (*G.Node, error) { return MaxPoolTwin(x, g) }, firstMax},
			{"gorgonia.Max over the window", func(x *G.Node) (*G.Node, error) {
				offs, err := twinWindowOffsets(x, g, 0)
				if err != nil {
					return nil, err
				}
				cat, err := G.Concat(3, offs...) // one channel: (1, 1, 2, 4)
				if err != nil {
					return nil, err
				}
				return G.Max(cat, 3)
			}, everyMax},
		}
		for _, c := range cases {
			name := fmt.Sprintf("%s/%v", c.name, dt)
			res := twinRun(t, name, dt, shape, xs, 5, c.build)
			if approx.RelErr(res.out, []float64{3, 3}) != 0 {
				t.Errorf("%s: output %v, want [3 3]", name, res.out)
			}
			if e := approx.RelErr(res.grad, c.want); e > parityTol(dt, 2) {
				t.Errorf("%s: gradient %v, want %v", name, res.grad, c.want)
			}
		}
	}
}
