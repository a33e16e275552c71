package kernels

// BiasReLU adds b to every row of y (rows of len(b); a trailing partial
// row is left alone) and applies ReLU, keeping NaN and making −0 +0 as
// ReLUInPlace does (AVX2 for float32 when len(b) is a multiple of 8):
//
//	for each row r of y: for j := range b { r[j] = max(r[j]+b[j], 0) }
//
// (Go's max: NaN if either is NaN, +0 for max(−0, 0).) It is the epilogue
// of a convolution's product: in Go the two passes of AddTo and
// ReLUInPlace per row of 32 filters cost more per element than a fused
// loop, and the vector kernel a small fraction of either (timed by hand;
// BENCHMARKS.md, "Convolution and pooling").
func BiasReLU[T Float](y, b []T) {
	if len(b) == 0 {
		return
	}
	if y32, ok := any(y).([]float32); ok {
		biasReLU32(y32, any(b).([]float32))
		return
	}
	biasReLUGo(y, b)
}

// biasReLUGo is the reference of BiasReLU.
func biasReLUGo[T Float](y, b []T) {
	f := len(b)
	for i := 0; i+f <= len(y); i += f {
		row := y[i : i+f]
		for j, v := range row {
			row[j] = max(v+b[j], 0)
		}
	}
}
