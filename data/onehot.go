package data

import "github.com/pkg/errors"

// OneHot encodes class indices as rows of classes values, all 0 but a 1 at
// the label: the target layout of a softmax cross-entropy loss that takes
// dense targets.
func OneHot(labels []int, classes int) ([]float32, error) {
	if classes <= 0 {
		return nil, errors.Errorf("data: OneHot: classes must be positive, got %d", classes)
	}
	out := make([]float32, len(labels)*classes)
	for i, l := range labels {
		if l < 0 || l >= classes {
			return nil, errors.Errorf("data: OneHot: label %d at position %d out of range [0, %d)", l, i, classes)
		}
		out[i*classes+l] = 1
	}
	return out, nil
}

// OneHot returns a copy of d whose targets are one-hot rows, TargetWidth
// NumClasses. d must hold sparse class labels (TargetWidth 1 and Classes
// set). X is copied too, so that scaling one in place leaves the other.
func (d *Dataset) OneHot() (*Dataset, error) {
	if len(d.Classes) == 0 || d.targetWidth != 1 {
		return nil, errors.Errorf("data: %s: OneHot needs sparse class labels, have %d classes and target width %d",
			d.Name, len(d.Classes), d.targetWidth)
	}
	y, err := OneHot(d.Labels(), len(d.Classes))
	if err != nil {
		return nil, errors.Wrapf(err, "data: %s", d.Name)
	}
	out := d.Clone()
	out.Y = y
	out.targetWidth = len(d.Classes)
	return out, nil
}
