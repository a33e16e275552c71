package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// Each assembly routine against its pure-Go reference over oddLengths,
// with guard elements around every buffer written. Without AVX2/FMA (or
// with -tags noasm) both sides run the reference, and the tests still
// check the guards and the stated loops.

// randomVector has zeros, -0, NaN, negatives and positives.
func randomVector(rng *rand.Rand) func(int) float32 {
	return func(int) float32 {
		switch r := rng.Intn(10); {
		case r < 3:
			return 0
		case r == 3:
			return float32(math.Copysign(0, -1))
		case r == 4 && rng.Intn(4) == 0:
			return float32(math.NaN())
		default:
			return float32(rng.NormFloat64())
		}
	}
}

// TestNonzerosBitIdentical checks nonzeros32 (AVX2 blocks of 8) against
// nonzeros32Go: the same count, positions and bits, and nothing written
// outside idx and val.
func TestNonzerosBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for _, n := range oddLengths {
		x, xb := guarded32(n, randomVector(rng))
		val, vb := guarded32(n, nil)
		val2 := make([]float32, n)
		idxBack := make([]int32, n+2*guardN)
		for i := range idxBack {
			idxBack[i] = -7
		}
		idx, idx2 := idxBack[guardN:guardN+n:guardN+n], make([]int32, n)
		k, k2 := nonzeros32(x, idx, val), nonzeros32Go(x, idx2, val2)
		if k != k2 {
			t.Fatalf("n=%d: %d nonzeros, reference %d", n, k, k2)
		}
		for q := 0; q < k; q++ {
			if idx[q] != idx2[q] || !same32(val[q], val2[q]) {
				t.Fatalf("n=%d: nonzero %d at %d = %g, reference at %d = %g", n, q, idx[q], val[q], idx2[q], val2[q])
			}
		}
		what := fmt.Sprintf("n=%d", n)
		checkGuards32(t, what+" x", xb, n)
		checkGuards32(t, what+" val", vb, n)
		for i, v := range idxBack {
			if (i < guardN || i >= guardN+n) && v != -7 {
				t.Fatalf("%s: idx guard %d overwritten with %d", what, i, v)
			}
		}
	}
}

// TestReLUGradBitIdentical checks ReLUGrad in float32 (AVX2) against
// reluGrad32Go and in float64 against the loop of its doc comment.
func TestReLUGradBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(22))
	for _, n := range oddLengths {
		gen := randomVector(rng)
		y, _ := guarded32(n, gen)
		dy, _ := guarded32(n, gen)
		dz, zb := guarded32(n, func(int) float32 { return 99 })
		want := make([]float32, n)
		reluGrad32Go(y, dy, want)
		ReLUGrad(y, dy, dz)
		for i := range want {
			if !same32(dz[i], want[i]) {
				t.Fatalf("n=%d: dz[%d] = %g, reference %g (y %g, dy %g)", n, i, dz[i], want[i], y[i], dy[i])
			}
		}
		checkGuards32(t, fmt.Sprintf("n=%d float32", n), zb, n)

		y64, dy64 := make([]float64, n), make([]float64, n)
		for i := range y64 {
			y64[i], dy64[i] = float64(y[i]), float64(dy[i])
		}
		dz64, zb64 := guarded64(n, func(int) float64 { return 99 })
		ReLUGrad(y64, dy64, dz64)
		for i, v := range y64 {
			w := dy64[i]
			if math.Float64bits(v) == 0 { // float64 tests the bits: -0 keeps dy
				w = 0
			}
			if math.Float64bits(dz64[i]) != math.Float64bits(w) {
				t.Fatalf("n=%d float64: dz[%d] = %g, want %g", n, i, dz64[i], w)
			}
		}
		checkGuards64(t, fmt.Sprintf("n=%d float64", n), zb64, n)
	}
}

// TestAddToBitIdentical checks AddTo in float32 (AVX) against add32Go and
// in float64 against the loop, on a src shorter than dst's backing array.
func TestAddToBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	for _, n := range oddLengths {
		gen := randomVector(rng)
		src, _ := guarded32(n, gen)
		dst, db := guarded32(n, gen)
		want := append([]float32(nil), dst...)
		add32Go(want, src)
		AddTo(dst, src)
		for i := range want {
			if !same32(dst[i], want[i]) {
				t.Fatalf("n=%d: dst[%d] = %g, reference %g", n, i, dst[i], want[i])
			}
		}
		checkGuards32(t, fmt.Sprintf("n=%d float32", n), db, n)

		s64 := make([]float64, n)
		for i := range s64 {
			s64[i] = rng.NormFloat64()
		}
		d64, b64 := guarded64(n, func(i int) float64 { return float64(i) })
		AddTo(d64, s64)
		for i := range d64 {
			if d64[i] != float64(i)+s64[i] {
				t.Fatalf("n=%d float64: dst[%d] = %g, want %g", n, i, d64[i], float64(i)+s64[i])
			}
		}
		checkGuards64(t, fmt.Sprintf("n=%d float64", n), b64, n)
	}
}

