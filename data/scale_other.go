//go:build !amd64

package data

// scaleBytes sets dst[j] = src[j]/255.
func scaleBytes(dst []float32, src []byte) {
	for j, b := range src {
		dst[j] = scale255[b]
	}
}
