package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"testing"

	"github.com/gradgraph/gradgraph/internal/split"
)

// TestSgemmSplitChunks checks that a product split over goroutines, in
// column chunks taken from a counter with op(A) packed once for all of them
// (prepackA) or by each chunk (A too big to share), gives C bit for bit as
// computed on one goroutine, for every kernel, both transposes, several
// depth blocks, ragged edges and the narrow (Cᵀ) case. Every shape has
// at least twice the AVX-512 kernel's minSplit multiply-adds, so that it is
// split on every kernel.
func TestSgemmSplitChunks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	shapes := []gemmCase{
		{false, false, 128, 512, 784, 1, 0},
		{false, true, 100, 333, 600, 1, 1},
		{true, false, 77, 250, 500, 1, 0},
		{false, false, 400, 100, 500, 1, 0}, // several row blocks in the shared A
		{true, true, 130, 97, 1100, 1, 1},
		{false, false, 600, 12, 2000, 1, 0},       // narrow: Cᵀ
		{false, false, 1100, 64, 1000, 1, 0},      // A over sharedAMax: packed per chunk
		{false, false, 40, ncMax + 100, 64, 1, 1}, // two column blocks in a chunk
	}
	for _, kern := range kernels() {
		for _, g := range shapes {
			t.Run(fmt.Sprintf("%s/%s", kern.name, g.benchName()), func(t *testing.T) {
				rng := rand.New(rand.NewSource(9))
				ar, ac, br, bc := g.stored()
				if g.m*g.n*g.k < 2*kern.minSplit {
					t.Fatalf("%d multiply-adds: too few to split", g.m*g.n*g.k)
				}
				a, b, c0 := randSlice(rng, ar*ac), randSlice(rng, br*bc), randSlice(rng, g.m*g.n)
				run := func(mode split.Mode) []float32 {
					defer split.Force(mode)()
					c := append([]float32(nil), c0...)
					withKernel(kern, func() {
						if err := Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, ac, b, bc, g.beta, c, g.n); err != nil {
							t.Fatal(err)
						}
					})
					return c
				}
				want := run(split.Serial)
				for round := 0; round < 3; round++ {
					got := run(split.Split)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("round %d: C[%d] = %v split, %v on one goroutine", round, i, got[i], want[i])
						}
					}
				}
			})
		}
	}
}
