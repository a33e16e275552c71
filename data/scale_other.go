//go:build !amd64

package data

// scaleBytes sets dst[j] = src[j]/255 (next is a prefetch hint for amd64).
func scaleBytes(dst []float32, src, next []byte) {
	for j, b := range src {
		dst[j] = scale255[b]
	}
}
