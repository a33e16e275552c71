package data

import (
	"fmt"
	"math"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// Images is a set of equally sized greyscale images with class labels,
// kept as the bytes they are stored as. It implements Source: Fill scales
// pixels to [0, 1] (x/255) batch by batch, so MNIST's training set takes
// 47 MB in memory instead of 188 MB of float32 and loads without a
// conversion pass.
type Images struct {
	// Name identifies the set, e.g. "mnist/train".
	Name string

	n, rows, cols int
	pix           []byte
	labels        []byte
	classes       []string
}

// NewImages wraps, without copying, n = len(labels) images of rows x cols
// bytes in pix. Every label must be a class index below len(classes).
func NewImages(name string, pix []byte, rows, cols int, labels []byte, classes []string) (*Images, error) {
	if rows <= 0 || cols <= 0 {
		return nil, errors.Errorf("data: %s: image size %dx%d not positive", name, rows, cols)
	}
	n := len(labels)
	// The products are checked by division first: 1<<32 × 1<<32 images
	// would otherwise wrap to 0 pixels and be taken for an empty set.
	if rows > math.MaxInt/cols || n > 0 && rows*cols > math.MaxInt/n {
		return nil, errors.Errorf("data: %s: %d images of %dx%d pixels is more than memory can hold", name, n, rows, cols)
	}
	if len(pix) != n*rows*cols {
		return nil, errors.Errorf("data: %s: %d pixel bytes for %d labels of %dx%d images, want %d",
			name, len(pix), n, rows, cols, n*rows*cols)
	}
	if len(classes) == 0 || len(classes) > 256 {
		return nil, errors.Errorf("data: %s: %d classes, want 1 to 256", name, len(classes))
	}
	for i, l := range labels {
		if int(l) >= len(classes) {
			return nil, errors.Errorf("data: %s: label %d of image %d not below %d classes", name, l, i, len(classes))
		}
	}
	return &Images{Name: name, n: n, rows: rows, cols: cols, pix: pix, labels: labels, classes: classes}, nil
}

// Len returns the number of images.
func (m *Images) Len() int { return m.n }

// Features returns rows*cols.
func (m *Images) Features() int { return m.rows * m.cols }

// TargetWidth returns 1: labels are class indices.
func (m *Images) TargetWidth() int { return 1 }

// NumClasses returns the number of classes (10 for MNIST).
func (m *Images) NumClasses() int { return len(m.classes) }

// Classes returns the class names. The slice is shared; do not modify it.
func (m *Images) Classes() []string { return m.classes }

// Rows returns the image height.
func (m *Images) Rows() int { return m.rows }

// Cols returns the image width.
func (m *Images) Cols() int { return m.cols }

// Label returns the class of image i.
func (m *Images) Label(i int) int { return int(m.labels[i]) }

// Labels returns the raw label bytes, shared; do not modify them.
func (m *Images) Labels() []byte { return m.labels }

// Pixels returns the rows*cols bytes of image i, sharing the storage.
func (m *Images) Pixels(i int) []byte {
	f := m.rows * m.cols
	return m.pix[i*f : (i+1)*f : (i+1)*f]
}

// Fill writes images idx scaled to [0, 1] into x and their labels into y;
// see Source.
func (m *Images) Fill(idx []int, x, y []float32) {
	f := m.rows * m.cols
	if x != nil {
		for k, i := range idx {
			var next []byte
			if k+1 < len(idx) {
				next = m.pix[idx[k+1]*f : (idx[k+1]+1)*f]
			}
			kernels.ScaleBytes(x[k*f:(k+1)*f], m.pix[i*f:(i+1)*f], next)
		}
	}
	if y != nil {
		for k, i := range idx {
			y[k] = float32(m.labels[i])
		}
	}
}

// Take returns a new Images holding copies of the images idx, in that
// order, with their labels. Unlike Slice, which is a view and keeps the
// whole set alive, it lets the rest be collected: training on the first
// 2,500 MNIST images through Take holds 2 MB of pixels instead of 47 MB.
func (m *Images) Take(name string, idx []int) (*Images, error) {
	f := m.rows * m.cols
	pix := make([]byte, len(idx)*f)
	labels := make([]byte, len(idx))
	for k, i := range idx {
		if i < 0 || i >= m.n {
			return nil, errors.Errorf("data: %s: index %d (position %d) out of range [0, %d)", m.Name, i, k, m.n)
		}
		copy(pix[k*f:(k+1)*f], m.pix[i*f:(i+1)*f])
		labels[k] = m.labels[i]
	}
	return &Images{Name: name, n: len(idx), rows: m.rows, cols: m.cols, pix: pix, labels: labels, classes: m.classes}, nil
}

// FillsConcurrently returns true: Fill only reads the images, so parts of
// a batch can be filled at once (ConcurrentFiller).
func (m *Images) FillsConcurrently() bool { return true }

var _ ConcurrentFiller = (*Images)(nil)

// Float32 returns every image scaled to [0, 1] as one row-major slice:
// n*rows*cols values, four times the memory of the bytes. It is for callers
// that want the whole matrix; training reads through Fill instead.
func (m *Images) Float32() []float32 {
	out := make([]float32, len(m.pix))
	kernels.ScaleBytes(out, m.pix, nil)
	return out
}

// String describes the images, e.g. "mnist/train: 60000 images 28x28, 10 classes".
func (m *Images) String() string {
	return fmt.Sprintf("%s: %d images %dx%d, %d classes", m.Name, m.n, m.rows, m.cols, len(m.classes))
}
