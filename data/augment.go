package data

import (
	"fmt"
	"sync"

	"github.com/pkg/errors"
)

// AugmentOptions configures Augment.
type AugmentOptions struct {
	// Copies is how many variants of each sample the set presents, at
	// least 1: Copies 10 makes 600,000 samples of Fashion-MNIST's 60,000.
	Copies int
	// Seed seeds the variants: the same seed gives the same variant of
	// every sample, whatever order or goroutine fills it.
	Seed int64
	// FlipHorizontal mirrors a variant left to right with probability 1/2.
	FlipHorizontal bool
	// MaxShift translates a variant by dx and dy pixels drawn uniformly
	// from [-MaxShift, MaxShift], filling the uncovered pixels with 0.
	MaxShift int
}

// Augmented presents Copies variants of every image of a source: sample
// v·n + i (n the source's Len) is variant v of the source's image i, in
// pixel space (height, width, channels). Variant 0 is the image as it is;
// the others are flipped and shifted as the options say, each by a
// transform drawn from a generator seeded by Seed and the sample's own
// index, so that a sample's values depend on nothing else: not on the
// batch, the order, the goroutine or the number of decoding workers.
// Flips and shifts move values without arithmetic, so they are exact.
//
// It is a view: it reads the source's samples when filled, and passes
// Prefetch hints and Err through to it (a streamed folder of 60,000
// images presents 600,000 with Copies 10, holding none of them).
type Augmented struct {
	src     Source
	opt     AugmentOptions
	n       int
	h, w, c int

	mu  sync.Mutex
	err error // the first index out of range given to Fill
}

// Augment returns the augmenting view of src, whose ShapeOf must be
// (height, width, channels), such as images (Images, ImageFolderSet,
// ImageStream) or a view of them.
func Augment(src Source, opt AugmentOptions) (*Augmented, error) {
	if src == nil {
		return nil, errors.New("data: Augment of a nil source")
	}
	shape := ShapeOf(src)
	if len(shape) != 3 {
		return nil, errors.Errorf("data: Augment: samples of shape %v; want images of (height, width, channels)", shape)
	}
	if opt.Copies < 1 {
		return nil, errors.Errorf("data: Augment: Copies %d; want at least 1", opt.Copies)
	}
	n := src.Len()
	if n > 0 && opt.Copies > (1<<62)/n {
		return nil, errors.Errorf("data: Augment: %d copies of %d samples is too many", opt.Copies, n)
	}
	if opt.MaxShift < 0 {
		return nil, errors.Errorf("data: Augment: MaxShift %d is negative", opt.MaxShift)
	}
	return &Augmented{src: src, opt: opt, n: n, h: shape[0], w: shape[1], c: shape[2]}, nil
}

// Len returns Copies × the source's Len.
func (a *Augmented) Len() int { return a.n * a.opt.Copies }

// Features returns the source's.
func (a *Augmented) Features() int { return a.src.Features() }

// TargetWidth returns the source's.
func (a *Augmented) TargetWidth() int { return a.src.TargetWidth() }

// NumClasses returns the source's.
func (a *Augmented) NumClasses() int { return a.src.NumClasses() }

// Shape returns (height, width, channels).
func (a *Augmented) Shape() []int { return []int{a.h, a.w, a.c} }

// Label returns the class of sample i: its source image's.
func (a *Augmented) Label(i int) int { return LabelOf(a.src, a.base(i)) }

// Base returns the index in the source of sample i's image, and which
// variant of it sample i is.
func (a *Augmented) Base(i int) (src, variant int) { return a.base(i), i / max(a.n, 1) }

func (a *Augmented) base(i int) int {
	if i < 0 || a.n == 0 {
		return i
	}
	return i % a.n
}

// FillsConcurrently reports whether the source's Fill may run
// concurrently; the augmentation itself may.
func (a *Augmented) FillsConcurrently() bool {
	cf, ok := a.src.(ConcurrentFiller)
	return ok && cf.FillsConcurrently()
}

// Prefetch passes the hint on for the source images of idx.
func (a *Augmented) Prefetch(idx []int) {
	if !prefetches(a.src) {
		return
	}
	b := make([]int, 0, len(idx))
	for _, i := range idx {
		if i >= 0 && i < a.Len() {
			b = append(b, a.base(i))
		}
	}
	Prefetch(a.src, b)
}

