package train

import (
	"math"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// twoSteps applies opt twice to w = [0.5, -1.5, 2] with gradients g1 then g2
// and returns the weights after each step.
func twoSteps(t *testing.T, opt Optimizer, dt tensor.Dtype) [2][]float64 {
	t.Helper()
	p, err := graph.NewParam("w", dt, true, 3)
	if err != nil {
		t.Fatal(err)
	}
	_ = p.SetFloat64s([]float64{0.5, -1.5, 2})
	var out [2][]float64
	for k, g := range [][]float64{{0.1, -0.2, 0}, {0.3, 0.05, -4}} {
		gt := tensor.New(tensor.Of(dt), tensor.WithShape(3))
		for i, v := range g {
			if dt == graph.Float32 {
				gt.Data().([]float32)[i] = float32(v)
			} else {
				gt.Data().([]float64)[i] = v
			}
		}
		if err := opt.Update([]*graph.Param{p}, []*tensor.Dense{gt}); err != nil {
			t.Fatal(err)
		}
		out[k] = p.Float64s()
	}
	return out
}

// The expected values are Keras 3's update rules written out element by
// element, independently of the optimisers' loops.
func TestOptimizerStepsMatchFormulas(t *testing.T) {
	w0 := []float64{0.5, -1.5, 2}
	gs := [][]float64{{0.1, -0.2, 0}, {0.3, 0.05, -4}}
	expect := map[string]func() [2][]float64{
		"SGD": func() (r [2][]float64) {
			w := append([]float64(nil), w0...)
			for k, g := range gs {
				for i := range w {
					w[i] -= 0.01 * g[i]
				}
				r[k] = append([]float64(nil), w...)
			}
			return
		},
		"SGD momentum": func() (r [2][]float64) {
			w := append([]float64(nil), w0...)
			v := make([]float64, 3)
			for k, g := range gs {
				for i := range w {
					v[i] = 0.9*v[i] - 0.05*g[i]
					w[i] += v[i]
				}
				r[k] = append([]float64(nil), w...)
			}
			return
		},
		"Adam": func() (r [2][]float64) {
			w := append([]float64(nil), w0...)
			m, v := make([]float64, 3), make([]float64, 3)
			for k, g := range gs {
				step := float64(k + 1)
				for i := range w {
					m[i] = 0.9*m[i] + 0.1*g[i]
					v[i] = 0.999*v[i] + 0.001*g[i]*g[i]
					mhat := m[i] / (1 - math.Pow(0.9, step))
					vhat := v[i] / (1 - math.Pow(0.999, step))
					// Keras's epsilon hat: ε·√(1−β₂ᵗ) inside the bias-corrected form.
					w[i] -= 1e-3 * mhat / (math.Sqrt(vhat) + 1e-7/math.Sqrt(1-math.Pow(0.999, step)))
				}
				r[k] = append([]float64(nil), w...)
			}
			return
		},
		"RMSprop": func() (r [2][]float64) {
			w := append([]float64(nil), w0...)
			v := make([]float64, 3)
			for k, g := range gs {
				for i := range w {
					v[i] = 0.9*v[i] + 0.1*g[i]*g[i]
					w[i] -= 1e-3 * g[i] / math.Sqrt(v[i]+1e-7)
				}
				r[k] = append([]float64(nil), w...)
			}
			return
		},
	}
	makers := map[string]func() Optimizer{
		"SGD":          func() Optimizer { return SGD(0.01) },
		"SGD momentum": func() Optimizer { o := SGD(0.05); o.Momentum = 0.9; return o },
		"Adam":         func() Optimizer { return Adam(1e-3) },
		"RMSprop":      func() Optimizer { return RMSprop(1e-3) },
	}
	for name, mk := range makers {
		want := expect[name]()
		for _, c := range []struct {
			dt  tensor.Dtype
			tol float64
		}{{graph.Float64, 1e-14}, {graph.Float32, 2e-6}} {
			got := twoSteps(t, mk(), c.dt)
			for k := range got {
				for i := range got[k] {
					if math.Abs(got[k][i]-want[k][i]) > c.tol {
						t.Errorf("%s %v step %d: w[%d] = %.10g, want %.10g", name, c.dt, k+1, i, got[k][i], want[k][i])
					}
				}
			}
		}
	}
}

func TestOptimizerRejectsMismatchedGradients(t *testing.T) {
	p, _ := graph.NewParam("w", graph.Float32, true, 3)
	g := tensor.New(tensor.Of(graph.Float32), tensor.WithShape(4))
	for _, o := range []Optimizer{SGD(0.1), Adam(0.1), RMSprop(0.1)} {
		if err := o.Update([]*graph.Param{p}, []*tensor.Dense{g}); err == nil {
			t.Errorf("%s accepted a gradient of 4 values for 3 weights", o.Name())
		}
		if err := o.Update([]*graph.Param{p}, nil); err == nil {
			t.Errorf("%s accepted no gradients", o.Name())
		}
	}
}

func TestFlushSubnormals(t *testing.T) {
	cases := []struct{ in, want float32 }{{1e-31, 0}, {-1e-31, 0}, {1e-29, 1e-29}, {0.5, 0.5}, {1e-40, 0}}
	for _, c := range cases {
		if got := flush32(c.in); got != c.want {
			t.Errorf("flush32(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}
