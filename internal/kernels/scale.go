package kernels

// ScaleBytes sets dst[j] = float32(src[j])/255 for j < len(src) (dst at
// least as long), eight at a time with AVX2: a batch of MNIST images is
// 100,352 pixels, and a table load per pixel cost more than the first
// layer's nonzero scan. next, when not empty, is prefetched into the cache
// meanwhile (the next image to scale); it changes nothing else. The result
// is bit-identical to the division.
func ScaleBytes(dst []float32, src, next []byte) {
	scaleBytes(dst[:len(src)], src, next)
}

// scale255 maps a byte to byte/255 by table: a load per pixel instead of a
// conversion and a division, with the same result as float32(b)/255.
var scale255 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// scaleBytesGo is the reference of scaleBytes.
func scaleBytesGo(dst []float32, src []byte) {
	for j, b := range src {
		dst[j] = scale255[b]
	}
}