// Err returns the source's error (ErrSource), or else the first index out
// of range given to Fill.
func (a *Augmented) Err() error {
	if err := SourceErr(a.src); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// String describes the set.
func (a *Augmented) String() string {
	return fmt.Sprintf("%d samples: %d variants of %d images %dx%dx%d (flip %v, shift ±%d, seed %d)",
		a.Len(), a.opt.Copies, a.n, a.h, a.w, a.c, a.opt.FlipHorizontal, a.opt.MaxShift, a.opt.Seed)
}

var (
	_ ConcurrentFiller = (*Augmented)(nil)
	_ Shaper           = (*Augmented)(nil)
	_ Prefetcher       = (*Augmented)(nil)
	_ ErrSource        = (*Augmented)(nil)
)

// Fill fills the source images of idx, then transforms each variant's row
// in place; see Source. An index out of range gives a row of zeros and a
// target of zeros, and sets Err.
func (a *Augmented) Fill(idx []int, x, y []float32) {
	b := make([]int, len(idx))
	bad := -1
	for k, i := range idx {
		if i < 0 || i >= a.Len() {
			if bad < 0 {
				bad = k
			}
			continue // reads image 0, then cleared
		}
		b[k] = a.base(i)
	}
	if bad >= 0 && a.n == 0 {
		clear(x)
		clear(y)
	} else {
		a.src.Fill(b, x, y)
	}
	f, tw := a.h*a.w*a.c, a.src.TargetWidth()
	var tmp []float32
	for k, i := range idx {
		if i < 0 || i >= a.Len() {
			if x != nil {
				clear(x[k*f : (k+1)*f])
			}
			if y != nil {
				clear(y[k*tw : (k+1)*tw])
			}
			continue
		}
		if x == nil {
			continue
		}
		t := a.transform(i)
		if t.identity() {
			continue
		}
		if tmp == nil {
			tmp = make([]float32, f)
		}
		row := x[k*f : (k+1)*f]
		copy(tmp, row)
		a.apply(t, row, tmp)
	}
	if bad >= 0 {
		a.mu.Lock()
		if a.err == nil {
			a.err = errors.Errorf("data: Augmented: Fill: index %d (position %d) out of range [0, %d)", idx[bad], bad, a.Len())
		}
		a.mu.Unlock()
	}
}

// augmentTransform is one variant's flip and shift.
type augmentTransform struct {
	flip   bool
	dx, dy int
}

func (t augmentTransform) identity() bool { return !t.flip && t.dx == 0 && t.dy == 0 }

// transform draws sample i's transform from a splitmix64 generator seeded
// by Seed and i: a pure function of the two.
func (a *Augmented) transform(i int) augmentTransform {
	if i < a.n {
		return augmentTransform{} // variant 0: the image itself
	}
	st := uint64(a.opt.Seed) ^ uint64(i)*0x9e3779b97f4a7c15
	next := func() uint64 {
		st += 0x9e3779b97f4a7c15
		z := st
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		return z ^ z>>31
	}
	var t augmentTransform
	if a.opt.FlipHorizontal {
		t.flip = next()&1 == 1
	}
	if s := a.opt.MaxShift; s > 0 {
		span := uint64(2*s + 1)
		t.dx = int(next()%span) - s
		t.dy = int(next()%span) - s
	}
	return t
}

// apply writes src transformed by t into dst: dst(y, x) = src(y−dy, x′)
// with x′ = x−dx, mirrored when t.flip; 0 where that lies outside.
func (a *Augmented) apply(t augmentTransform, dst, src []float32) {
	h, w, c := a.h, a.w, a.c
	for y := 0; y < h; y++ {
		sy := y - t.dy
		drow := dst[y*w*c : (y+1)*w*c]
		if sy < 0 || sy >= h {
			clear(drow)
			continue
		}
		srow := src[sy*w*c : (sy+1)*w*c]
		for x := 0; x < w; x++ {
			sx := x - t.dx
			if t.flip {
				sx = w - 1 - sx
			}
			d := drow[x*c : (x+1)*c]
			if sx < 0 || sx >= w {
				clear(d)
				continue
			}
			copy(d, srow[sx*c:(sx+1)*c])
		}
	}
}
