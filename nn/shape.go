package nn

import (
	"encoding/json"
	"fmt"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// MaxRank is the most dimensions a per-sample shape may have. Keras's
// layers and ONNX models stay far below it (an image is 3-D per sample, a
// video 4-D), and a cap lets every reader refuse a hostile file's shape of
// a million dimensions before it does any work per dimension.
const MaxRank = 8

// Shape is a per-sample shape, without the batch dimension: []int{784}
// for a flat vector, []int{28, 28, 1} for an image (height, width,
// channels: channels last, as Keras). Layers take and return shapes; a
// flat width n is the 1-D shape Shape{n}.
type Shape []int

// Size is the number of elements a sample of this shape holds; 0 for an
// empty shape or one with a non-positive dimension, and -1 when the
// product exceeds 2^40 (see maxParams).
func (s Shape) Size() int {
	if len(s) == 0 {
		return 0
	}
	n := 1
	for _, d := range s {
		if d <= 0 {
			return 0
		}
		if n > maxParams/d {
			return -1
		}
		n *= d
	}
	return n
}

// Equal reports whether s and o have the same dimensions.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy, so that a layer's stored shape cannot be changed
// through the slice it returned.
func (s Shape) Clone() Shape { return append(Shape(nil), s...) }

// String prints the shape as Keras does, with None for the batch.
func (s Shape) String() string { return ShapeString(s) }

// MarshalJSON writes a 1-D shape as a plain number, the format files had
// when inputs were widths, so that dense models' files are unchanged and
// older readers still load them; other shapes are arrays.
func (s Shape) MarshalJSON() ([]byte, error) {
	if len(s) == 1 {
		return json.Marshal(s[0])
	}
	return json.Marshal([]int(s))
}

// UnmarshalJSON accepts a number (a width, as older files hold) or an
// array of dimensions.
func (s *Shape) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*s = Shape{n}
		return nil
	}
	var dims []int
	if err := json.Unmarshal(b, &dims); err != nil {
		return errors.Errorf("shape: want a number or an array of numbers, got %s", clip(b))
	}
	if len(dims) > MaxRank {
		return errors.Errorf("shape: %d dimensions, at most %d", len(dims), MaxRank)
	}
	*s = Shape(dims)
	return nil
}

// checkShape rejects a shape no layer can take: empty, more than MaxRank
// dimensions (checked first, before any work per dimension), a
// non-positive dimension, or more than 2^40 elements.
func checkShape(kind, name string, in Shape) error {
	if len(in) == 0 {
		return errors.Errorf("%s %q: empty input shape", kind, name)
	}
	if len(in) > MaxRank {
		return errors.Errorf("%s %q: input shape has %d dimensions, at most %d", kind, name, len(in), MaxRank)
	}
	for _, d := range in {
		if d <= 0 {
			return errors.Errorf("%s %q: input shape %s has a non-positive dimension", kind, name, dimsList(in))
		}
	}
	if in.Size() < 0 {
		return errors.Errorf("%s %q: input shape %s has more than %d elements", kind, name, dimsList(in), int64(maxParams))
	}
	return nil
}

// clip shortens raw input quoted in an error to its first 64 bytes.
func clip(b []byte) string {
	if len(b) > 64 {
		return fmt.Sprintf("%q… (%d bytes)", b[:64], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// batchString prints the graph shape of a batch of samples of shape s:
// (batch, 26, 26, 32).
func batchString(s Shape) string { return dimsString("batch", s) }

// batchShape is the graph shape of a batch of samples of shape s.
func batchShape(batch int, s Shape) []int { return append([]int{batch}, s...) }

// shapeOf returns a node shape without its batch dimension.
func shapeOf(dims []int) Shape {
	if len(dims) == 0 {
		return nil
	}
	return Shape(append([]int(nil), dims[1:]...))
}

// wantShape checks that a node of shape got is a batch of samples of shape
// want, and names the layer when it is not.
func wantShape(kind, name string, got []int, want Shape) error {
	if len(got) != len(want)+1 || !shapeOf(got).Equal(want) {
		return errors.Errorf("%s %q: input has shape %v, want %s", kind, name, tensor.Shape(got), batchString(want))
	}
	return nil
}

// newWindow checks a layer's image input shape, (height, width,
// channels), and makes its window (graph.NewWindow); errors name the
// layer.
func newWindow(kind, name string, in Shape, kernel, strides [2]int, padding string) (graph.Window, error) {
	if len(in) != 3 {
		return graph.Window{}, errors.Errorf("%s %q: input shape %s is %d-D, want (height, width, channels)", kind, name, ShapeString(in), len(in))
	}
	if err := checkShape(kind, name, in); err != nil {
		return graph.Window{}, err
	}
	g, err := graph.NewWindow(in[0], in[1], in[2], kernel, strides, padding)
	return g, errors.Wrapf(err, "%s %q", kind, name)
}
