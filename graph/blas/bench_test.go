package blas

import (
	"fmt"
	"math/rand"
	"testing"

	gblas "gonum.org/v1/gonum/blas"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

type benchBackend struct {
	name  string
	impl  gorgonia.BLAS
	setup func() // e.g. set the thread count; nil for none
}

// mnistGemms are the float32 matmuls of one training step of the MNIST
// recipe (784-512-10 MLP, batch 128), in the row-major form tensor passes
// to Sgemm. Backward ones: dW = xᵀ·dy (Trans A), dx = dy·Wᵀ (Trans B).
var mnistGemms = []struct {
	name    string
	tA, tB  gblas.Transpose
	m, n, k int
}{
	{"fwd1_128x784x512", gblas.NoTrans, gblas.NoTrans, 128, 512, 784},
	{"fwd2_128x512x10", gblas.NoTrans, gblas.NoTrans, 128, 10, 512},
	{"dW1_T784x128x512", gblas.Trans, gblas.NoTrans, 784, 512, 128},
	{"dW2_T512x128x10", gblas.Trans, gblas.NoTrans, 512, 10, 128},
	{"dH1_128x10xT512", gblas.NoTrans, gblas.Trans, 128, 512, 10},
	{"dX_128x512xT784", gblas.NoTrans, gblas.Trans, 128, 784, 512},
}

// BenchmarkSgemm reports GFLOP/s (2mnk per call) for each MNIST shape and
// backend: gonum, and under -tags openblas OpenBLAS with 1..NumCPU threads.
func BenchmarkSgemm(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	for _, be := range benchBackends() {
		for _, s := range mnistGemms {
			lda, ldb := s.k, s.n
			if s.tA == gblas.Trans {
				lda = s.m
			}
			if s.tB == gblas.Trans {
				ldb = s.k
			}
			a, bb, c := randF32(r, s.m*s.k), randF32(r, s.k*s.n), make([]float32, s.m*s.n)
			b.Run(fmt.Sprintf("%s/%s", s.name, be.name), func(b *testing.B) {
				if be.setup != nil {
					be.setup()
				}
				for b.Loop() {
					be.impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
	setThreads(defaultThreadsForBench())
}

// BenchmarkMNISTStep times all six gemms of one training step back to back,
// the number that decides the default thread count.
func BenchmarkMNISTStep(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	type buf struct{ a, b, c []float32 }
	bufs := make([]buf, len(mnistGemms))
	var flops float64
	for i, s := range mnistGemms {
		bufs[i] = buf{randF32(r, s.m*s.k), randF32(r, s.k*s.n), make([]float32, s.m*s.n)}
		flops += 2 * float64(s.m) * float64(s.n) * float64(s.k)
	}
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			if be.setup != nil {
				be.setup()
			}
			for b.Loop() {
				for i, s := range mnistGemms {
					lda, ldb := s.k, s.n
					if s.tA == gblas.Trans {
						lda = s.m
					}
					if s.tB == gblas.Trans {
						ldb = s.k
					}
					be.impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, bufs[i].a, lda, bufs[i].b, ldb, 0, bufs[i].c, s.n)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
	setThreads(defaultThreadsForBench())
}

// BenchmarkGorgoniaMLPStep runs a whole forward+backward pass of the MNIST
// recipe's MLP (784-512-10, ReLU, batch 128) on a TapeMachine, so the Go
// code between the gemms (elementwise ops, allocation, GC) competes with
// OpenBLAS's worker threads as it does in training.
func BenchmarkGorgoniaMLPStep(b *testing.B) {
	const bsz, in, hid, out = 128, 784, 512, 10
	r := rand.New(rand.NewSource(1))
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			old := gorgonia.WhichBLAS()
			gorgonia.Use(be.impl)
			defer gorgonia.Use(old)
			if be.setup != nil {
				be.setup()
			}
			g := gorgonia.NewGraph()
			mat := func(name string, rows, cols int) *gorgonia.Node {
				return gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(rows, cols), gorgonia.WithName(name),
					gorgonia.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(randF32(r, rows*cols)))))
			}
			x, w1, w2, y := mat("x", bsz, in), mat("w1", in, hid), mat("w2", hid, out), mat("y", bsz, out)
			h := gorgonia.Must(gorgonia.Rectify(gorgonia.Must(gorgonia.Mul(x, w1))))
			logits := gorgonia.Must(gorgonia.Mul(h, w2))
			cost := gorgonia.Must(gorgonia.Mean(gorgonia.Must(gorgonia.HadamardProd(logits, y))))
			if _, err := gorgonia.Grad(cost, w1, w2); err != nil {
				b.Fatal(err)
			}
			vm := gorgonia.NewTapeMachine(g)
			defer vm.Close()
			for b.Loop() {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/step")
		})
	}
	setThreads(defaultThreadsForBench())
}
