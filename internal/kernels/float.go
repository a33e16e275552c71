package kernels

// Float is the element type of the kernels: float32 or float64.
type Float interface{ ~float32 | ~float64 }

// Grow returns s with length n, reusing its backing array when it is large
// enough (its contents are then kept, not cleared).
func Grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
