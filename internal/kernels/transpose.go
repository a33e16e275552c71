package kernels

// transposeGo writes a[i][j] to t[j][i] for rows [r0, r1) and columns
// [c0, c1) of the rows×cols matrix a (t is cols×rows); it is the reference
// of transpose32.
func transposeGo[T Float](t, a []T, rows, cols, r0, r1, c0, c1 int) {
	for i := r0; i < r1; i++ {
		for j, v := range a[i*cols+c0 : i*cols+c1] {
			t[(c0+j)*rows+i] = v
		}
	}
}

// TransposeRows writes the transpose of the rows×cols matrix a to t
// (cols×rows),
//
//	t[j·rows+i] = a[i·cols+j] for i < rows, j < cols,
//
// the columns of a shared out among the cores (so that no two write the
// same cache line of t), 8×8 blocks at a time with AVX for float32.
func TransposeRows[T Float](t, a []T, rows, cols int) {
	ParallelRows(cols, rows, func(c0, c1 int) {
		if t32, ok := any(t).([]float32); ok {
			transpose32(t32, any(a).([]float32), rows, cols, c0, c1)
			return
		}
		transposeGo(t, a, rows, cols, 0, rows, c0, c1)
	})
}
