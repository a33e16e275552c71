package data

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/pkg/errors"
)

// CSVTable is a CSV file read by ReadCSVTable: its data set, and the
// options that read another file, such as a test set, the same way.
type CSVTable struct {
	// Data holds the rows. Its FeatureNames, when the file has a header,
	// name the features after encoding: the column's name for a number or
	// an index-encoded column, "column=category" for each feature of a
	// one-hot column.
	Data *Dataset
	// Options are the options the file was read with, with every choice
	// made from its contents written out: Label and Features name the
	// label and feature columns (when the header names them apart), each
	// Encode entry lists its Categories, and Classes the class names of a
	// classification label that is not encoded. Reading another file with
	// them gives the same features in the same order, whatever the order
	// of its columns, and refuses a category or a class this file did not
	// have (unless the encoding has a Fallback).
	Options CSVOptions
}

// LoadCSVTable reads the CSV file at path; see ReadCSVTable. Errors name
// the file.
func LoadCSVTable(path string, opt CSVOptions) (*CSVTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "data: LoadCSV")
	}
	defer f.Close()
	return ReadCSVTable(f, path, opt)
}

// ReadCSVTable reads CSV data from r as ReadCSV does, and returns the
// data set with the options that encode another file the same way:
//
//	train, err := data.LoadCSVTable("train.csv", opt)
//	...
//	test, err := data.LoadCSV("test.csv", train.Options)
func ReadCSVTable(r io.Reader, name string, opt CSVOptions) (*CSVTable, error) {
	br := bufio.NewReader(r)
	if err := skipBOM(br, name); err != nil {
		return nil, err
	}
	limit := newRecordLimiter(br, name)
	cr := csv.NewReader(limit)
	if opt.Comma != 0 {
		cr.Comma = opt.Comma
	}
	cr.FieldsPerRecord = -1 // checked here, to give a clearer message
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	var (
		p         *csvPlan
		raw, y    []float32 // features as read (categories by number) and labels
		zeros     []float32 // a row of zeros to grow raw by
		maxLabel  = -1
		sawHeader = !opt.Header
	)
	for {
		rec, err := cr.Read()
		if limit.err != nil && limit.err != io.EOF {
			return nil, limit.err
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, errors.Wrapf(pe.Err, "data: %s:%d: byte %d", name, pe.Line, pe.Column)
			}
			return nil, errors.Wrapf(err, "data: %s", name)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > MaxCSVFields {
			return nil, errors.Errorf("data: %s:%d: %d fields, more than %d (data.MaxCSVFields)", name, line, len(rec), MaxCSVFields)
		}
		if !sawHeader {
			sawHeader = true
			header := make([]string, len(rec))
			for i, f := range rec {
				header[i] = strings.TrimSpace(f)
			}
			if p, err = newCSVPlan(name, &opt, header, len(rec), line); err != nil {
				return nil, err
			}
			continue
		}
		if p == nil {
			if p, err = newCSVPlan(name, &opt, nil, len(rec), line); err != nil {
				return nil, err
			}
		}
		if zeros == nil {
			zeros = make([]float32, len(p.feats))
		}
		if len(rec) != p.width {
			what := "too few"
			if len(rec) > p.width {
				what = "too many"
			}
			return nil, errors.Errorf("data: %s:%d: %s fields: got %d, want %d", name, line, what, len(rec), p.width)
		}
		row := len(raw)
		raw = append(raw, zeros...)
		for i, f := range rec {
			c := &p.cols[i]
			if c.role == colSkip {
				continue
			}
			f = strings.TrimSpace(f)
			if c.role == colLabel {
				v, err := p.readLabel(f, &opt)
				if err != nil {
					return nil, p.fieldError(cr, i, err)
				}
				if p.labelEnc == nil && !opt.Regression && int(v) > maxLabel {
					maxLabel = int(v)
				}
				y = append(y, v)
				continue
			}
			v, err := c.read(f)
			if err != nil {
				return nil, p.fieldError(cr, i, err)
			}
			raw[row+c.slot] = v
		}
	}
	if p == nil || len(raw) == 0 && len(y) == 0 {
		return nil, errors.Errorf("data: %s: empty file: no data rows", name)
	}
	return p.finish(raw, y, maxLabel)
}

// colRole says what a column of the file is read as.
type colRole uint8

const (
	colSkip colRole = iota
	colFeature
	colLabel
)

