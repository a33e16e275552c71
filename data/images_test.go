package data

import (
	"strings"
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

// TestImagesTake: Take copies the chosen images and labels in the given
// order (a later change to the original does not reach the copy), keeps
// the size and classes, and names the set and position of a bad index.
func TestImagesTake(t *testing.T) {
	const rows, cols = 2, 3
	pix := []byte{
		0, 1, 2, 3, 4, 5, // image 0
		10, 11, 12, 13, 14, 15, // image 1
		20, 21, 22, 23, 24, 25, // image 2
	}
	im, err := NewImages("small", pix, rows, cols, []byte{2, 0, 1}, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		idx  []int
		err  string
	}{
		{"reversed", []int{2, 1, 0}, ""},
		{"repeated", []int{1, 1}, ""},
		{"empty", nil, ""},
		{"negative", []int{0, -1}, "small: index -1 (position 1) out of range [0, 3)"},
		{"past the end", []int{3}, "small: index 3 (position 0) out of range [0, 3)"},
	} {
		got, err := im.Take("taken", c.idx)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.Len() != len(c.idx) || got.Rows() != rows || got.Cols() != cols || got.NumClasses() != 3 || got.Name != "taken" {
			t.Fatalf("%s: got %v, want %d images %dx%d, 3 classes, named taken", c.name, got, len(c.idx), rows, cols)
		}
		for k, i := range c.idx {
			if string(got.Pixels(k)) != string(im.Pixels(i)) || got.Label(k) != im.Label(i) {
				t.Errorf("%s: image %d is %v label %d, want image %d's %v label %d",
					c.name, k, got.Pixels(k), got.Label(k), i, im.Pixels(i), im.Label(i))
			}
		}
	}
	got, err := im.Take("copy", []int{0})
	if err != nil {
		t.Fatal(err)
	}
	pix[0] = 99
	if got.Pixels(0)[0] != 0 {
		t.Errorf("Take shares the pixels: a change to the original shows in the copy (%d)", got.Pixels(0)[0])
	}
}
