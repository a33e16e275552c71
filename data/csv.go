package data

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"strconv"

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

// CSVOptions describes the layout of a CSV file for ReadCSV and
// ReadCSVTable: which columns are the features and which the label, and
// how columns of strings become numbers.
//
// Columns are chosen by their header names, as pandas's usecols and
// Keras's label_name do, so Features, Encode, Missing and LabelNamed need
// Header. A name that is not in the header, a name the header has twice,
// a name listed twice, and the label listed among the features are errors
// naming the file.
type CSVOptions struct {
	// Header says the first line holds column names rather than data.
	Header bool
	// Label selects the label column; the zero value is the last column.
	Label LabelColumn
	// Features names the feature columns, in the order they take in X.
	// Columns that are neither features nor the label are not read at all
	// (an ID, a free-text note). nil means every column but the label, in
	// the file's order.
	Features []string
	// Encode says how a column of strings becomes numbers, by column name:
	// one-hot or index encoded, with its categories given or taken from
	// the file in sorted order (see Encoding). It may name the label: an
	// index-encoded label gives class indices and names its classes after
	// the categories, so it takes the place of Classes. A feature column
	// not named here must hold numbers.
	Encode map[string]Encoding
	// Missing gives, by column name, what an empty field of a feature
	// column is read as: a number for a numeric column, a category for an
	// encoded one (pandas's fillna). An empty field of any other column,
	// the label's included, is an error naming its file, line and column.
	Missing map[string]string
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
	t, err := LoadCSVTable(path, opt)
	if err != nil {
		return nil, err
	}
	return t.Data, nil
}

// ReadCSV reads CSV data from r into a Dataset called name; ReadCSVTable
// also returns the options that read a second file (a test set) the same
// way. Feature columns hold numbers unless CSVOptions.Encode encodes them.
// Errors name the input, the line and, for a field, its column: a short
// or long row, a field that is not a number, a missing (empty) value, a
// category that is not among those given, a label that is not a class, an
// input with no data rows, a record longer than MaxCSVLineBytes, a row of
// more than MaxCSVFields fields, a quoted field that is never closed.
// Line numbers count from 1 with the header and blank lines, and a quoted
// field may span lines ("dark,\nred"): the lines after it keep their
// numbers, and a bad field is reported on the line where it starts.
//
// Blank lines are skipped. Fields may be quoted and surrounded by spaces,
// which are trimmed. A UTF-8 byte order mark at the start (Excel writes
// one) is skipped.
//
// Numbers are decimal: an optional sign, digits with an optional point,
// an optional exponent ("1", "-0.5", ".5", "2.", "1.5e-3"). NaN and
// infinities are refused, as are the other forms Go's strconv.ParseFloat
// reads (hex floats such as 0x1p3, digit separators such as 1_000): a CSV
// file does not mean them as numbers. Class labels are whole numbers from
// 0 to MaxCSVClasses-1, or class names when CSVOptions.Classes is set.
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	t, err := ReadCSVTable(r, name, opt)
	if err != nil {
		return nil, err
	}
	return t.Data, nil
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
