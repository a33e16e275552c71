package data

// Shaper is an optional interface of a Source whose samples have a shape
// beyond a flat row: images are (height, width, channels), channels last as
// in Keras. Fill still writes each sample as Features() values, row major
// in that shape; the shape tells a model how to read them. A convolutional
// model builds for ShapeOf(src); a dense one for Features().
type Shaper interface {
	// Shape is the per-sample shape; its product is Features().
	Shape() []int
}

// ShapeOf returns the per-sample shape of src: its Shape where it (or the
// source a view was taken from) describes one whose size is Features(),
// and the 1-D shape [Features()] otherwise.
func ShapeOf(src Source) []int {
	switch v := src.(type) {
	case *indexView:
		return ShapeOf(v.src)
	case *rangeView:
		return ShapeOf(v.src)
	case Shaper:
		s := v.Shape()
		n := 1
		for _, d := range s {
			n *= d
		}
		if len(s) > 0 && n == src.Features() {
			return append([]int(nil), s...)
		}
	}
	return []int{src.Features()}
}

// Shape implements Shaper: (rows, cols, 1), one grey channel.
func (m *Images) Shape() []int { return []int{m.rows, m.cols, 1} }

// Shape implements Shaper: SampleShape where it is set and holds
// Features() values, else [Features()].
func (d *Dataset) Shape() []int {
	n := 1
	for _, s := range d.SampleShape {
		n *= s
	}
	if len(d.SampleShape) > 0 && n == d.features {
		return append([]int(nil), d.SampleShape...)
	}
	return []int{d.features}
}
