package data

import (
	"os"
	"path/filepath"
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
