package data

import (
	"bufio"
	"bytes"
	_ "embed"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// irisCSV is scikit-learn's copy of Fisher's Iris data (UCI, CC BY 4.0; see
// LICENSE-DATA.md). It is small enough (3 KB) to embed, so examples and
// tests run without any download.
//
//go:embed iris.csv
var irisCSV []byte

// IrisFeatureNames are the four Iris measurements, in centimetres.
var IrisFeatureNames = []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}

// Iris returns Fisher's Iris data: 150 samples of 4 measurements, 50 of each
// class setosa, versicolor and virginica, with sparse labels (TargetWidth 1).
// Each call returns a fresh copy that the caller may modify.
func Iris() (*Dataset, error) {
	return readSklearnCSV(irisCSV, "iris", IrisFeatureNames)
}

// readSklearnCSV reads scikit-learn's CSV layout: a first line
// "n_samples,n_features,class names..." and then plain rows whose last
// column is the class index. That first line is neither a header of column
// names nor data, so it is read here and the rest handed to ReadCSV; the
// counts it declares are checked against what was read.
func readSklearnCSV(raw []byte, name string, featureNames []string) (*Dataset, error) {
	first, rest, ok := bytes.Cut(raw, []byte("\n"))
	if !ok {
		return nil, errors.Errorf("data: %s: no data after the first line", name)
	}
	fields := strings.Split(strings.TrimSpace(string(first)), ",")
	if len(fields) < 3 {
		return nil, errors.Errorf("data: %s:1: want n_samples,n_features,class names; got %q", name, first)
	}
	n, err1 := strconv.Atoi(fields[0])
	f, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil {
		return nil, errors.Errorf("data: %s:1: bad sample or feature count in %q", name, first)
	}
	classes := fields[2:]
	d, err := ReadCSV(bufio.NewReader(bytes.NewReader(rest)), name, CSVOptions{Classes: classes})
	if err != nil {
		return nil, err
	}
	if d.Len() != n || d.Features() != f {
		return nil, errors.Errorf("data: %s: header declares %dx%d, read %dx%d", name, n, f, d.Len(), d.Features())
	}
	if featureNames != nil {
		d.FeatureNames = append([]string(nil), featureNames...)
	}
	return d, nil
}
