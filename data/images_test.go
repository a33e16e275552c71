package data

import (
	"sync"
	"testing"
)

// TestImagesFillConcurrently checks that Images says it may be filled
// concurrently (ConcurrentFiller) and that filling the halves of a batch
// from two goroutines gives what one call gives: pixels as float32(b)/255,
// labels as class indices.
func TestImagesFillConcurrently(t *testing.T) {
	const n, rows, cols = 6, 3, 5
	pix := make([]byte, n*rows*cols)
	for i := range pix {
		pix[i] = byte(i * 37)
	}
	labels := []byte{0, 1, 2, 0, 1, 2}
	im, err := NewImages("test", pix, rows, cols, labels, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	var src Source = im
	cf, ok := src.(ConcurrentFiller)
	if !ok || !cf.FillsConcurrently() {
		t.Fatal("Images does not say it may be filled concurrently")
	}
	idx := []int{5, 0, 3, 1, 4, 2}
	f := rows * cols
	x1, y1 := make([]float32, n*f), make([]float32, n)
	im.Fill(idx, x1, y1)
	x2, y2 := make([]float32, n*f), make([]float32, n)
	var wg sync.WaitGroup
	for _, h := range [][2]int{{0, 3}, {3, 6}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cf.Fill(idx[h[0]:h[1]], x2[h[0]*f:h[1]*f], y2[h[0]:h[1]])
		}()
	}
	wg.Wait()
	for k, i := range idx {
		for j := 0; j < f; j++ {
			want := float32(pix[i*f+j]) / 255
			if x1[k*f+j] != want || x2[k*f+j] != want {
				t.Fatalf("image %d pixel %d: %g in one call, %g in halves, want %g", i, j, x1[k*f+j], x2[k*f+j], want)
			}
		}
		if y1[k] != float32(labels[i]) || y2[k] != y1[k] {
			t.Fatalf("image %d: label %g / %g, want %d", i, y1[k], y2[k], labels[i])
		}
	}
}
