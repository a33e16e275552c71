package data

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"strconv"

	"github.com/pkg/errors"
)

// digitsCSV is scikit-learn's copy of the UCI optical recognition of
// handwritten digits test set (CC BY 4.0; see LICENSE-DATA.md), gzipped:
// 57 KB embedded saves every user a download for the classic small image
// benchmark.
//
//go:embed digits.csv.gz
var digitsCSV []byte

// Digits returns the 8x8 handwritten digits of sklearn.datasets.load_digits:
// 1797 samples of 64 pixel counts 0..16 (row major, as stored; divide by 16
// to scale to [0, 1]; Shape (8, 8, 1)) and classes "0".."9" with sparse labels. Each call
// returns a fresh copy.
func Digits() (*Dataset, error) {
	zr, err := gzip.NewReader(bytes.NewReader(digitsCSV))
	if err != nil {
		return nil, errors.Wrap(err, "data: digits")
	}
	classes := make([]string, 10)
	for i := range classes {
		classes[i] = strconv.Itoa(i)
	}
	d, err := ReadCSV(zr, "digits", CSVOptions{Classes: classes})
	if err != nil {
		return nil, err
	}
	if d.Len() != 1797 || d.Features() != 64 {
		return nil, errors.Errorf("data: digits: read %dx%d, want 1797x64", d.Len(), d.Features())
	}
	d.FeatureNames = make([]string, 64)
	for i := range d.FeatureNames {
		d.FeatureNames[i] = "pixel_" + strconv.Itoa(i/8) + "_" + strconv.Itoa(i%8)
	}
	d.SampleShape = []int{8, 8, 1}
	return d, nil
}
