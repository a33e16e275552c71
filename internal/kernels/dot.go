package kernels

import "github.com/gradgraph/gradgraph/internal/fma"

// dot4Go is the reference of dot4, which sets out[r] to the dot product of
// a with b[r·ldb : r·ldb+len(a)] for r < 4:
//
//	out[r] = Σ_t a[t]·b[r·ldb+t]
//
// in the order the assembly sums, so that the two agree bit for bit: term
// t goes to lane t mod 16 (the assembly's two 8-lane registers), each lane
// one FMA chain in ascending t, and the lanes are then added as the
// assembly's vertical and horizontal additions pair them:
// s[l] = lane[l] + lane[l+8], out = ((s0+s1) + (s2+s3)) + ((s4+s5) + (s6+s7)).
func dot4Go(a, b []float32, ldb int, out *[4]float32) {
	n := len(a)
	for r := range out {
		row := b[r*ldb : r*ldb+n]
		var lane [16]float32
		t := 0
		for ; t+16 <= n; t += 16 {
			x, y := a[t:t+16:t+16], row[t:t+16:t+16]
			for l := range lane {
				// fma.F32(x[l], y[l], lane[l]), its common case inlined.
				if s := float64(float64(x[l])*float64(y[l])) + float64(lane[l]); fma.MayTie(s) {
					lane[l] = fma.F32(x[l], y[l], lane[l])
				} else {
					lane[l] = float32(s)
				}
			}
		}
		for ; t < n; t++ {
			lane[t%16] = fma.F32(a[t], row[t], lane[t%16])
		}
		var s [8]float32
		for l := range s {
			s[l] = lane[l] + lane[l+8]
		}
		out[r] = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
	}
}
