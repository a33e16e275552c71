package data

import (
	"math/rand"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// TestAugmentApplyHandMade: each transform's exact output on a hand-made
// 3×4 grey image and a 2×2 RGB one.
func TestAugmentApplyHandMade(t *testing.T) {
	grey := &Augmented{h: 3, w: 4, c: 1}
	src := []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
	}
	for _, c := range []struct {
		t    augmentTransform
		want []float32
	}{
		{augmentTransform{flip: true}, []float32{
			4, 3, 2, 1,
			8, 7, 6, 5,
			12, 11, 10, 9}},
		{augmentTransform{dx: 1}, []float32{
			0, 1, 2, 3,
			0, 5, 6, 7,
			0, 9, 10, 11}},
		{augmentTransform{dx: -2, dy: 1}, []float32{
			0, 0, 0, 0,
			3, 4, 0, 0,
			7, 8, 0, 0}},
		{augmentTransform{dy: -1}, []float32{
			5, 6, 7, 8,
			9, 10, 11, 12,
			0, 0, 0, 0}},
		// Mirrored, then moved one to the right.
		{augmentTransform{flip: true, dx: 1}, []float32{
			0, 4, 3, 2,
			0, 8, 7, 6,
			0, 12, 11, 10}},
		{augmentTransform{dx: 4}, make([]float32, 12)},
	} {
		dst := make([]float32, 12)
		for i := range dst {
			dst[i] = -1
		}
		grey.apply(c.t, dst, src)
		if !reflect.DeepEqual(dst, c.want) {
			t.Errorf("%+v: %v, want %v", c.t, dst, c.want)
		}
	}
	rgb := &Augmented{h: 2, w: 2, c: 3}
	px := []float32{
		1, 2, 3, 4, 5, 6,
		7, 8, 9, 10, 11, 12,
	}
	dst := make([]float32, 12)
	rgb.apply(augmentTransform{flip: true, dy: 1}, dst, px)
	if want := []float32{0, 0, 0, 0, 0, 0, 4, 5, 6, 1, 2, 3}; !reflect.DeepEqual(dst, want) {
		t.Errorf("rgb flip, down 1: %v, want %v (pixels move whole)", dst, want)
	}
}

// augImages is n seeded 4×5 grey images over two classes.
func augImages(t testing.TB, n int) *Images {
	t.Helper()
	rng := rand.New(rand.NewSource(2))
	pix := make([]byte, n*20)
	for i := range pix {
		pix[i] = byte(1 + rng.Intn(255)) // no zeros, so that a shift's fill shows
	}
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % 2)
	}
	im, err := NewImages("aug", pix, 4, 5, labels, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// TestAugmentFill: variant 0 is the source, the others its images under
// their drawn transforms (flips both ways, shifts over the whole range),
// labels follow the images, and the values depend on the index and the
// seed only: not on order, batching or goroutines.
func TestAugmentFill(t *testing.T) {
	im := augImages(t, 12)
	a, err := Augment(im, AugmentOptions{Copies: 5, Seed: 9, FlipHorizontal: true, MaxShift: 2})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 60 || a.Features() != 20 || !reflect.DeepEqual(ShapeOf(a), []int{4, 5, 1}) || a.NumClasses() != 2 {
		t.Fatalf("%v: len %d, shape %v", a, a.Len(), ShapeOf(a))
	}
	x, y := fillAll(a)
	sx, sy := fillAll(im)
	f := 20
	flips, shifts := map[bool]int{}, map[int]int{}
	for j := 0; j < a.Len(); j++ {
		i, v := a.Base(j)
		if i != j%12 || v != j/12 || y[j] != sy[i] || LabelOf(a, j) != im.Label(i) {
			t.Fatalf("sample %d: base %d variant %d label %v", j, i, v, y[j])
		}
		want := append([]float32(nil), sx[i*f:(i+1)*f]...)
		tr := a.transform(j)
		if v == 0 && !tr.identity() {
			t.Fatalf("variant 0 of %d transformed: %+v", i, tr)
		}
		if !tr.identity() {
			a.apply(tr, want, sx[i*f:(i+1)*f])
		}
		if ok, _ := sameBits(x[j*f:(j+1)*f], want); !ok {
			t.Fatalf("sample %d: %v, want %v (%+v)", j, x[j*f:(j+1)*f], want, tr)
		}
		if v > 0 {
			flips[tr.flip]++
			shifts[tr.dx]++
			shifts[tr.dy+10]++
		}
	}
	if len(flips) != 2 || len(shifts) != 10 {
		t.Errorf("transforms drawn: flips %v, shifts %v; want both flips and every shift in [-2, 2]", flips, shifts)
	}

	// Reverse order, in concurrent pieces: the same rows.
	order := rand.New(rand.NewSource(4)).Perm(a.Len())
	rx := make([]float32, len(x))
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part := order[p*15 : (p+1)*15]
			a.Fill(part, rx[p*15*f:(p+1)*15*f], nil)
		}()
	}
	wg.Wait()
	for k, j := range order {
		if ok, _ := sameBits(rx[k*f:(k+1)*f], x[j*f:(j+1)*f]); !ok {
			t.Fatalf("sample %d filled at position %d differs", j, k)
		}
	}

	b, _ := Augment(im, AugmentOptions{Copies: 5, Seed: 10, FlipHorizontal: true, MaxShift: 2})
	bx, _ := fillAll(b)
	if ok, _ := sameBits(bx, x); ok {
		t.Error("seeds 9 and 10 gave the same variants")
	}
	if ok, _ := sameBits(bx[:12*f], x[:12*f]); !ok {
		t.Error("variant 0 depends on the seed")
	}
	none, _ := Augment(im, AugmentOptions{Copies: 3, Seed: 1})
	nx, _ := fillAll(none)
	for v := 0; v < 3; v++ {
		if ok, _ := sameBits(nx[v*12*f:(v+1)*12*f], sx); !ok {
			t.Errorf("no flip, no shift: variant %d is not the image", v)
		}
	}
}