// csvColumn is the plan for one column of the file.
type csvColumn struct {
	role    colRole
	slot    int         // a feature's position among the features, before encoding
	enc     *catEncoder // an encoded feature's encoder; nil for a number
	fill    string      // what an empty field reads as, when hasFill
	hasFill bool
	fillNum float32 // fill, parsed, for a numeric column
}

// read reads one feature field: a number, or a category's number.
func (c *csvColumn) read(f string) (float32, error) {
	if f == "" {
		if !c.hasFill {
			return 0, errors.New("missing value (an empty field); give one in CSVOptions.Missing to fill it")
		}
		if c.enc == nil {
			return c.fillNum, nil
		}
		f = c.fill
	}
	if c.enc != nil {
		i, err := c.enc.id(f)
		return float32(i), err
	}
	v, err := parseDecimal(f, 32)
	if err != nil {
		if looksLikeWord(f) {
			return 0, errors.Errorf("%v; a column of strings needs CSVOptions.Encode", err)
		}
		return 0, err
	}
	return float32(v), nil
}

// looksLikeWord says whether a field that is no number is a word, such as
// a category, rather than a malformed or non-finite number.
func looksLikeWord(f string) bool {
	switch strings.ToLower(strings.TrimLeft(f, "+-")) {
	case "nan", "inf", "infinity":
		return false
	}
	return strings.IndexFunc(f, unicode.IsLetter) >= 0 && !strings.ContainsAny(f, "0123456789")
}

// csvPlan says how the columns of one file are read, from the options and
// the header (or the first row, in a file without one).
type csvPlan struct {
	name     string
	opt      *CSVOptions
	header   []string // nil without a header
	width    int      // fields per row
	label    int      // the label's column, -1 for none
	cols     []csvColumn
	feats    []int       // the column of each feature, in feature order
	labelEnc *catEncoder // the label's encoder, when Encode names it
	classIdx map[string]int
}

// newCSVPlan checks opt against the header (nil when the file has none)
// and the width of the first row, found on line.
func newCSVPlan(name string, opt *CSVOptions, header []string, width, line int) (*csvPlan, error) {
	p := &csvPlan{name: name, opt: opt, header: header, width: width, label: -1, cols: make([]csvColumn, width)}
	if header == nil {
		for _, o := range []struct {
			what string
			n    int
		}{{"Features", len(opt.Features)}, {"Encode", len(opt.Encode)}, {"Missing", len(opt.Missing)}} {
			if o.n > 0 {
				return nil, errors.Errorf("data: %s: CSVOptions.%s names columns but the file has no header (set CSVOptions.Header if its first line names them)", name, o.what)
			}
		}
	}

	// The label.
	switch {
	case opt.Label.none:
	case opt.Label.named:
		if header == nil {
			return nil, errors.Errorf("data: %s: label column %q given by name but the file has no header", name, opt.Label.name)
		}
		i, err := p.find(opt.Label.name, line, "the label")
		if err != nil {
			return nil, err
		}
		p.label = i
	default:
		i := opt.Label.index
		if !opt.Label.set {
			i = -1
		}
		if i < 0 {
			i += width
		}
		if i < 0 || i >= width {
			return nil, errors.Errorf("data: %s:%d: label column %d out of range for %d columns", name, line, opt.Label.index, width)
		}
		p.label = i
	}
	if p.label >= 0 {
		if width < 2 {
			return nil, errors.Errorf("data: %s:%d: one column cannot hold both features and a label", name, line)
		}
		p.cols[p.label].role = colLabel
	}

	// The features.
	if opt.Features == nil {
		for i := 0; i < width; i++ {
			if i != p.label {
				p.feats = append(p.feats, i)
			}
		}
	} else {
		if len(opt.Features) == 0 {
			return nil, errors.Errorf("data: %s: CSVOptions.Features is empty: name at least one column, or leave it nil for every column but the label", name)
		}
		listed := map[string]int{}
		for k, f := range opt.Features {
			if j, dup := listed[f]; dup {
				return nil, errors.Errorf("data: %s: CSVOptions.Features lists %q twice (at %d and %d)", name, f, j, k)
			}
			listed[f] = k
			i, err := p.find(f, line, "CSVOptions.Features")
			if err != nil {
				return nil, err
			}
			if i == p.label {
				return nil, errors.Errorf("data: %s:%d: column %d (%s) is the label; it cannot also be a feature (CSVOptions.Features)", name, line, i+1, f)
			}
			p.feats = append(p.feats, i)
		}
	}
	for k, i := range p.feats {
		p.cols[i].role, p.cols[i].slot = colFeature, k
	}

	// Encodings, in sorted order so that the first error is always the same.
	for _, col := range sortedKeys(opt.Encode) {
		i, err := p.find(col, line, "CSVOptions.Encode")
		if err != nil {
			return nil, err
		}
		enc, err := newCatEncoder(col, opt.Encode[col], "CSVOptions.Encode")
		if err != nil {
			return nil, errors.Wrapf(err, "data: %s", name)
		}
		switch p.cols[i].role {
		case colLabel:
			if opt.Regression {
				return nil, errors.Errorf("data: %s: CSVOptions.Encode encodes the label %q, but Regression reads it as a number", name, col)
			}
			if len(opt.Classes) > 0 {
				return nil, errors.Errorf("data: %s: the label %q has classes in both CSVOptions.Classes and Encode; give them in one", name, col)
			}
			p.labelEnc = enc
		case colFeature:
			p.cols[i].enc = enc
		default:
			return nil, errors.Errorf("data: %s: CSVOptions.Encode names column %q, which is neither a feature nor the label", name, col)
		}
	}

	// Fills for missing values.
	for _, col := range sortedKeys(opt.Missing) {
		i, err := p.find(col, line, "CSVOptions.Missing")
		if err != nil {
			return nil, err
		}
		c := &p.cols[i]
		fill := strings.TrimSpace(opt.Missing[col])
		switch {
		case c.role == colLabel:
			return nil, errors.Errorf("data: %s: CSVOptions.Missing fills the label %q; a row without a label cannot be trained on", name, col)
		case c.role != colFeature:
			return nil, errors.Errorf("data: %s: CSVOptions.Missing names column %q, which is not a feature", name, col)
		case fill == "":
			return nil, errors.Errorf("data: %s: CSVOptions.Missing[%q] is empty: give the value an empty field reads as", name, col)
		case c.enc == nil:
			v, err := parseDecimal(fill, 32)
			if err != nil {
				return nil, errors.Wrapf(err, "data: %s: CSVOptions.Missing[%q] for a numeric column", name, col)
			}
			c.fillNum = float32(v)
		}
		c.fill, c.hasFill = fill, true
	}

	if len(opt.Classes) > 0 {
		p.classIdx = make(map[string]int, len(opt.Classes))
		for i, c := range opt.Classes {
			p.classIdx[c] = i
		}
	}
	return p, nil
}

