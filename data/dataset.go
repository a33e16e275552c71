package data

import (
	"math"

	"github.com/pkg/errors"
)

// Dataset is an in-memory data set of float32 rows: the form small tabular
// data (Iris, digits, a user's CSV file) takes. It implements Source.
//
// X and Y are exported so that callers can inspect or transform them, but
// their lengths must stay consistent with Features and TargetWidth; build
// a Dataset with NewDataset, which checks them.
type Dataset struct {
	// Name identifies the data in messages, e.g. "iris" or a file name.
	Name string
	// X holds Len()*Features() feature values, row major.
	X []float32
	// Y holds Len()*TargetWidth() target values, row major: class indices
	// when TargetWidth is 1 and Classes is set, one-hot rows when
	// TargetWidth equals len(Classes), regression targets otherwise.
	Y []float32
	// Classes names the classes of a classification data set; nil for
	// regression or unlabeled data.
	Classes []string
	// FeatureNames names the columns of X when they are known, else nil.
	FeatureNames []string
	// SampleShape is the shape of one sample when its features are an
	// image or another grid, channels last ((8, 8, 1) for the digits); nil
	// for flat rows. See Shape.
	SampleShape []int

	features, targetWidth int
}

// NewDataset checks x and y and wraps them, without copying, in a Dataset.
//
// x holds rows of features values; y holds as many rows of targetWidth
// values. targetWidth may be 0 (with y empty) for unlabeled data. When
// classes is not empty the data is classification data: with targetWidth 1
// every y must be an integral class index in [0, len(classes)); with
// targetWidth len(classes) the rows of y are one-hot (or probability) rows.
//
// X must be finite: a NaN or an infinity there would silently poison every
// gradient it touches, so it is reported here, with its row and column,
// where it can still be traced to the input file.
func NewDataset(name string, x []float32, features int, y []float32, targetWidth int, classes []string) (*Dataset, error) {
	if features <= 0 {
		return nil, errors.Errorf("data: %s: features must be positive, got %d", name, features)
	}
	if targetWidth < 0 {
		return nil, errors.Errorf("data: %s: target width must not be negative, got %d", name, targetWidth)
	}
	if len(x)%features != 0 {
		return nil, errors.Errorf("data: %s: %d feature values do not divide into rows of %d", name, len(x), features)
	}
	n := len(x) / features
	if len(y) != n*targetWidth {
		return nil, errors.Errorf("data: %s: %d rows of x but %d target values (want %d rows of %d)",
			name, n, len(y), n, targetWidth)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errors.Errorf("data: %s: row %d column %d: feature value %v is not finite", name, i/features, i%features, v)
		}
	}
	for i, v := range y {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errors.Errorf("data: %s: row %d: target value %v is not finite", name, i/targetWidth, v)
		}
	}
	if len(classes) > 0 {
		switch targetWidth {
		case 1:
			for i, v := range y {
				if v != float32(math.Trunc(float64(v))) || v < 0 || int(v) >= len(classes) {
					return nil, errors.Errorf("data: %s: row %d: label %v is not a class index in [0, %d)", name, i, v, len(classes))
				}
			}
		case len(classes):
		default:
			return nil, errors.Errorf("data: %s: %d classes need target width 1 (indices) or %d (one-hot), got %d",
				name, len(classes), len(classes), targetWidth)
		}
	}
	return &Dataset{Name: name, X: x, Y: y, Classes: classes, features: features, targetWidth: targetWidth}, nil
}

// Len returns the number of samples.
func (d *Dataset) Len() int { return len(d.X) / d.features }

// Features returns the width of a feature row.
func (d *Dataset) Features() int { return d.features }

// TargetWidth returns the width of a target row.
func (d *Dataset) TargetWidth() int { return d.targetWidth }

// NumClasses returns len(d.Classes): 0 for regression or unlabeled data.
func (d *Dataset) NumClasses() int { return len(d.Classes) }

// Fill copies the rows idx into x and y; see Source.
func (d *Dataset) Fill(idx []int, x, y []float32) {
	f, t := d.features, d.targetWidth
	if x != nil {
		for k, i := range idx {
			copy(x[k*f:(k+1)*f], d.X[i*f:(i+1)*f])
		}
	}
	if y != nil && t > 0 {
		for k, i := range idx {
			copy(y[k*t:(k+1)*t], d.Y[i*t:(i+1)*t])
		}
	}
}

// Row returns the features of sample i. It aliases d.X: writes show through.
func (d *Dataset) Row(i int) []float32 {
	return d.X[i*d.features : (i+1)*d.features : (i+1)*d.features]
}

// Target returns the target row of sample i, aliasing d.Y.
func (d *Dataset) Target(i int) []float32 {
	t := d.targetWidth
	return d.Y[i*t : (i+1)*t : (i+1)*t]
}

// Label returns the class of sample i: the index itself for sparse labels,
// the position of the largest value for one-hot rows, and -1 for regression
// or unlabeled data, which have no class.
func (d *Dataset) Label(i int) int {
	if len(d.Classes) == 0 || d.targetWidth == 0 {
		return -1
	}
	if d.targetWidth == 1 {
		return int(d.Y[i])
	}
	row := d.Target(i)
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// Labels returns the class of every sample (see Label) in a new slice.
func (d *Dataset) Labels() []int {
	out := make([]int, d.Len())
	for i := range out {
		out[i] = d.Label(i)
	}
	return out
}

// ClassCounts returns how many samples each class has, or nil when d is not
// classification data.
func (d *Dataset) ClassCounts() []int {
	if len(d.Classes) == 0 || d.targetWidth == 0 {
		return nil
	}
	counts := make([]int, len(d.Classes))
	for i, n := 0, d.Len(); i < n; i++ {
		counts[d.Label(i)]++
	}
	return counts
}

// Clone returns a deep copy of d, so that in-place transforms (scaling) of
// one do not show in the other.
func (d *Dataset) Clone() *Dataset {
	c := *d
	c.X = append([]float32(nil), d.X...)
	c.Y = append([]float32(nil), d.Y...)
	c.Classes = append([]string(nil), d.Classes...) // nil stays nil
	c.FeatureNames = append([]string(nil), d.FeatureNames...)
	c.SampleShape = append([]int(nil), d.SampleShape...)
	return &c
}

// Take returns a new Dataset holding copies of the samples idx, in that
// order. Unlike Subset it copies, which is what a split that is later
// scaled in place needs.
func (d *Dataset) Take(name string, idx []int) (*Dataset, error) {
	n := d.Len()
	f, t := d.features, d.targetWidth
	x := make([]float32, len(idx)*f)
	y := make([]float32, len(idx)*t)
	for k, i := range idx {
		if i < 0 || i >= n {
			return nil, errors.Errorf("data: %s: index %d (position %d) out of range [0, %d)", d.Name, i, k, n)
		}
	}
	d.Fill(idx, x, y)
	out := &Dataset{Name: name, X: x, Y: y, features: f, targetWidth: t}
	if d.Classes != nil {
		out.Classes = append([]string(nil), d.Classes...)
	}
	if d.FeatureNames != nil {
		out.FeatureNames = append([]string(nil), d.FeatureNames...)
	}
	out.SampleShape = append([]int(nil), d.SampleShape...)
	return out, nil
}
