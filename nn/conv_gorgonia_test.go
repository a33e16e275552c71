package nn

import (
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// nhwcToNCHW permutes a (b, h, w, c) array to (b, c, h, w).
func nhwcToNCHW(x []float64, b, h, w, c int) []float64 {
	out := make([]float64, len(x))
	for n := 0; n < b; n++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				for k := 0; k < c; k++ {
					out[((n*c+k)*h+i)*w+j] = x[((n*h+i)*w+j)*c+k]
				}
			}
		}
	}
	return out
}

// TestConvAgreesWithGorgonia runs the same convolutions and poolings
// through Gorgonia's own Conv2d and MaxPool2D (channels first, symmetric
// padding, differentiated by gorgonia.Grad) and compares outputs and
// gradients with Conv2D's and MaxPooling2D's, where Gorgonia's ops apply:
// symmetric padding ("same" with an odd kernel and stride 1) and "valid".
func TestConvAgreesWithGorgonia(t *testing.T) {
	cases := []struct {
		name         string
		b, h, w, c   int
		f, k, stride int
		padding      string
		pool         bool
	}{
		{"conv valid stride 2", 2, 7, 6, 3, 4, 3, 2, "valid", false},
		{"conv same stride 1", 2, 5, 6, 2, 3, 3, 1, "same", false},
		{"maxpool valid 2", 2, 6, 4, 3, 0, 2, 2, "valid", true},
	}
	for _, c := range cases {
		rng := rand.New(rand.NewSource(9))
		x := make([]float64, c.b*c.h*c.w*c.c)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		var l Layer
		if c.pool {
			l = MaxPooling2D(c.k)
		} else {
			l = Conv2D(c.f, c.k, Linear).WithStrides(c.stride, c.stride).WithPadding(c.padding)
		}
		m := Sequential("m", l)
		if err := m.BuildShape([]int{c.h, c.w, c.c}, BuildOptions{Seed: 4, DType: graph.Float64}); err != nil {
			t.Fatal(err)
		}
		// Ours: loss = Σ out ⊙ R, gradients by the machine.
		xp, _ := graph.NewParam("x", graph.Float64, true, c.b, c.h*c.w*c.c)
		setParam(t, xp, x)
		b, _ := graph.NewBuilder(graph.Float64, c.b, true)
		xn, _ := b.Param(xp)
		out, err := m.Forward(b, xn)
		if err != nil {
			t.Fatal(err)
		}
		r := b.Input("r", out.Shape()...)
		rd := r.Tensor.Data().([]float64)
		for i := range rd {
			rd[i] = rng.NormFloat64()
		}
		loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
		wrt := append([]*graph.Param{xp}, m.Trainable()...)
		mc, err := b.Compile(loss, wrt, out)
		if err != nil {
			t.Fatal(err)
		}
		if err := mc.Run(rand.New(rand.NewSource(1))); err != nil {
			t.Fatal(err)
		}
		ours := append([]float64(nil), mc.Output(0).Data().([]float64)...) // (b, oh·ow·f) = NHWC
		dx := append([]float64(nil), mc.Grad(0).Data().([]float64)...)
		var dk []float64
		if !c.pool {
			dk = append([]float64(nil), mc.Grad(1).Data().([]float64)...)
		}
		mc.Close()

		// Gorgonia's: NCHW input, (f, c, kh, kw) kernel.
		g := G.NewGraph()
		xg := G.NewTensor(g, tensor.Float64, 4, G.WithShape(c.b, c.c, c.h, c.w), G.WithName("x"),
			G.WithValue(tensor.New(tensor.WithShape(c.b, c.c, c.h, c.w), tensor.WithBacking(nhwcToNCHW(x, c.b, c.h, c.w, c.c)))))
		var yg, kg *G.Node
		if c.pool {
			yg = G.Must(G.MaxPool2D(xg, tensor.Shape{c.k, c.k}, []int{0, 0}, []int{c.k, c.k}))
		} else {
			conv := l.(*Conv2DLayer)
			kern := conv.Kernel.Float64s() // (kh, kw, c, f)
			kt := make([]float64, len(kern))
			for i := 0; i < c.k; i++ {
				for j := 0; j < c.k; j++ {
					for ch := 0; ch < c.c; ch++ {
						for f := 0; f < c.f; f++ {
							kt[((f*c.c+ch)*c.k+i)*c.k+j] = kern[((i*c.k+j)*c.c+ch)*c.f+f]
						}
					}
				}
			}
			kg = G.NewTensor(g, tensor.Float64, 4, G.WithShape(c.f, c.c, c.k, c.k), G.WithName("k"),
				G.WithValue(tensor.New(tensor.WithShape(c.f, c.c, c.k, c.k), tensor.WithBacking(kt))))
			pad := 0
			if c.padding == "same" {
				pad = c.k / 2
			}
			yg = G.Must(G.Conv2d(xg, kg, tensor.Shape{c.k, c.k}, []int{pad, pad}, []int{c.stride, c.stride}, []int{1, 1}))
			bias := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, c.f, 1, 1), G.WithName("bias"),
				G.WithValue(tensor.New(tensor.WithShape(1, c.f, 1, 1), tensor.WithBacking(conv.Bias.Float64s()))))
			yg = G.Must(G.BroadcastAdd(yg, bias, nil, []byte{0, 2, 3}))
		}
		ys := yg.Shape() // (b, f, oh, ow)
		// R in NCHW order.
		oh, ow, f := ys[2], ys[3], ys[1]
		rt := nhwcToNCHW(rd, c.b, oh, ow, f)
		rg := G.NewTensor(g, tensor.Float64, 4, G.WithShape(ys...), G.WithName("r"),
			G.WithValue(tensor.New(tensor.WithShape(ys...), tensor.WithBacking(rt))))
		lg := G.Must(G.Sum(G.Must(G.HadamardProd(yg, rg))))
		var yv G.Value
		G.Read(yg, &yv)
		nodes := G.Nodes{xg}
		if kg != nil {
			nodes = append(nodes, kg)
		}
		if _, err := G.Grad(lg, nodes...); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(nodes...))
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		yd := yv.Data().([]float64)
		cmp := func(what string, got []float64, want func(i int) float64) {
			for i := range got {
				if w := want(i); math.Abs(got[i]-w) > 1e-10 {
					t.Errorf("%s: %s[%d] = %v, Gorgonia %v", c.name, what, i, got[i], w)
					return
				}
			}
		}
		// ours is NHWC (b, oh, ow, f); Gorgonia's NCHW (b, f, oh, ow).
		cmp("output", ours, func(i int) float64 {
			n, rest := i/(oh*ow*f), i%(oh*ow*f)
			y, xx, ch := rest/(ow*f), rest/f%ow, rest%f
			return yd[((n*f+ch)*oh+y)*ow+xx]
		})
		gx, err := xg.Grad()
		if err != nil {
			t.Fatal(err)
		}
		gxd := gx.Data().([]float64)
		cmp("d/dx", dx, func(i int) float64 {
			n, rest := i/(c.h*c.w*c.c), i%(c.h*c.w*c.c)
			y, xx, ch := rest/(c.w*c.c), rest/c.c%c.w, rest%c.c
			return gxd[((n*c.c+ch)*c.h+y)*c.w+xx]
		})
		if kg != nil {
			gk, err := kg.Grad()
			if err != nil {
				t.Fatal(err)
			}
			gkd := gk.Data().([]float64)
			cmp("d/dkernel", dk, func(idx int) float64 {
				i, rest := idx/(c.k*c.c*c.f), idx%(c.k*c.c*c.f)
				j, rest := rest/(c.c*c.f), rest%(c.c*c.f)
				ch, ff := rest/c.f, rest%c.f
				return gkd[((ff*c.c+ch)*c.k+i)*c.k+j]
			})
		}
		vm.Close()
	}
}