// find returns the column named col, or an error if the header has no such
// column or has it twice; what names the option that asked for it.
func (p *csvPlan) find(col string, line int, what string) (int, error) {
	at := -1
	for i, h := range p.header {
		if h != col {
			continue
		}
		if at >= 0 {
			return 0, errors.Errorf("data: %s:%d: columns %d and %d are both named %q; rename one to choose it by name (%s)", p.name, line, at+1, i+1, col, what)
		}
		at = i
	}
	if at < 0 {
		return 0, errors.Errorf("data: %s:%d: no column named %q in header %s (%s)", p.name, line, col, quoteSome(p.header, 20), what)
	}
	return at, nil
}

// readLabel reads one label field.
func (p *csvPlan) readLabel(f string, opt *CSVOptions) (float32, error) {
	if f == "" {
		return 0, errors.New("missing label (an empty field)")
	}
	if p.labelEnc != nil {
		i, err := p.labelEnc.id(f)
		return float32(i), err
	}
	return parseLabel(f, opt.Regression, p.classIdx, len(opt.Classes))
}

// fieldError names the file, line and column of field i of the record cr
// read last. A field inside a record that spans lines has its own line.
func (p *csvPlan) fieldError(cr *csv.Reader, i int, err error) error {
	line, _ := cr.FieldPos(i)
	return errors.Wrapf(err, "data: %s:%d: %s", p.name, line, p.column(i))
}

// column names column i (from 0) for messages: "column 3", and its header
// name when there is one, "column 3 (colour)".
func (p *csvPlan) column(i int) string {
	if p.header == nil {
		return fmt.Sprintf("column %d", i+1)
	}
	return fmt.Sprintf("column %d (%s)", i+1, p.header[i])
}

