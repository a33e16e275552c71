package data

import (
	"bufio"
	"bytes"
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
	// the largest label seen, which must be below MaxCSVClasses.
	Classes []string
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// MaxCSVClasses bounds the classes ReadCSV infers from the labels when
// CSVOptions.Classes is nil: a label of L makes L+1 classes, each with a
// name, in a file that may hold a single row, so without a bound an
// 11-byte file with the label 16777216 cost 383 MB. The default, 65,536,
// is three times ImageNet-21k's classes and costs at most about 2 MB; a
// program with more classes can raise it, up to 2^24, the labels a
// float32 holds exactly, or name its classes in CSVOptions.Classes.
var MaxCSVClasses = 1 << 16

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
// not a class, an input with no data rows, a line longer than
// MaxCSVLineBytes, a row of more than MaxCSVFields fields, a quoted field
// that spans lines.
//
// Blank lines are skipped. Fields may be quoted and surrounded by spaces.
// A UTF-8 byte order mark at the start (Excel writes one) is skipped.
//
// Numbers are decimal: an optional sign, digits with an optional point,
// an optional exponent ("1", "-0.5", ".5", "2.", "1.5e-3"). NaN and
// infinities are refused, as are the other forms Go's strconv.ParseFloat
// reads (hex floats such as 0x1p3, digit separators such as 1_000): a CSV
// file does not mean them as numbers. Class labels are whole numbers from
// 0 to MaxCSVClasses-1, or class names when CSVOptions.Classes is set.
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	br := bufio.NewReader(r)
	if err := skipBOM(br, name); err != nil {
		return nil, err
	}
	limit := newLineLimiter(br, name)
	cr := csv.NewReader(limit)
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
		if limit.err != nil && limit.err != io.EOF {
			return nil, limit.err
		}
		if err != nil {
			return nil, errors.Wrapf(err, "data: %s", name)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > MaxCSVFields {
			return nil, errors.Errorf("data: %s:%d: %d fields, more than %d (data.MaxCSVFields)", name, line, len(rec), MaxCSVFields)
		}
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
			v, err := parseDecimal(f, 32)
			if err != nil {
				return nil, errors.Errorf("data: %s:%d: column %d: %v", name, line, i+1, err)
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
		v, err := parseDecimal(f, 32)
		if err != nil {
			return 0, errors.Errorf("target %v", err)
		}
		return float32(v), nil
	}
	if i, ok := classIdx[f]; ok {
		return float32(i), nil
	}
	v, err := parseDecimal(f, 64)
	if err != nil || v != math.Trunc(v) {
		return 0, errors.Errorf("label %q is not an integer class index", f)
	}
	if v < 0 {
		return 0, errors.Errorf("label %q is not a class index: negative", f)
	}
	if nClasses > 0 {
		if v >= float64(nClasses) {
			return 0, errors.Errorf("label %q out of range for %d classes", f, nClasses)
		}
		return float32(v), nil
	}
	// Checked here, before any class is made for it: see MaxCSVClasses.
	if limit := min(MaxCSVClasses, 1<<24); v >= float64(limit) {
		return 0, errors.Errorf("label %q is not a class index below %d (MaxCSVClasses; name the classes in CSVOptions.Classes or raise it for more)", f, limit)
	}
	return float32(v), nil
}

// parseDecimal reads a number in plain decimal notation, as bits-bit
// float: an optional sign, digits with an optional point, an optional
// exponent. strconv.ParseFloat alone also reads Go's other spellings (hex
// floats such as 0x1p3, digit separators such as 1_000, Inf, NaN), which
// a CSV file does not mean as numbers; numbers beyond the float's range
// are refused rather than read as infinities.
func parseDecimal(f string, bits int) (float64, error) {
	if !isDecimal(f) {
		return 0, errors.Errorf("%q is not a finite number: plain decimals only, such as -1.5 or 2e-3", f)
	}
	v, err := strconv.ParseFloat(f, bits)
	if err != nil || math.IsInf(v, 0) {
		return 0, errors.Errorf("%q is not a finite number: out of float%d range", f, bits)
	}
	return v, nil
}

// isDecimal reports whether s is [+-]digits[.digits][(e|E)[+-]digits],
// with digits on at least one side of the point.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// skipBOM drops a UTF-8 byte order mark at the start of r: Excel's
// "CSV UTF-8" export begins with one, which would otherwise stick to the
// first field and make it no number (or a header name no label matches).
// UTF-16 text, Excel's "Unicode text", is refused with that name rather
// than read as garbled fields.
func skipBOM(r *bufio.Reader, name string) error {
	head, _ := r.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, err := r.Discard(3)
		return errors.Wrapf(err, "data: %s", name)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return errors.Errorf("data: %s: UTF-16 text (byte order mark % X); save it as UTF-8 CSV", name, head[:2])
	}
	return nil
}