// TestReLUInPlace checks ReLUInPlace against its loop in float32 and
// float64: negatives and -0 become +0, the rest keeps its bits.
func TestReLUInPlace(t *testing.T) {
	rng := rand.New(rand.NewSource(24))
	for _, n := range oddLengths {
		y, yb := guarded32(n, randomVector(rng))
		y64, yb64 := guarded64(n, func(i int) float64 { return float64(y[i]) })
		want := append([]float32(nil), y...)
		for j, v := range want {
			if math.Signbit(float64(v)) {
				want[j] = 0
			}
		}
		ReLUInPlace(y)
		ReLUInPlace(y64)
		for j := range want {
			if !same32(y[j], want[j]) || math.Float64bits(y64[j]) != math.Float64bits(float64(want[j])) {
				t.Fatalf("n=%d: relu[%d] = %g / %g, want %g", n, j, y[j], y64[j], want[j])
			}
		}
		checkGuards32(t, fmt.Sprintf("n=%d", n), yb, n)
		checkGuards64(t, fmt.Sprintf("n=%d float64", n), yb64, n)
	}
}

// TestTransposeBitIdentical checks transpose32 (AVX 8×8 blocks) against
// transposeGo on column ranges that start and end inside and on block
// boundaries, and that nothing outside t is written.
func TestTransposeBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(25))
	for _, rows := range []int{1, 7, 8, 9, 17, 64} {
		for _, cols := range []int{1, 7, 8, 9, 65} {
			a, _ := guarded32(rows*cols, randomVector(rng))
			for _, cr := range [][2]int{{0, cols}, {cols / 3, cols}, {1, max(1, cols-1)}} {
				c0, c1 := cr[0], cr[1]
				tt, tb := guarded32(rows*cols, func(int) float32 { return -5 })
				want := make([]float32, rows*cols)
				for i := range want {
					want[i] = -5
				}
				transpose32(tt, a, rows, cols, c0, c1)
				transposeGo(want, a, rows, cols, 0, rows, c0, c1)
				for i := range want {
					if !same32(tt[i], want[i]) {
						t.Fatalf("%dx%d cols [%d,%d): t[%d] = %g, reference %g", rows, cols, c0, c1, i, tt[i], want[i])
					}
				}
				checkGuards32(t, fmt.Sprintf("%dx%d cols [%d,%d)", rows, cols, c0, c1), tb, rows*cols)
			}
		}
	}
}

// TestDot4 checks dot4 (AVX2/FMA) and dot4Go against a float64 sum, with
// a tolerance of 1e-5 relative to the sum of the terms' magnitudes, that
// the two agree bit for bit (dot4Go emulates the assembly's lanes), on
// lengths that are multiples of 16 and two that are not (Go only), and
// that nothing past out is written.
func TestDot4(t *testing.T) {
	rng := rand.New(rand.NewSource(26))
	for _, n := range []int{0, 5, 16, 32, 37, 48, 64, 512, 784} {
		for _, ldb := range []int{n, n + 3} {
			a, _ := guarded32(n, func(int) float32 { return float32(rng.NormFloat64()) })
			b, _ := guarded32(3*ldb+n, func(int) float32 { return float32(rng.NormFloat64()) })
			var out, ref [4]float32
			dot4(a, b, ldb, &out)
			dot4Go(a, b, ldb, &ref)
			for r := range out {
				if math.Float32bits(out[r]) != math.Float32bits(ref[r]) {
					t.Fatalf("n=%d ldb=%d row %d: dot4 %v, dot4Go %v: not the same bits", n, ldb, r, out[r], ref[r])
				}
				var s, mag float64
				for k, v := range a {
					p := float64(v) * float64(b[r*ldb+k])
					s += p
					mag += math.Abs(p)
				}
				for _, got := range []float32{out[r], ref[r]} {
					if math.Abs(float64(got)-s) > 1e-5*mag+1e-30 {
						t.Fatalf("n=%d ldb=%d row %d: dot4 %g, reference %g, want %g", n, ldb, r, out[r], ref[r], s)
					}
				}
			}
		}
	}
}

// TestKernelsWithoutAssembly runs the kernel tests with the assembly
// switched off, as on a CPU without AVX2/FMA or another architecture: the
// Go paths must pass the same checks.
func TestKernelsWithoutAssembly(t *testing.T) {
	defer DisableAssembly()()
	for name, test := range map[string]func(*testing.T){
		"spmm":      TestSpmmKernel,
		"nonzeros":  TestNonzeros,
		"vector":    TestVectorKernels,
		"transpose": TestTransposeRows,
		"csr":       TestCSRRowsCols,
		"rmsprop":   TestRMSpropBitIdentical,
		"scale":     TestScaleBytesBitIdentical,
		"dot4":      TestDot4,
		"skinny":    TestSkinnyProducts,
		"biasrelu":  TestBiasReLUBitIdentical,
		"maxinto":   TestMaxIntoBitIdentical,
	} {
		t.Run(name, test)
	}
}
