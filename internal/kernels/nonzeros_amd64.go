//go:build !noasm

package kernels

//go:noescape
func nonzeros8(x *float32, blocks int, idx *int32, val *float32, perm *[256][8]int32, step *[16]int32) int

// nzPerm[m] lists the positions of the set bits of m, lowest first: the
// permutation that packs the nonzero lanes of a block of 8 whose nonzero
// mask is m. nzStep is the first block's offset (0) and the step from one
// block's offset to the next (8), in every lane.
var (
	nzPerm = func() (t [256][8]int32) {
		for m := range t {
			k := 0
			for b := 0; b < 8; b++ {
				if m&(1<<b) != 0 {
					t[m][k] = int32(b)
					k++
				}
			}
		}
		return t
	}()
	nzStep = [16]int32{0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8}
)

// nonzeros32 is nonzeros32Go with blocks of 8 in assembly (AVX2).
func nonzeros32(x []float32, idx []int32, val []float32) int {
	blocks := len(x) / 8
	n := 0
	if hasFMA32 && blocks > 0 {
		_, _ = idx[8*blocks-1], val[8*blocks-1]
		n = nonzeros8(&x[0], blocks, &idx[0], &val[0], &nzPerm, &nzStep)
	} else {
		blocks = 0
	}
	for k := 8 * blocks; k < len(x); k++ {
		if x[k] != 0 {
			idx[n], val[n] = int32(k), x[k]
			n++
		}
	}
	return n
}