// finish numbers the categories in their final order, encodes the
// features and labels, and writes out the options that read another file
// the same way.
func (p *csvPlan) finish(raw, y []float32, maxLabel int) (*CSVTable, error) {
	opt := p.optionsIn()
	nf := len(p.feats)
	n := len(raw) / nf
	encode := map[string]Encoding{}

	// Features: renumber inferred categories, work out the encoded width.
	width, oneHot := 0, false
	cats := make([][]string, nf)
	for k, i := range p.feats {
		c := &p.cols[i]
		if c.enc == nil {
			width++
			continue
		}
		var remap []int
		cats[k], remap = c.enc.finish()
		if remap != nil {
			for r := k; r < len(raw); r += nf {
				raw[r] = float32(remap[int(raw[r])])
			}
		}
		e := c.enc.enc
		e.Categories = cats[k]
		encode[c.enc.column] = e
		if e.Kind == OneHotEncoding {
			width += len(cats[k])
			oneHot = true
		} else {
			width++
		}
	}
	x := raw
	if oneHot {
		if width > 0 && n > MaxCSVEncodedValues/width {
			return nil, errors.Errorf("data: %s: one-hot encoding makes %d rows of %d features, more than %d values (data.MaxCSVEncodedValues)",
				p.name, n, width, MaxCSVEncodedValues)
		}
		x = make([]float32, n*width)
		for r := 0; r < n; r++ {
			in, out := raw[r*nf:(r+1)*nf], x[r*width:(r+1)*width]
			o := 0
			for k, i := range p.feats {
				if c := p.cols[i].enc; c != nil && c.enc.Kind == OneHotEncoding {
					out[o+int(in[k])] = 1
					o += len(cats[k])
					continue
				}
				out[o] = in[k]
				o++
			}
		}
	}

	// Labels and classes.
	targetWidth := 0
	var classes []string
	if p.label >= 0 {
		targetWidth = 1
		switch {
		case p.labelEnc != nil:
			var remap []int
			classes, remap = p.labelEnc.finish()
			if remap != nil {
				for r, v := range y {
					y[r] = float32(remap[int(v)])
				}
			}
			e := p.labelEnc.enc
			e.Categories = classes
			encode[p.labelEnc.column] = e
			if e.Kind == OneHotEncoding {
				if len(classes) < 2 {
					return nil, errors.Errorf("data: %s: the one-hot label %q has a single class %q: nothing to tell apart", p.name, p.labelEnc.column, classes[0])
				}
				hot, err := OneHot(floatLabels(y), len(classes))
				if err != nil {
					return nil, errors.Wrapf(err, "data: %s", p.name)
				}
				y, targetWidth = hot, len(classes)
			}
		case !opt.Regression:
			classes = opt.Classes
			if len(classes) == 0 {
				classes = make([]string, maxLabel+1)
				for i := range classes {
					classes[i] = strconv.Itoa(i)
				}
			}
			opt.Classes = append([]string(nil), classes...)
		}
	}

	d, err := NewDataset(p.name, x, width, y, targetWidth, classes)
	if err != nil {
		return nil, err
	}
	if p.header != nil {
		d.FeatureNames = make([]string, 0, width)
		for k, i := range p.feats {
			h := p.header[i]
			if c := p.cols[i].enc; c != nil && c.enc.Kind == OneHotEncoding {
				for _, cat := range cats[k] {
					d.FeatureNames = append(d.FeatureNames, h+"="+cat)
				}
				continue
			}
			d.FeatureNames = append(d.FeatureNames, h)
		}
	}
	if len(encode) > 0 {
		opt.Encode = encode
	}
	return &CSVTable{Data: d, Options: opt}, nil
}

// optionsIn returns the options the plan was made from, copied, with the
// features listed by name when the header names them apart.
func (p *csvPlan) optionsIn() CSVOptions {
	var opt CSVOptions
	if p.opt != nil {
		opt = *p.opt
	}
	opt.Classes = append([]string(nil), opt.Classes...)
	if len(opt.Classes) == 0 {
		opt.Classes = nil
	}
	opt.Encode = nil
	if opt.Missing != nil {
		m := make(map[string]string, len(opt.Missing))
		for k, v := range opt.Missing {
			m[k] = v
		}
		opt.Missing = m
	}
	opt.Features = nil
	if p.header == nil {
		return opt
	}
	count := make(map[string]int, len(p.header))
	for _, h := range p.header {
		count[h]++
	}
	unique := true
	for _, i := range p.feats {
		unique = unique && count[p.header[i]] == 1
	}
	if unique {
		for _, i := range p.feats {
			opt.Features = append(opt.Features, p.header[i])
		}
	}
	if p.label >= 0 && count[p.header[p.label]] == 1 {
		opt.Label = LabelNamed(p.header[p.label])
	}
	return opt
}

// floatLabels converts class indices held as float32 to ints.
func floatLabels(y []float32) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

// sortedKeys returns m's keys in sorted order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
