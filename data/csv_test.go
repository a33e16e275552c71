package data

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		opt      CSVOptions
		n, f, tw int
		classes  int
		y0       float32
		names    []string
	}{
		{"label last by default", "1,2,0\n3,4,1\n", CSVOptions{}, 2, 2, 1, 2, 0, nil},
		{"label first", "1,2,0\n0,4,1\n", CSVOptions{Label: LabelAt(0)}, 2, 2, 1, 2, 1, nil},
		{"label negative", "1,2,0\n0,4,1\n", CSVOptions{Label: LabelAt(-2)}, 2, 2, 1, 5, 2, nil},
		{"label by name", "a,cls,b\n1,1,2\n3,0,4\n", CSVOptions{Header: true, Label: LabelNamed("cls")}, 2, 2, 1, 2, 1, []string{"a", "b"}},
		{"no label", "1,2\n3,4\n", CSVOptions{Label: NoLabel}, 2, 2, 0, 0, 0, nil},
		{"regression", "1,2.5\n3,-4\n", CSVOptions{Regression: true}, 2, 1, 1, 0, 2.5, nil},
		{"class names", "1,no\n2,yes\n3,1\n", CSVOptions{Classes: []string{"no", "yes"}}, 3, 1, 1, 2, 0, nil},
		{"blank lines and spaces", "\n1, 2, 0\n\n 3,4,1\n", CSVOptions{}, 2, 2, 1, 2, 0, nil},
		{"float label", "1,2,1.0\n", CSVOptions{}, 1, 2, 1, 2, 1, nil},
		{"semicolon", "1;2;0\n", CSVOptions{Comma: ';'}, 1, 2, 1, 1, 0, nil},
		{"UTF-8 BOM before data", "\ufeff1,2,1\n3,4,0\n", CSVOptions{}, 2, 2, 1, 2, 1, nil},
		{"UTF-8 BOM before a quoted field", "\ufeff\"1\",2,1\n", CSVOptions{}, 1, 2, 1, 2, 1, nil},
		{"UTF-8 BOM before the header", "\ufeffa,b,label\n1,2,1\n", CSVOptions{Header: true}, 1, 2, 1, 2, 1, []string{"a", "b"}},
		{"UTF-8 BOM before a named label", "\ufeffcls,b\n1,2\n", CSVOptions{Header: true, Label: LabelNamed("cls")}, 1, 1, 1, 2, 1, []string{"b"}},
		{"largest inferred label", "1,65535\n", CSVOptions{}, 1, 1, 1, 65536, 65535, nil},
		{"exponent label", "1,1e1\n", CSVOptions{}, 1, 1, 1, 11, 10, nil},
	} {
		d, err := ReadCSV(strings.NewReader(tc.in), tc.name, tc.opt)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d.Len() != tc.n || d.Features() != tc.f || d.TargetWidth() != tc.tw || d.NumClasses() != tc.classes {
			t.Errorf("%s: shape %d x %d, width %d, %d classes; want %d x %d, %d, %d",
				tc.name, d.Len(), d.Features(), d.TargetWidth(), d.NumClasses(), tc.n, tc.f, tc.tw, tc.classes)
			continue
		}
		if tc.tw > 0 && d.Y[0] != tc.y0 {
			t.Errorf("%s: first target %v, want %v", tc.name, d.Y[0], tc.y0)
		}
		if !equalStrings(d.FeatureNames, tc.names) {
			t.Errorf("%s: feature names %v, want %v", tc.name, d.FeatureNames, tc.names)
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opt  CSVOptions
		want string
	}{
		{"too few fields", "1,2,0\n3,1\n", CSVOptions{}, "in.csv:2: too few fields: got 2, want 3"},
		{"too many fields", "1,2,0\n3,4,5,1\n", CSVOptions{}, "in.csv:2: too many fields: got 4, want 3"},
		{"non-number", "1,2,0\n3,4,1\n5,x,1\n", CSVOptions{}, `in.csv:3: column 2: "x" is not a finite number`},
		{"NaN feature", "nan,2,0\n", CSVOptions{}, `in.csv:1: column 1: "nan" is not a finite number`},
		{"empty file", "", CSVOptions{}, "in.csv: empty file"},
		{"header only", "a,b\n", CSVOptions{Header: true}, "in.csv: empty file"},
		{"label not an integer", "1,2,0\n3,4,0.5\n", CSVOptions{}, `in.csv:2: column 3: label "0.5" is not an integer`},
		{"label a word", "1,2,cat\n", CSVOptions{}, `in.csv:1: column 3: label "cat" is not an integer`},
		{"label negative", "1,2,-1\n", CSVOptions{}, `in.csv:1: column 3: label "-1" is not a class index`},
		{"label out of classes", "1,2\n", CSVOptions{Classes: []string{"a", "b"}}, `in.csv:1: column 2: label "2" out of range for 2 classes`},
		{"regression target", "1,abc\n", CSVOptions{Regression: true}, `in.csv:1: column 2: target "abc" is not a finite number`},
		{"name without header", "1,2\n", CSVOptions{Label: LabelNamed("y")}, "given by name but the file has no header"},
		{"unknown name", "a,b\n1,2\n", CSVOptions{Header: true, Label: LabelNamed("y")}, `in.csv:1: no column named "y"`},
		{"label index out of range", "1,2\n", CSVOptions{Label: LabelAt(5)}, "label column 5 out of range for 2 columns"},
		{"single column", "1\n", CSVOptions{}, "one column cannot hold both"},
		{"bad quoting", "1,\"2,0\n", CSVOptions{}, "in.csv"},
		{"hex float feature", "1,2,0\n0x1p3,2,0\n", CSVOptions{}, `in.csv:2: column 1: "0x1p3" is not a finite number: plain decimals only`},
		{"upper-case hex feature", "0X10,2,0\n", CSVOptions{}, `in.csv:1: column 1: "0X10" is not a finite number`},
		{"digit separator feature", "1,1_000,0\n", CSVOptions{}, `in.csv:1: column 2: "1_000" is not a finite number: plain decimals only`},
		{"Inf feature", "1,Inf,0\n", CSVOptions{}, `in.csv:1: column 2: "Inf" is not a finite number`},
		{"-infinity feature", "-infinity,1,0\n", CSVOptions{}, `in.csv:1: column 1: "-infinity" is not a finite number`},
		{"feature beyond float32", "1e39,1,0\n", CSVOptions{}, `in.csv:1: column 1: "1e39" is not a finite number: out of float32 range`},
		{"exponent without digits", "1e,1,0\n", CSVOptions{}, `in.csv:1: column 1: "1e" is not a finite number`},
		{"lone point", ".,1,0\n", CSVOptions{}, `in.csv:1: column 1: "." is not a finite number`},
		{"lone sign", "-,1,0\n", CSVOptions{}, `in.csv:1: column 1: "-" is not a finite number`},
		{"two points", "1.2.3,1,0\n", CSVOptions{}, `in.csv:1: column 1: "1.2.3" is not a finite number`},
		{"two signs", "--1,1,0\n", CSVOptions{}, `in.csv:1: column 1: "--1" is not a finite number`},
		{"space inside", "1 2,1,0\n", CSVOptions{}, `in.csv:1: column 1: "1 2" is not a finite number`},
		{"hex label", "1,2,0x1\n", CSVOptions{}, `in.csv:1: column 3: label "0x1" is not an integer class index`},
		{"digit separator label", "1,2,1_0\n", CSVOptions{}, `in.csv:1: column 3: label "1_0" is not an integer class index`},
		{"NaN label", "1,NaN\n", CSVOptions{}, `in.csv:1: column 2: label "NaN" is not an integer class index`},
		{"inf label", "1,inf\n", CSVOptions{}, `in.csv:1: column 2: label "inf" is not an integer class index`},
		{"hex regression target", "1,0x1p3\n", CSVOptions{Regression: true}, `in.csv:1: column 2: target "0x1p3" is not a finite number`},
		{"inf regression target", "1,-Inf\n", CSVOptions{Regression: true}, `in.csv:1: column 2: target "-Inf" is not a finite number`},
		{"label 2^24 (11 bytes, 383 MB before the cap)", "1,16777216\n", CSVOptions{}, `in.csv:1: column 2: label "16777216" is not a class index below 65536 (MaxCSVClasses`},
		{"label just over the cap", "1,0\n2,65536\n", CSVOptions{}, `in.csv:2: column 2: label "65536" is not a class index below 65536`},
		{"label 1e9", "1,1e9\n", CSVOptions{}, `in.csv:1: column 2: label "1e9" is not a class index below 65536`},
		{"BOM after the start", "1,2,0\n\ufeff3,4,1\n", CSVOptions{}, `in.csv:2: column 1: "\ufeff3" is not a finite number`},
		{"UTF-16 little endian", "\xff\xfe1\x00,\x002\x00\n\x00", CSVOptions{}, "in.csv: UTF-16 text (byte order mark FF FE); save it as UTF-8 CSV"},
		{"UTF-16 big endian", "\xfe\xff\x001\x00,\x002\x00\n", CSVOptions{}, "in.csv: UTF-16 text (byte order mark FE FF)"},
	} {
		_, err := ReadCSV(strings.NewReader(tc.in), "in.csv", tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(path, []byte("x,y,label\n1,2,1\n3,4,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := LoadCSV(path, CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != path || d.Len() != 2 || d.Label(0) != 1 {
		t.Errorf("LoadCSV: name %q len %d label %d", d.Name, d.Len(), d.Label(0))
	}
	if _, err := LoadCSV(filepath.Join(t.TempDir(), "none.csv"), CSVOptions{}); err == nil || !strings.Contains(err.Error(), "none.csv") {
		t.Errorf("missing file: error %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("1,2,0\n1,0\n"), 0o644)
	if _, err := LoadCSV(bad, CSVOptions{}); err == nil || !strings.Contains(err.Error(), bad+":2:") {
		t.Errorf("bad file: error %v, want it to name %s:2:", err, bad)
	}
}

// TestReadCSVNumbers: the decimal spellings ReadCSV reads give exactly
// the numbers they spell.
func TestReadCSVNumbers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float32
	}{
		{"1", 1}, {"-0.5", -0.5}, {"+.5", 0.5}, {"2.", 2}, {"007", 7}, {"1e3", 1000},
		{"-2.5E-1", -0.25}, {"1.5e+2", 150}, {"-0", 0}, {" 3 ", 3}, {"\"4\"", 4}, {"3.4e38", 3.4e38},
	} {
		d, err := ReadCSV(strings.NewReader(tc.in+","+tc.in+"\n"), "n.csv", CSVOptions{Regression: true})
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if d.X[0] != tc.want || d.Y[0] != tc.want {
			t.Errorf("%q: feature %v, target %v; want %v", tc.in, d.X[0], d.Y[0], tc.want)
		}
	}
}

// TestReadCSVClassBound: a large label costs no more than the classes
// MaxCSVClasses allows (383 MB for the 11-byte file with 2^24 before the
// bound), and a program can raise the bound.
func TestReadCSVClassBound(t *testing.T) {
	alloc := func(in string) (uint64, error) {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadCSV(strings.NewReader(in), "big.csv", CSVOptions{})
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	if n, err := alloc("1,16777216\n"); err == nil || n >= 1<<20 {
		t.Errorf("label 2^24: allocated %d bytes, error %v; want an error and under 1 MiB", n, err)
	}
	if n, err := alloc("1,65535\n"); err != nil || n >= 8<<20 {
		t.Errorf("label 65535: allocated %d bytes, error %v; want no error and under 8 MiB", n, err)
	}
	defer func(old int) { MaxCSVClasses = old }(MaxCSVClasses)
	MaxCSVClasses = 1 << 17
	d, err := ReadCSV(strings.NewReader("1,100000\n"), "big.csv", CSVOptions{})
	if err != nil {
		t.Errorf("MaxCSVClasses 2^17, label 100000: %v", err)
	} else if d.NumClasses() != 100001 {
		t.Errorf("MaxCSVClasses 2^17, label 100000: %d classes, want 100001", d.NumClasses())
	}
	MaxCSVClasses = 1 << 30 // still bounded by 2^24, the labels float32 holds exactly
	if _, err := ReadCSV(strings.NewReader("1,16777217\n"), "big.csv", CSVOptions{}); err == nil || !strings.Contains(err.Error(), "below 16777216") {
		t.Errorf("MaxCSVClasses 2^30, label 2^24+1: error %v, want it refused below 16777216", err)
	}
}

// irisWithHeader returns the embedded iris.csv with its scikit-learn first
// line replaced by a header, columns in the order cols names them (from
// sepal_length, sepal_width, petal_length, petal_width, species and id, a
// row number), and the labels as species names when names is set.
func irisWithHeader(t *testing.T, cols []string, names bool) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(irisCSV)), "\n")
	species := strings.Split(lines[0], ",")[2:]
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for r, line := range lines[1:] {
		f := strings.Split(line, ",")
		if names {
			k := int(f[4][0] - '0')
			f[4] = species[k]
		}
		byName := map[string]string{
			"sepal_length": f[0], "sepal_width": f[1], "petal_length": f[2], "petal_width": f[3],
			"species": f[4], "id": strconv.Itoa(r + 1),
		}
		row := make([]string, len(cols))
		for j, c := range cols {
			row[j] = byName[c]
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	return b.String()
}

// TestReadCSVIrisByName: Iris read from a CSV file with a header, the label
// and features chosen by name, gives exactly (bit for bit) the embedded
// loader's X, Y, classes and feature names: with numeric labels and the
// classes given, with species names index-encoded (sorted, they are the
// embedded order), and with the columns shuffled and an extra id column
// the features leave out.
func TestReadCSVIrisByName(t *testing.T) {
	want, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	classes := []string{"setosa", "versicolor", "virginica"}
	canonical := append(append([]string(nil), IrisFeatureNames...), "species")
	for _, tc := range []struct {
		name  string
		cols  []string
		names bool
		opt   CSVOptions
	}{
		{"numeric labels, classes given", canonical, false,
			CSVOptions{Header: true, Label: LabelNamed("species"), Features: IrisFeatureNames, Classes: classes}},
		{"species names index-encoded", canonical, true,
			CSVOptions{Header: true, Label: LabelNamed("species"), Features: IrisFeatureNames,
				Encode: map[string]Encoding{"species": {Kind: IndexEncoding}}}},
		{"columns shuffled, id left out", []string{"species", "petal_width", "id", "sepal_length", "petal_length", "sepal_width"}, true,
			CSVOptions{Header: true, Label: LabelNamed("species"), Features: IrisFeatureNames,
				Encode: map[string]Encoding{"species": {Kind: IndexEncoding}}}},
		{"species names as Classes, features by default", canonical, true,
			CSVOptions{Header: true, Label: LabelNamed("species"), Classes: classes}},
	} {
		in := irisWithHeader(t, tc.cols, tc.names)
		tab, err := ReadCSVTable(strings.NewReader(in), "iris.csv", tc.opt)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		d := tab.Data
		if d.Len() != want.Len() || d.Features() != want.Features() || d.TargetWidth() != 1 {
			t.Errorf("%s: %d x %d (target width %d), want %d x %d", tc.name, d.Len(), d.Features(), d.TargetWidth(), want.Len(), want.Features())
			continue
		}
		if !bitEqual(d.X, want.X) || !bitEqual(d.Y, want.Y) {
			t.Errorf("%s: X or Y differs from Iris()", tc.name)
		}
		if !equalStrings(d.Classes, want.Classes) || !equalStrings(d.FeatureNames, want.FeatureNames) {
			t.Errorf("%s: classes %v, features %v; want %v, %v", tc.name, d.Classes, d.FeatureNames, want.Classes, want.FeatureNames)
		}
	}
}

func bitEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// shop is a small table with a string column, a number and a string label,
// written out to test the encodings by hand.
const shop = `id,colour,size,label
1,red,3.5,yes
2,blue,1,no
3,green,2,yes
4,red,0.5,no
`

// TestReadCSVEncode: one-hot and index encodings, by hand, on shop: the
// features in the order named, categories sorted or as given, the fallback,
// the label encoded, and the options recorded for the next file.
func TestReadCSVEncode(t *testing.T) {
	oneHot, index := Encoding{Kind: OneHotEncoding}, Encoding{Kind: IndexEncoding}
	// named reads the features named, the label "label" index-encoded
	// unless enc says otherwise.
	named := func(enc map[string]Encoding, features ...string) CSVOptions {
		if _, ok := enc["label"]; !ok {
			enc["label"] = index
		}
		return CSVOptions{Header: true, Label: LabelNamed("label"), Features: features, Encode: enc}
	}
	yesNo := []string{"no", "yes"}
	for _, tc := range []struct {
		name    string
		opt     CSVOptions
		x       []float32
		names   []string
		y       []float32
		classes []string
		cats    []string // the categories recorded for colour
	}{
		{"one-hot, sorted categories", named(map[string]Encoding{"colour": oneHot}, "colour", "size"),
			[]float32{0, 0, 1, 3.5, 1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 0.5},
			[]string{"colour=blue", "colour=green", "colour=red", "size"},
			[]float32{1, 0, 1, 0}, yesNo, []string{"blue", "green", "red"}},
		{"index, sorted categories, size first", named(map[string]Encoding{"colour": index}, "size", "colour"),
			[]float32{3.5, 2, 1, 0, 2, 1, 0.5, 2},
			[]string{"size", "colour"}, []float32{1, 0, 1, 0}, yesNo, []string{"blue", "green", "red"}},
		{"one-hot, categories given", named(map[string]Encoding{"colour": {Kind: OneHotEncoding, Categories: []string{"red", "green", "blue"}}}, "colour"),
			[]float32{1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0},
			[]string{"colour=red", "colour=green", "colour=blue"}, []float32{1, 0, 1, 0}, yesNo, []string{"red", "green", "blue"}},
		{"index, fallback among the categories given", named(map[string]Encoding{"colour": {Kind: IndexEncoding, Categories: []string{"red", "other"}, Fallback: "other"}}, "colour"),
			[]float32{0, 1, 1, 0}, []string{"colour"}, []float32{1, 0, 1, 0}, yesNo, []string{"red", "other"}},
		{"one-hot, fallback added to the sorted categories", named(map[string]Encoding{"colour": {Kind: OneHotEncoding, Fallback: "other"}}, "colour"),
			[]float32{0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1},
			[]string{"colour=blue", "colour=green", "colour=other", "colour=red"}, []float32{1, 0, 1, 0}, yesNo,
			[]string{"blue", "green", "other", "red"}},
		{"every column but the label by default", CSVOptions{Header: true, Label: LabelNamed("label"), Encode: map[string]Encoding{"colour": index, "label": index}},
			[]float32{1, 2, 3.5, 2, 0, 1, 3, 1, 2, 4, 2, 0.5},
			[]string{"id", "colour", "size"}, []float32{1, 0, 1, 0}, yesNo, []string{"blue", "green", "red"}},
		{"label one-hot", named(map[string]Encoding{"colour": index, "label": oneHot}, "colour"),
			[]float32{2, 0, 1, 2}, []string{"colour"}, []float32{0, 1, 1, 0, 0, 1, 1, 0}, yesNo, []string{"blue", "green", "red"}},
		{"label classes given", CSVOptions{Header: true, Label: LabelNamed("label"), Features: []string{"size"}, Classes: []string{"yes", "no"}},
			[]float32{3.5, 1, 2, 0.5}, []string{"size"}, []float32{0, 1, 0, 1}, []string{"yes", "no"}, nil},
	} {
		tab, err := ReadCSVTable(strings.NewReader(shop), "shop.csv", tc.opt)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		d := tab.Data
		if !bitEqual(d.X, tc.x) || d.Features() != len(tc.names) {
			t.Errorf("%s: X %v (%d features), want %v", tc.name, d.X, d.Features(), tc.x)
		}
		if !equalStrings(d.FeatureNames, tc.names) {
			t.Errorf("%s: feature names %q, want %q", tc.name, d.FeatureNames, tc.names)
		}
		if !bitEqual(d.Y, tc.y) || !equalStrings(d.Classes, tc.classes) {
			t.Errorf("%s: Y %v, classes %q; want %v, %q", tc.name, d.Y, d.Classes, tc.y, tc.classes)
		}
		if got := tab.Options.Encode["colour"].Categories; !equalStrings(got, tc.cats) {
			t.Errorf("%s: recorded categories %q, want %q", tc.name, got, tc.cats)
		}
		if f := tab.Options.Features; len(tc.opt.Features) > 0 && !equalStrings(f, tc.opt.Features) {
			t.Errorf("%s: recorded features %q, want %q", tc.name, f, tc.opt.Features)
		}
	}
}

// TestReadCSVMissing: empty fields filled as CSVOptions.Missing says, a
// number in a numeric column and a category (then a category like any
// other) in an encoded one.
func TestReadCSVMissing(t *testing.T) {
	in := "colour,size,label\nred,,1\n,2,0\n \"\",3,1\n"
	tab, err := ReadCSVTable(strings.NewReader(in), "m.csv", CSVOptions{
		Header:  true,
		Encode:  map[string]Encoding{"colour": {Kind: OneHotEncoding}},
		Missing: map[string]string{"size": "-1.5", "colour": "unknown"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 0, -1.5, 0, 1, 2, 0, 1, 3}
	if d := tab.Data; !bitEqual(d.X, want) || !equalStrings(d.FeatureNames, []string{"colour=red", "colour=unknown", "size"}) {
		t.Errorf("X %v, names %q; want %v", d.X, d.FeatureNames, want)
	}
}

// TestReadCSVEncodingReused: the options a training file was read with,
// as CSVTable.Options records them, read a test file the same way: its
// columns in another order, fewer categories, the same one-hot features
// and classes; a category or class the training file did not have is an
// error naming the test file, line and column, unless a fallback catches it.
func TestReadCSVEncodingReused(t *testing.T) {
	train, err := ReadCSVTable(strings.NewReader(shop), "train.csv", CSVOptions{
		Header: true, Label: LabelNamed("label"), Features: []string{"colour", "size"},
		Encode: map[string]Encoding{"colour": {Kind: OneHotEncoding}, "label": {Kind: IndexEncoding}},
	})
	if err != nil {
		t.Fatal(err)
	}
	test, err := ReadCSV(strings.NewReader("label,size,colour,note\nno,7,green,x\nyes,8,red,y\n"), "test.csv", train.Options)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{0, 1, 0, 7, 0, 0, 1, 8}; !bitEqual(test.X, want) || !bitEqual(test.Y, []float32{0, 1}) {
		t.Errorf("test X %v Y %v, want X %v Y [0 1]", test.X, test.Y, want)
	}
	if !equalStrings(test.FeatureNames, train.Data.FeatureNames) || !equalStrings(test.Classes, train.Data.Classes) {
		t.Errorf("test features %q classes %q, want %q %q", test.FeatureNames, test.Classes, train.Data.FeatureNames, train.Data.Classes)
	}

	_, err = ReadCSV(strings.NewReader("label,size,colour\nno,7,green\nyes,8,\"purple\"\n"), "test.csv", train.Options)
	if want := `data: test.csv:3: column 3 (colour): "purple" is not one of the 3 categories ["blue" "green" "red"]`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("unseen category: error %v, want it to contain %q", err, want)
	}
	_, err = ReadCSV(strings.NewReader("label,size,colour\nmaybe,7,green\n"), "test.csv", train.Options)
	if want := `data: test.csv:2: column 1 (label): "maybe" is not one of the 2 categories ["no" "yes"]`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("unseen class: error %v, want it to contain %q", err, want)
	}

	// With a fallback, the unseen category is read as it.
	withOther, err := ReadCSVTable(strings.NewReader(shop), "train.csv", CSVOptions{
		Header: true, Features: []string{"colour"}, Encode: map[string]Encoding{"colour": {Kind: IndexEncoding, Fallback: "other"}},
		Classes: []string{"no", "yes"},
	})
	if err != nil {
		t.Fatal(err)
	}
	test, err = ReadCSV(strings.NewReader("colour,label\npurple,no\nred,yes\n"), "test.csv", withOther.Options)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{2, 3}; !bitEqual(test.X, want) { // blue green other red
		t.Errorf("fallback: X %v, want %v", test.X, want)
	}

	// Classes inferred from numeric labels are recorded: a test file with
	// fewer has as many, one with more is refused.
	num, err := ReadCSVTable(strings.NewReader("a,b\n1,0\n2,2\n"), "train.csv", CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := ReadCSV(strings.NewReader("a,b\n1,0\n"), "test.csv", num.Options); err != nil || d.NumClasses() != 3 {
		t.Errorf("numeric labels reused: %v classes, error %v; want 3", d, err)
	}
	if _, err := ReadCSV(strings.NewReader("a,b\n1,3\n"), "test.csv", num.Options); err == nil || !strings.Contains(err.Error(), `test.csv:2: column 2 (b): label "3" out of range for 3 classes`) {
		t.Errorf("label past the recorded classes: error %v", err)
	}
}

// TestReadCSVOptionErrors: every option misused, and every bad field of
// an encoded file, is an error naming the file and, where a line is at
// fault, its line and column.
func TestReadCSVOptionErrors(t *testing.T) {
	hdr := func(o CSVOptions) CSVOptions { o.Header = true; return o }
	enc := func(col string, e Encoding) map[string]Encoding { return map[string]Encoding{col: e} }
	idx := Encoding{Kind: IndexEncoding}
	for _, tc := range []struct {
		name string
		in   string
		opt  CSVOptions
		want string
	}{
		{"label column that does not exist", shop, hdr(CSVOptions{Label: LabelNamed("price")}), `shop.csv:1: no column named "price" in header ["id" "colour" "size" "label"] (the label)`},
		{"feature column that does not exist", shop, hdr(CSVOptions{Features: []string{"size", "weight"}}), `shop.csv:1: no column named "weight" in header ["id" "colour" "size" "label"] (CSVOptions.Features)`},
		{"label among the features", shop, hdr(CSVOptions{Label: LabelNamed("size"), Features: []string{"id", "size"}}), `shop.csv:1: column 3 (size) is the label; it cannot also be a feature (CSVOptions.Features)`},
		{"feature named twice", shop, hdr(CSVOptions{Features: []string{"size", "id", "size"}}), `shop.csv: CSVOptions.Features lists "size" twice (at 0 and 2)`},
		{"no features", shop, hdr(CSVOptions{Features: []string{}}), `shop.csv: CSVOptions.Features is empty`},
		{"column named twice in the header", "a,b,a,y\n1,2,3,0\n", hdr(CSVOptions{Features: []string{"a"}}), `shop.csv:1: columns 1 and 3 are both named "a"; rename one to choose it by name (CSVOptions.Features)`},
		{"label named twice in the header", "y,b,y\n1,2,0\n", hdr(CSVOptions{Label: LabelNamed("y")}), `shop.csv:1: columns 1 and 3 are both named "y"`},
		{"header after blank lines", "\n\nid,colour\n1,red\n", hdr(CSVOptions{Label: LabelNamed("kind")}), `shop.csv:3: no column named "kind"`},
		{"features without a header", "1,2,0\n", CSVOptions{Features: []string{"a"}}, `shop.csv: CSVOptions.Features names columns but the file has no header`},
		{"encoding without a header", "1,2,0\n", CSVOptions{Encode: enc("a", idx)}, `shop.csv: CSVOptions.Encode names columns but the file has no header`},
		{"missing without a header", "1,2,0\n", CSVOptions{Missing: map[string]string{"a": "0"}}, `shop.csv: CSVOptions.Missing names columns but the file has no header`},
		{"encoding a column that does not exist", shop, hdr(CSVOptions{Encode: enc("color", idx)}), `shop.csv:1: no column named "color" in header ["id" "colour" "size" "label"] (CSVOptions.Encode)`},
		{"encoding a column left out", shop, hdr(CSVOptions{Features: []string{"size"}, Encode: enc("colour", idx)}), `shop.csv: CSVOptions.Encode names column "colour", which is neither a feature nor the label`},
		{"encoding of no kind", shop, hdr(CSVOptions{Encode: enc("colour", Encoding{})}), `shop.csv: CSVOptions.Encode["colour"]: Kind is EncodingKind(0); want data.OneHotEncoding or data.IndexEncoding`},
		{"category listed twice", shop, hdr(CSVOptions{Encode: enc("colour", Encoding{Kind: OneHotEncoding, Categories: []string{"red", "blue", "red"}})}), `shop.csv: CSVOptions.Encode["colour"].Categories lists "red" twice (at 0 and 2)`},
		{"empty category", shop, hdr(CSVOptions{Encode: enc("colour", Encoding{Kind: IndexEncoding, Categories: []string{"red", ""}})}), `CSVOptions.Encode["colour"].Categories[1]: an empty category`},
		{"category with spaces", shop, hdr(CSVOptions{Encode: enc("colour", Encoding{Kind: IndexEncoding, Categories: []string{" red"}})}), `CSVOptions.Encode["colour"].Categories[0]: category " red" has spaces around it`},
		{"fallback not among the categories", shop, hdr(CSVOptions{Encode: enc("colour", Encoding{Kind: IndexEncoding, Categories: []string{"red"}, Fallback: "other"})}), `CSVOptions.Encode["colour"].Fallback "other" is not among its 1 Categories`},
		{"encoded label for regression", shop, hdr(CSVOptions{Regression: true, Encode: enc("label", idx)}), `shop.csv: CSVOptions.Encode encodes the label "label", but Regression reads it as a number`},
		{"encoded label with classes", shop, hdr(CSVOptions{Classes: []string{"no", "yes"}, Encode: enc("label", idx)}), `the label "label" has classes in both CSVOptions.Classes and Encode`},
		{"one-hot label of one class", "a,y\n1,cat\n2,cat\n", hdr(CSVOptions{Encode: enc("y", Encoding{Kind: OneHotEncoding})}), `shop.csv: the one-hot label "y" has a single class "cat"`},
		{"missing label filled", shop, hdr(CSVOptions{Missing: map[string]string{"label": "no"}}), `CSVOptions.Missing fills the label "label"`},
		{"missing of a column left out", shop, hdr(CSVOptions{Features: []string{"size"}, Missing: map[string]string{"id": "0"}}), `CSVOptions.Missing names column "id", which is not a feature`},
		{"missing number not a number", shop, hdr(CSVOptions{Missing: map[string]string{"size": "none"}}), `shop.csv: CSVOptions.Missing["size"] for a numeric column: "none" is not a finite number`},
		{"missing fill empty", shop, hdr(CSVOptions{Missing: map[string]string{"size": " "}}), `CSVOptions.Missing["size"] is empty`},
		{"string column not encoded", shop, hdr(CSVOptions{Features: []string{"colour"}, Classes: []string{"no", "yes"}}), `shop.csv:2: column 2 (colour): "red" is not a finite number: plain decimals only, such as -1.5 or 2e-3; a column of strings needs CSVOptions.Encode`},
		{"missing number", "a,b,y\n1,2,0\n3,,1\n", hdr(CSVOptions{}), `shop.csv:3: column 2 (b): missing value (an empty field); give one in CSVOptions.Missing`},
		{"missing number without a header", "1,2,0\n \"\",4,1\n", CSVOptions{}, `shop.csv:2: column 1: missing value (an empty field)`},
		{"missing category", "a,c,y\n1,red,0\n3,,1\n", hdr(CSVOptions{Encode: enc("c", idx)}), `shop.csv:3: column 2 (c): missing value (an empty field)`},
		{"missing label", "a,y\n1,0\n2,\n", hdr(CSVOptions{}), `shop.csv:3: column 2 (y): missing label (an empty field)`},
		{"missing encoded label", "a,y\n1,cat\n2, \n", hdr(CSVOptions{Encode: enc("y", idx)}), `shop.csv:3: column 2 (y): missing label (an empty field)`},
		{"unseen category", shop, hdr(CSVOptions{Encode: map[string]Encoding{"colour": {Kind: OneHotEncoding, Categories: []string{"red", "blue"}}, "label": idx}}), `shop.csv:4: column 2 (colour): "green" is not one of the 2 categories ["red" "blue"]; list it in CSVOptions.Encode["colour"].Categories or set a Fallback`},
		{"label not among the classes", shop, hdr(CSVOptions{Features: []string{"size"}, Classes: []string{"no", "maybe"}}), `shop.csv:2: column 4 (label): label "yes" is not an integer class index`},
		{"bare quote", "a,y\n1,0\n2\"x,1\n", hdr(CSVOptions{}), `shop.csv:3: byte 2: bare " in non-quoted-field`},
		{"text after a closing quote", "a,y\n\"1\"x,0\n", hdr(CSVOptions{}), `shop.csv:2: byte 3: extraneous or missing " in quoted-field`},
	} {
		_, err := ReadCSV(strings.NewReader(tc.in), "shop.csv", tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// TestReadCSVEncodeBounds: an encoded column with more distinct values
// than MaxCSVCategories, and a one-hot X of more than MaxCSVEncodedValues,
// are refused with the bound named; listed categories are not bounded.
func TestReadCSVEncodeBounds(t *testing.T) {
	defer func(c, v int) { MaxCSVCategories, MaxCSVEncodedValues = c, v }(MaxCSVCategories, MaxCSVEncodedValues)
	in := "c,y\na,0\nb,1\nc,0\nd,1\n"
	opt := CSVOptions{Header: true, Encode: map[string]Encoding{"c": {Kind: IndexEncoding}}}
	MaxCSVCategories = 3
	if _, err := ReadCSV(strings.NewReader(in), "b.csv", opt); err == nil || !strings.Contains(err.Error(), `b.csv:5: column 1 (c): "d" would be category 4, more than 3 (data.MaxCSVCategories)`) {
		t.Errorf("4 categories over a bound of 3: error %v", err)
	}
	given := CSVOptions{Header: true, Encode: map[string]Encoding{"c": {Kind: IndexEncoding, Categories: []string{"a", "b", "c", "d"}}}}
	if d, err := ReadCSV(strings.NewReader(in), "b.csv", given); err != nil || !bitEqual(d.X, []float32{0, 1, 2, 3}) {
		t.Errorf("4 categories listed, bound 3: %v, error %v", d, err)
	}
	MaxCSVCategories = 1 << 16
	MaxCSVEncodedValues = 15
	oneHot := CSVOptions{Header: true, Encode: map[string]Encoding{"c": {Kind: OneHotEncoding}}}
	if _, err := ReadCSV(strings.NewReader(in), "b.csv", oneHot); err == nil || !strings.Contains(err.Error(), "b.csv: one-hot encoding makes 4 rows of 4 features, more than 15 values (data.MaxCSVEncodedValues)") {
		t.Errorf("16 one-hot values over a bound of 15: error %v", err)
	}
	MaxCSVEncodedValues = 16
	if d, err := ReadCSV(strings.NewReader(in), "b.csv", oneHot); err != nil || d.Features() != 4 {
		t.Errorf("16 one-hot values, bound 16: %v, error %v", d, err)
	}
}

// TestReadCSVQuotedLines: quoted fields with commas and newlines are read
// whole, and every line after them keeps its number in errors, which name
// the line a bad field starts on; a quote never closed is refused naming
// the line it opened on, and one that runs past MaxCSVLineBytes is
// refused before it is read whole.
func TestReadCSVQuotedLines(t *testing.T) {
	const in = "note,colour,size,label\n" + // 1
		"\"a, b\",\"dark,\n" + // 2
		"red\",1,0\n" + // 3
		"plain,blue,2,1\n" + // 4
		"\"one\n\ntwo\",\"dark,\nred\",3,1\n" // 5-8
	opt := CSVOptions{Header: true, Features: []string{"colour", "size"}, Encode: map[string]Encoding{"colour": {Kind: OneHotEncoding}}}
	d, err := ReadCSV(strings.NewReader(in), "q.csv", opt)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"colour=blue", "colour=dark,\nred", "size"}; !equalStrings(d.FeatureNames, want) {
		t.Errorf("feature names %q, want %q", d.FeatureNames, want)
	}
	if want := []float32{0, 1, 1, 1, 0, 2, 0, 1, 3}; !bitEqual(d.X, want) || !bitEqual(d.Y, []float32{0, 1, 1}) {
		t.Errorf("X %v Y %v, want X %v Y [0 1 1]", d.X, d.Y, want)
	}
	for _, tc := range []struct {
		name, tail, want string
	}{
		{"bad number after a multi-line record", "green,blue,x,0\n", `q.csv:9: column 3 (size): "x" is not a finite number`},
		{"bad field on the second line of its record", "\"x\ny\",green,big,0\n", `q.csv:10: column 3 (size): "big" is not a finite number`},
		{"short row after", "n,blue\n", "q.csv:9: too few fields: got 2, want 4"},
		{"quote never closed", "n,\"blue,2,1\nn,blue,2,1\n", "q.csv:9: a quoted field runs past the end of the line and is never closed"},
	} {
		_, err := ReadCSV(strings.NewReader(in+tc.tail), "q.csv", opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}

	defer func(n int) { MaxCSVLineBytes = n }(MaxCSVLineBytes)
	MaxCSVLineBytes = 64
	long := "a,b\n1,\"" + strings.Repeat("x\n", 40) + "\"\n"
	if _, err := ReadCSV(strings.NewReader(long), "q.csv", CSVOptions{Header: true}); err == nil || !strings.Contains(err.Error(), "a quoted field opened on line 2 runs on for more than 64 bytes (data.MaxCSVLineBytes)") {
		t.Errorf("quoted field over 64 bytes: error %v", err)
	}
}
