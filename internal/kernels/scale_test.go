package kernels

import (
	"fmt"
	"testing"
)

// TestScaleBytesBitIdentical checks ScaleBytes against float32(b)/255 for
// every byte value, at every offset and length around the kernel's blocks
// of 8, with guard elements around dst.
func TestScaleBytesBitIdentical(t *testing.T) {
	src := make([]byte, 2048+17)
	for i := range src {
		src[i] = byte(i * 7)
	}
	for _, n := range append(oddLengths, 255, 256, 273, 2065) {
		for off := 0; off < 3 && off+n <= len(src); off++ {
			dst, back := guarded32(n, nil)
			ScaleBytes(dst, src[off:off+n], src[:min(len(src), 100)])
			for j, b := range src[off : off+n] {
				if want := float32(b) / 255; !same32(dst[j], want) {
					t.Fatalf("n=%d off=%d: byte %d scaled to %g, want %g", n, off, b, dst[j], want)
				}
			}
			checkGuards32(t, fmt.Sprintf("n=%d off=%d", n, off), back, n)
		}
	}
}
