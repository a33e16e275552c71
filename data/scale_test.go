package data

import (
	"math"
	"testing"
)

// TestScaleBytes checks scaleBytes against float32(b)/255 for every byte
// value, at every offset and length around the kernel's blocks of 8.
func TestScaleBytes(t *testing.T) {
	src := make([]byte, 256+17)
	for i := range src {
		src[i] = byte(i * 7)
	}
	for _, n := range []int{0, 1, 7, 8, 9, 255, 256, 273} {
		for off := 0; off < 3 && off+n <= len(src); off++ {
			dst := make([]float32, n)
			scaleBytes(dst, src[off:off+n], src[:min(len(src), 100)])
			for j, b := range src[off : off+n] {
				if want := float32(b) / 255; math.Float32bits(dst[j]) != math.Float32bits(want) {
					t.Fatalf("n=%d off=%d: byte %d scaled to %g, want %g", n, off, b, dst[j], want)
				}
			}
		}
	}
}
