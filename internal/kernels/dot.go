package kernels

// dot4Go is the reference of dot4, which sets out[r] to the dot product of
// a with b[r·ldb : r·ldb+len(a)] for r < 4:
//
//	out[r] = Σ_t a[t]·b[r·ldb+t]
//
// The assembly sums in another order (two accumulators per row, paired at
// the end), so the two agree to rounding, not bit for bit.
func dot4Go(a, b []float32, ldb int, out *[4]float32) {
	for r := range out {
		var s float32
		for t, v := range a {
			s += float32(v * b[r*ldb+t]) // rounded: no FMA with GOAMD64=v3
		}
		out[r] = s
	}
}