// TestAugmentStreamWorkers: augmenting a streamed folder gives the values
// augmenting the in-memory folder does, whatever the number of workers.
func TestAugmentStreamWorkers(t *testing.T) {
	dir := t.TempDir()
	streamFolder(t, dir, 15, true)
	mem, err := ImageFolder(dir, ImageFolderOptions{Width: 4, Height: 4})
	if err != nil {
		t.Fatal(err)
	}
	opt := AugmentOptions{Copies: 4, Seed: 3, FlipHorizontal: true, MaxShift: 1}
	am, _ := Augment(mem, opt)
	wx, wy := fillAll(am)
	order := rand.New(rand.NewSource(8)).Perm(am.Len())
	for _, workers := range []int{1, 2, 4} {
		s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Width: 4, Height: 4, Workers: workers}})
		if err != nil {
			t.Fatal(err)
		}
		as, _ := Augment(s, opt)
		x, y := streamBatches(as, order, 7)
		f := as.Features()
		for k, j := range order {
			if ok, _ := sameBits(x[k*f:(k+1)*f], wx[j*f:(j+1)*f]); !ok || y[k] != wy[j] {
				t.Fatalf("%d workers: sample %d differs", workers, j)
			}
		}
		if st := s.Stats(); st.Hits == 0 || as.Err() != nil {
			t.Errorf("%d workers: stats %+v, Err %v; want hints to reach the stream", workers, st, as.Err())
		}
	}
}

// TestAugmentErrors: what Augment refuses, and an index out of range in
// Fill, which gives zeros and sets Err.
func TestAugmentErrors(t *testing.T) {
	im := augImages(t, 4)
	flat, _ := NewDataset("flat", make([]float32, 8), 4, make([]float32, 2), 1, nil)
	for _, c := range []struct {
		src  Source
		opt  AugmentOptions
		want string
	}{
		{nil, AugmentOptions{Copies: 1}, "nil source"},
		{flat, AugmentOptions{Copies: 1}, "samples of shape [4]"},
		{im, AugmentOptions{}, "Copies 0"},
		{im, AugmentOptions{Copies: 2, MaxShift: -1}, "MaxShift -1"},
		{im, AugmentOptions{Copies: 1 << 61}, "too many"},
	} {
		if _, err := Augment(c.src, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opt, err, c.want)
		}
	}
	a, _ := Augment(im, AugmentOptions{Copies: 2, MaxShift: 1})
	x, y := make([]float32, 40), []float32{-1, -1}
	for i := range x {
		x[i] = -1
	}
	a.Fill([]int{5, 8}, x, y)
	if err := a.Err(); err == nil || !strings.Contains(err.Error(), "index 8 (position 1) out of range [0, 8)") {
		t.Errorf("Err %v", err)
	}
	for _, v := range append(x[20:], y[1]) {
		if v != 0 {
			t.Fatalf("out of range row %v, label %v; want zeros", x[20:], y[1])
		}
	}
	if y[0] != float32(im.Label(1)) || x[0] < 0 {
		t.Errorf("the good sample was not filled: %v, %v", x[:20], y[0])
	}
}
