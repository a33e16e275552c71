package kernels

// AddTo adds src to dst (AVX2 for float32):
//
//	for j := range src { dst[j] += src[j] }
//
// dst must be at least len(src) long.
func AddTo[T Float](dst, src []T) {
	if d, ok := any(dst).([]float32); ok {
		s := any(src).([]float32)
		add32(d[:len(s)], s)
		return
	}
	for j, v := range src {
		dst[j] += v
	}
}

// add32Go is the reference of add32: dst[i] += src[i] for i < len(dst).
func add32Go(dst, src []float32) {
	for i := range dst {
		dst[i] += src[i]
	}
}
