package data

import "github.com/pkg/errors"

// Subset returns a view of the samples idx of src, in that order. It copies
// the indices, never the data: a shuffled or split MNIST stays 47 MB of bytes
// rather than becoming another copy per split.
//
// Views of views are flattened, so a Subset of a Subset costs one index
// lookup per sample, not two.
func Subset(src Source, idx []int) (Source, error) {
	if src == nil {
		return nil, errors.New("data: Subset of a nil source")
	}
	n := src.Len()
	for k, i := range idx {
		if i < 0 || i >= n {
			return nil, errors.Errorf("data: Subset: index %d (position %d) out of range [0, %d)", i, k, n)
		}
	}
	own := append([]int(nil), idx...)
	switch v := src.(type) {
	case *indexView:
		for k, i := range own {
			own[k] = v.idx[i]
		}
		return &indexView{src: v.src, idx: own}, nil
	case *rangeView:
		for k := range own {
			own[k] += v.from
		}
		return &indexView{src: v.src, idx: own}, nil
	}
	return &indexView{src: src, idx: own}, nil
}

// Slice returns a view of the samples [from, to) of src. It exists beside
// Subset because Keras's validation_split takes the last fraction of the
// data as it is stored, before any shuffling, and a range view needs no
// index slice at all.
func Slice(src Source, from, to int) (Source, error) {
	if src == nil {
		return nil, errors.New("data: Slice of a nil source")
	}
	n := src.Len()
	if from < 0 || to > n || from > to {
		return nil, errors.Errorf("data: Slice [%d, %d) out of range [0, %d]", from, to, n)
	}
	switch v := src.(type) {
	case *rangeView:
		return &rangeView{src: v.src, from: v.from + from, to: v.from + to}, nil
	case *indexView:
		return &indexView{src: v.src, idx: append([]int(nil), v.idx[from:to]...)}, nil
	}
	return &rangeView{src: src, from: from, to: to}, nil
}

// labeler is implemented by sources that can name the class of a sample
// without filling a target row: Dataset and Images.
type labeler interface{ Label(i int) int }

// LabelOf returns the class index of sample i of src, or -1 for data
// without classes. It uses src's own Label method where there is one and
// otherwise fills the target row (an argmax for one-hot rows).
func LabelOf(src Source, i int) int {
	switch v := src.(type) {
	case *indexView:
		return LabelOf(v.src, v.idx[i])
	case *rangeView:
		return LabelOf(v.src, v.from+i)
	case labeler:
		return v.Label(i)
	}
	if src.NumClasses() == 0 || src.TargetWidth() == 0 {
		return -1
	}
	y := make([]float32, src.TargetWidth())
	src.Fill([]int{i}, nil, y)
	if len(y) == 1 {
		return int(y[0])
	}
	best := 0
	for j, v := range y {
		if v > y[best] {
			best = j
		}
	}
	return best
}

// indexView is the Source Subset returns.
type indexView struct {
	src Source
	idx []int
}

func (v *indexView) Len() int         { return len(v.idx) }
func (v *indexView) Features() int    { return v.src.Features() }
func (v *indexView) TargetWidth() int { return v.src.TargetWidth() }
func (v *indexView) NumClasses() int  { return v.src.NumClasses() }
func (v *indexView) Label(i int) int  { return LabelOf(v.src, v.idx[i]) }
func (v *indexView) Fill(idx []int, x, y []float32) {
	// Translating into a fresh slice costs one small allocation per batch
	// and keeps the view safe for concurrent Fill calls.
	m := make([]int, len(idx))
	for k, i := range idx {
		m[k] = v.idx[i]
	}
	v.src.Fill(m, x, y)
}

// rangeView is the Source Slice returns.
type rangeView struct {
	src      Source
	from, to int
}

func (v *rangeView) Len() int         { return v.to - v.from }
func (v *rangeView) Features() int    { return v.src.Features() }
func (v *rangeView) TargetWidth() int { return v.src.TargetWidth() }
func (v *rangeView) NumClasses() int  { return v.src.NumClasses() }
func (v *rangeView) Label(i int) int  { return LabelOf(v.src, v.from+i) }
func (v *rangeView) Fill(idx []int, x, y []float32) {
	// Indices past the range would silently read the neighbouring samples
	// of src, so they fail as loudly as an out-of-range slice index would.
	n := v.to - v.from
	m := make([]int, len(idx))
	for k, i := range idx {
		if i < 0 || i >= n {
			panic(errors.Errorf("data: Fill: index %d out of range [0, %d)", i, n))
		}
		m[k] = v.from + i
	}
	v.src.Fill(m, x, y)
}
