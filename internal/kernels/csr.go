package kernels

// CSR holds the nonzero elements of a row-major matrix (or of its
// transpose) row by row: row r has its cnt[r] column indices and values at
// idx[r·stride:] and val[r·stride:], stride being the row length of the
// dense form. The fixed stride lets every row be filled independently (on
// several cores) without a prefix sum. Its buffers are reused from call to
// call; the zero value is ready to use.
type CSR[T Float] struct {
	stride int
	cnt    []int32
	idx    []int32
	val    []T
	cut    []int32 // Spmm's panel boundaries, row by row
}

func (c *CSR[T]) grow(rows, stride int) {
	c.stride = stride
	c.cnt = Grow(c.cnt, rows)
	if n := rows * stride; cap(c.idx) < n {
		c.idx = make([]int32, n)
		c.val = make([]T, n)
	} else {
		c.idx, c.val = c.idx[:n], c.val[:n]
	}
}

// Rows is the number of rows stored.
func (c *CSR[T]) Rows() int { return len(c.cnt) }

// Row returns the column indices and values of row r's nonzeros, in
// increasing order of column.
func (c *CSR[T]) Row(r int) ([]int32, []T) {
	p := r * c.stride
	q := p + int(c.cnt[r])
	return c.idx[p:q], c.val[p:q]
}

// NNZ is the number of nonzeros stored.
func (c *CSR[T]) NNZ() int {
	n := 0
	for _, k := range c.cnt {
		n += int(k)
	}
	return n
}

// RowsOf fills c with the nonzeros of the rows×cols matrix x, in order,
// the rows shared out among the cores. -0 is a zero; NaN is not.
func (c *CSR[T]) RowsOf(x []T, rows, cols int) {
	c.grow(rows, cols)
	ParallelRows(rows, cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := x[r*cols : (r+1)*cols]
			idx := c.idx[r*cols : (r+1)*cols]
			var k int
			if x32, ok := any(xr).([]float32); ok {
				k = nonzeros32(x32, idx, any(c.val[r*cols:(r+1)*cols]).([]float32))
			} else {
				k = Nonzeros(xr, idx)
				val := c.val[r*cols : r*cols+k]
				for t, j := range idx[:k] {
					val[t] = xr[j]
				}
			}
			c.cnt[r] = int32(k)
		}
	})
}
