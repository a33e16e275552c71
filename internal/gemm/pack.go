package gemm

// packA copies rows [i0, i0+mb) × depth [p0, p0+kb) of op(A) into dst as
// micro-panels of mr rows: panel q holds, for each depth step p, the mr
// values op(A)[i0+q·mr+r][p0+p] at dst[q·mr·kb + p·mr + r], rows past mb
// zero. The kernel then reads A with unit stride and never sees an edge.
// op(A)[i][p] is a[i·lda+p], or a[p·lda+i] when trans.
func packA(dst, a []float32, lda int, trans bool, i0, mb, p0, kb, mr int) {
	for q := 0; q*mr < mb; q++ {
		panel := dst[q*mr*kb : (q+1)*mr*kb]
		rows := min(mr, mb-q*mr)
		i := i0 + q*mr
		if trans {
			// A is stored k×m: the mr values of one step are contiguous.
			if rows == mr && copyRuns(panel, a[p0*lda+i:], lda, mr, kb) {
				continue
			}
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i : (p0+p)*lda+i+rows]
				d := panel[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[rows:])
			}
			continue
		}
		// A is stored m×k: each row is contiguous along p and lands with
		// stride mr in the panel.
		interleave(panel, mr, a, lda, i, rows, p0, kb)
	}
}

// packB copies depth [p0, p0+kb) × columns [j0, j0+nb) of op(B) into dst as
// micro-panels of nr columns: panel q holds op(B)[p0+p][j0+q·nr+c] at
// dst[q·nr·kb + p·nr + c], columns past nb zero. op(B)[p][j] is b[p·ldb+j],
// or b[j·ldb+p] when trans.
func packB(dst, b []float32, ldb int, trans bool, p0, kb, j0, nb, nr int) {
	for q := 0; q*nr < nb; q++ {
		panel := dst[q*nr*kb : (q+1)*nr*kb]
		cols := min(nr, nb-q*nr)
		j := j0 + q*nr
		if !trans {
			if cols == nr && copyRuns(panel, b[p0*ldb+j:], ldb, nr, kb) {
				continue
			}
			for p := 0; p < kb; p++ {
				src := b[(p0+p)*ldb+j : (p0+p)*ldb+j+cols]
				d := panel[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[cols:])
			}
			continue
		}
		// B is stored n×k: column j of op(B) is row j of b, contiguous
		// along p, landing with stride nr in the panel.
		interleave(panel, nr, b, ldb, j, cols, p0, kb)
	}
}

// interleave sets panel[p·w + r] = x[(r0+r)·ld + p0 + p] for r < rows and
// p < kb, and zero for rows ≤ r < w: rows of x become the columns of a
// panel. Blocks of 8 rows × 8 steps go through transpose8 where the CPU has
// AVX2, the last block of rows overlapping the one before when rows is not
// a multiple of 8 (12 = rows 0–7 and 4–11: the overlap is written twice
// with the same values), and the AVX2 kernel's 6-row panels through
// interleave6; the rest is done in Go.
func interleave(panel []float32, w int, x []float32, ld, r0, rows, p0, kb int) {
	r8, p8 := 0, 0
	if asmPack && kb >= 8 && rows == 6 && w == 6 {
		// The AVX2 kernel's panels: 6 rows, too few for transpose8.
		r8, p8 = rows, kb/8*8
		_ = panel[p8*w-1]
		_ = x[(r0+5)*ld+p0+p8-1]
		interleave6(&panel[0], &x[r0*ld+p0], ld, p8/8)
	} else if asmPack && kb >= 8 && rows >= 8 {
		r8, p8 = rows, kb/8*8
		for r := 0; r < rows; r += 8 {
			r = min(r, rows-8)
			_ = panel[(p8-1)*w+r+7]
			_ = x[(r0+r+7)*ld+p0+p8-1]
			transpose8(&panel[r], w, &x[(r0+r)*ld+p0], ld, p8/8)
		}
	}
	interleaveGo(panel, w, x, ld, r0, 0, r8, p0, p8, kb)
	interleaveGo(panel, w, x, ld, r0, r8, rows, p0, 0, kb)
	for r := rows; r < w; r++ {
		for p := 0; p < kb; p++ {
			panel[p*w+r] = 0
		}
	}
}

// interleaveGo is interleave for rows [ra, rb) and steps [pa, pb). It walks
// p in runs of 16, so that the panel rows being written and the 16-float
// runs being read both stay in L1.
func interleaveGo(panel []float32, w int, x []float32, ld, r0, ra, rb, p0, pa, pb int) {
	const run = 16
	for ps := pa; ps < pb; ps += run {
		pe := min(ps+run, pb)
		for r := ra; r < rb; r++ {
			src := x[(r0+r)*ld+p0+ps : (r0+r)*ld+p0+pe]
			d := panel[ps*w+r:]
			for p, v := range src {
				d[p*w] = v
			}
		}
	}
}

// copyRuns sets dst[p·w : p·w+w] = src[p·ld : p·ld+w] for p < steps (a
// panel's steps copied whole) with copyRunsAsm when this build has it and w
// is one of its widths (6, 12, 16, 32: the kernels' mr and nr), and reports
// whether it did. One call of copy per step, a memmove call for 24 to 128
// bytes, cost more than the moves (BENCHMARKS.md, "AVX2 speed (issue 25)").
func copyRuns(dst, src []float32, ld, w, steps int) bool {
	if !asmPack || (w != 6 && w != 12 && w != 16 && w != 32) {
		return false
	}
	if steps == 0 {
		return true
	}
	_ = src[(steps-1)*ld+w-1]
	_ = dst[steps*w-1]
	copyRunsAsm(&dst[0], &src[0], ld, w, steps)
	return true
}
