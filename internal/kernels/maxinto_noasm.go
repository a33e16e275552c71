//go:build noasm || !amd64

package kernels

func maxInto32(dst []float32, at []int32, src []float32, from int32) {
	maxInto32Go(dst, at, src, from)
}
