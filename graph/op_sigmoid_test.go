package graph

import (
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bigExp is e^x to prec bits: x is halved until it is below 2^-20, the
// Taylor series summed, and the result squared back.
func bigExp(x float64, prec uint) *big.Float {
	k := 0
	for math.Abs(x) > 0x1p-20 {
		x /= 2
		k++
	}
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for n := int64(1); n < 40; n++ {
		term.Mul(term, bx)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(n))
		sum.Add(sum, term)
	}
	for ; k > 0; k-- {
		sum.Mul(sum, sum)
	}
	return sum
}

// bigSigmoid is 1/(1 + e^−x) to 300 bits.
func bigSigmoid(x float64) *big.Float {
	const prec = 300
	d := bigExp(-x, prec)
	d.Add(d, new(big.Float).SetPrec(prec).SetInt64(1))
	return new(big.Float).SetPrec(prec).Quo(new(big.Float).SetPrec(prec).SetInt64(1), d)
}

// ulps64 is how many float64s lie between a and b.
func ulps64(a, b float64) int64 {
	ia, ib := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

func ulps32(a, b float32) int64 {
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

func sigmoidPoints() []float64 {
	xs := []float64{0, 1e-300, -1e-300, 0.5, -0.5, 14.9, 15, 15.5, 16, 17, 19, 20, 25, 30, 36, 37, 40, -15, -16, -30, -40, -88, -100, -700, 700, 745, -745}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		xs = append(xs, (rng.Float64()-0.5)*80)
	}
	return xs
}

// TestSigmoidCorrectlyRounded checks Sigmoid64 (the forward of the Sigmoid
// op) against 1/(1 + e^−x) computed to 300 bits: within one ulp in float64
// and in float32 everywhere (Gorgonia's float32 Sigmoid returns exactly 1
// from x = 15 on, two ulps off at x = 16), and in fact correctly rounded at
// every point sampled, in both types.
func TestSigmoidCorrectlyRounded(t *testing.T) {
	xs := sigmoidPoints()
	var exact64, exact32 int
	for _, x := range xs {
		ref := bigSigmoid(x)
		want64, _ := ref.Float64()
		want32, _ := ref.Float32()
		got64 := Sigmoid64(x)
		got32 := float32(sigmoidFast(x))
		if u := ulps64(got64, want64); u > 1 {
			t.Errorf("x = %v: float64 sigmoid %v, correctly rounded %v (%d ulps)", x, got64, want64, u)
		} else if u == 0 {
			exact64++
		}
		if u := ulps32(got32, want32); u > 1 {
			t.Errorf("x = %v: float32 sigmoid %v, correctly rounded %v (%d ulps)", x, got32, want32, u)
		} else if u == 0 {
			exact32++
		}
	}
	t.Logf("correctly rounded: float64 %d of %d, float32 %d of %d", exact64, len(xs), exact32, len(xs))
	if exact64 != len(xs) || exact32 != len(xs) {
		t.Errorf("not every point correctly rounded")
	}
	if !math.IsNaN(Sigmoid64(math.NaN())) {
		t.Error("sigmoid(NaN) is not NaN")
	}
}

// TestSigmoidForwardBackwardAgree runs the op in a graph of each type at
// points where Gorgonia's Sigmoid has saturated to 1 and its derivative
// y(1 − y) to 0: the op's gradient must be σ(x)σ(−x), computed from the
// 300-bit reference, to within float rounding.
func TestSigmoidForwardBackwardAgree(t *testing.T) {
	xs := []float64{-40, -30, -16, 0, 1, 16, 19, 20, 30, 40}
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			b, err := NewBuilder(dt, 1, true)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := NewParam("x", dt, true, 1, len(xs))
			for i, x := range xs {
				p.SetAt(i, x)
			}
			y, err := Sigmoid(G.Must(b.Param(p)))
			if err != nil {
				t.Fatal(err)
			}
			m, err := b.Compile(G.Must(G.Sum(y)), []*Param{p}, y)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := m.Run(nil); err != nil {
				t.Fatal(err)
			}
			out, grad := Float64s(m.Output(0)), Float64s(m.Grad(0))
			tol := 1e-15
			if dt == Float32 {
				tol = 1e-7
			}
			for i, x := range xs {
				s, _ := bigSigmoid(x).Float64()
				c, _ := bigSigmoid(-x).Float64()
				want := s * c
				if math.Abs(grad[i]-want) > tol*want {
					t.Errorf("x = %v: σ′ = %.9g, want %.9g (forward gave %v)", x, grad[i], want, out[i])
				}
			}
		})
	}
}

// TestSigmoidGradCheck checks the op's gradient by finite differences in
// both types, over moderate and saturating inputs.
func TestSigmoidGradCheck(t *testing.T) {
	unaryGradCheck(t, 3, func(rng *rand.Rand) float64 { return (rng.Float64() - 0.5) * 12 }, Sigmoid, 1e-6, 2e-2)
}

// anyWeightedSum is Σ out ⊙ R for R from rng, in the builder's type.
func anyWeightedSum(b *Builder, out *G.Node, rng *rand.Rand) *G.Node {
	return parityWeights(b, out, rng.Int63())
}

func ExampleSigmoid64() {
	fmt.Println(Sigmoid64(0), Sigmoid64(30) < 1, Sigmoid64(40), float32(Sigmoid64(16)))
	// Output: 0.5 true 1 0.9999999
}

func TestSigmoidTwinParity(t *testing.T) {
	rowOpParity(t, func(int, int) int { return 1 }, func(b *Builder, x *G.Node) *G.Node { return G.Must(b.Sigmoid(x)) })
}
