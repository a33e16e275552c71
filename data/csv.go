package data

import (
	"encoding/csv"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// LabelColumn says which CSV column holds the label. Its zero value means
// the last column, the layout of scikit-learn's and most other CSV files.
type LabelColumn struct {
	set   bool // index was chosen; the zero value means the last column
	none  bool
	named bool
	index int
	name  string
}

// LabelAt selects the label column by index from 0; a negative index counts
// from the end, so -1 is the last column.
func LabelAt(i int) LabelColumn { return LabelColumn{set: true, index: i} }

// LabelNamed selects the label column by its header name; it needs
// CSVOptions.Header.
func LabelNamed(name string) LabelColumn { return LabelColumn{named: true, name: name} }

// NoLabel reads every column as a feature: unlabeled data for prediction.
var NoLabel = LabelColumn{none: true}

// LastColumn is the zero LabelColumn, spelled out.
var LastColumn = LabelColumn{set: true, index: -1}

// CSVOptions describes the layout of a CSV file for ReadCSV.
type CSVOptions struct {
	// Header says the first line holds column names rather than data.
	Header bool
	// Label selects the label column; the zero value is the last column.
	Label LabelColumn
	// Regression reads labels as real-valued targets. Otherwise labels are
	// class indices 0, 1, ... (or names listed in Classes).
	Regression bool
	// Classes names the classes. A label may then also be given by name.
	// When nil, classification data gets classes "0".."K-1" where K-1 is
	// the largest label seen.
	Classes []string
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// LoadCSV reads the CSV file at path; see ReadCSV. Errors name the file.
func LoadCSV(path string, opt CSVOptions) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "data: LoadCSV")
	}
	defer f.Close()
	return ReadCSV(f, path, opt)
}

// ReadCSV reads numeric CSV data from r into a Dataset called name. Every
// field but the label must parse as a float. Errors name the input and the
// line: a short or long row, a field that is not a number, a label that is
// not a class, an input with no data rows.
//
// Blank lines are skipped. Fields may be quoted and surrounded by spaces.
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	cr := csv.NewReader(r)
	if opt.Comma != 0 {
		cr.Comma = opt.Comma
	}
	cr.FieldsPerRecord = -1 // checked here, to give a clearer message
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	var (
		width     = -1 // fields per row, fixed by the first row
		label     = -1 // label column, -1 for none
		names     []string
		x, y      []float32
		maxLabel  = -1
		classIdx  map[string]int
		sawHeader = !opt.Header
	)
	if len(opt.Classes) > 0 {
		classIdx = make(map[string]int, len(opt.Classes))
		for i, c := range opt.Classes {
			classIdx[c] = i
		}
	}
	setWidth := func(w, line int) error {
		width = w
		switch {
		case opt.Label.none:
			label = -1
		case opt.Label.named:
			if names == nil {
				return errors.Errorf("data: %s: label column %q given by name but the file has no header", name, opt.Label.name)
			}
			label = -1
			for i, n := range names {
				if n == opt.Label.name {
					label = i
					break
				}
			}
			if label < 0 {
				return errors.Errorf("data: %s:%d: no column named %q in header %q", name, line, opt.Label.name, names)
			}
		default:
			i := opt.Label.index
			if !opt.Label.set {
				i = -1
			}
			if i < 0 {
				i += w
			}
			if i < 0 || i >= w {
				return errors.Errorf("data: %s:%d: label column %d out of range for %d columns", name, line, opt.Label.index, w)
			}
			label = i
		}
		if label >= 0 && w < 2 {
			return errors.Errorf("data: %s:%d: one column cannot hold both features and a label", name, line)
		}
		return nil
	}

	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errors.Wrapf(err, "data: %s", name)
		}
		line, _ := cr.FieldPos(0)
		if !sawHeader {
			sawHeader = true
			names = make([]string, len(rec))
			for i, f := range rec {
				names[i] = strings.TrimSpace(f)
			}
			if err := setWidth(len(rec), line); err != nil {
				return nil, err
			}
			continue
		}
		if width < 0 {
			if err := setWidth(len(rec), line); err != nil {
				return nil, err
			}
		}
		if len(rec) != width {
			what := "too few"
			if len(rec) > width {
				what = "too many"
			}
			return nil, errors.Errorf("data: %s:%d: %s fields: got %d, want %d", name, line, what, len(rec), width)
		}
		for i, f := range rec {
			f = strings.TrimSpace(f)
			if i == label {
				v, err := parseLabel(f, opt.Regression, classIdx, len(opt.Classes))
				if err != nil {
					return nil, errors.Errorf("data: %s:%d: column %d: %v", name, line, i+1, err)
				}
				if !opt.Regression && int(v) > maxLabel {
					maxLabel = int(v)
				}
				y = append(y, v)
				continue
			}
			v, err := strconv.ParseFloat(f, 32)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.Errorf("data: %s:%d: column %d: %q is not a finite number", name, line, i+1, f)
			}
			x = append(x, float32(v))
		}
	}
	if width < 0 || len(x) == 0 && len(y) == 0 {
		return nil, errors.Errorf("data: %s: empty file: no data rows", name)
	}

	features, targetWidth := width, 0
	if label >= 0 {
		features, targetWidth = width-1, 1
	}
	var classes []string
	if label >= 0 && !opt.Regression {
		classes = opt.Classes
		if len(classes) == 0 {
			classes = make([]string, maxLabel+1)
			for i := range classes {
				classes[i] = strconv.Itoa(i)
			}
		}
	}
	d, err := NewDataset(name, x, features, y, targetWidth, classes)
	if err != nil {
		return nil, err
	}
	if names != nil {
		d.FeatureNames = make([]string, 0, features)
		for i, n := range names {
			if i != label {
				d.FeatureNames = append(d.FeatureNames, n)
			}
		}
	}
	return d, nil
}

// parseLabel reads one label field. Class labels must be integral (a float
// such as "1.0" is accepted as 1, as NumPy-written files have it) and
// within the given classes.
func parseLabel(f string, regression bool, classIdx map[string]int, nClasses int) (float32, error) {
	if regression {
		v, err := strconv.ParseFloat(f, 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, errors.Errorf("target %q is not a finite number", f)
		}
		return float32(v), nil
	}
	if i, ok := classIdx[f]; ok {
		return float32(i), nil
	}
	v, err := strconv.ParseFloat(f, 64)
	if err != nil || v != math.Trunc(v) || math.IsInf(v, 0) {
		return 0, errors.Errorf("label %q is not an integer class index", f)
	}
	if v < 0 || v > 1<<24 {
		return 0, errors.Errorf("label %q is not a class index (must be in [0, 2^24])", f)
	}
	if nClasses > 0 && int(v) >= nClasses {
		return 0, errors.Errorf("label %q out of range for %d classes", f, nClasses)
	}
	return float32(v), nil
}
