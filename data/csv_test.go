package data

import (
	"os"
	"path/filepath"
	"runtime"
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
