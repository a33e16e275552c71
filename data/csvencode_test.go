package data

import (
	"bytes"
	"testing"
)

// FuzzReadCSVTable: arbitrary text read with columns chosen by name,
// encoded and filled gives a consistent data set, whose feature names
// match its features, or an error, never a panic; and reading the same
// text again with the options the table recorded gives the same numbers.
func FuzzReadCSVTable(f *testing.F) {
	f.Add([]byte("c,x,y\nred,1,a\nblue,2,b\n"), uint8(0))
	f.Add([]byte("x,c,y\n1,\"dark,\nred\",0\n,blue,1\n"), uint8(1))
	f.Add([]byte("y,c,x\nb,,3\na,red,\n"), uint8(2))
	f.Add([]byte("c,c,y\n1,2,3\n"), uint8(3))
	f.Add([]byte("x,y\n1,0\n"), uint8(4))
	f.Add([]byte("c,x,y\n\"a\"\"b\",1,0\n\"\n\",2,1\n"), uint8(5))
	f.Fuzz(func(t *testing.T, raw []byte, mode uint8) {
		kind := OneHotEncoding
		if mode&1 != 0 {
			kind = IndexEncoding
		}
		opt := CSVOptions{Header: true, Label: LabelNamed("y"), Encode: map[string]Encoding{"c": {Kind: kind}}}
		if mode&2 != 0 {
			opt.Features = []string{"x", "c"}
			opt.Missing = map[string]string{"x": "0", "c": "none"}
		}
		if mode&4 != 0 {
			opt.Encode["y"] = Encoding{Kind: IndexEncoding, Fallback: "other"}
		}
		tab, err := ReadCSVTable(bytes.NewReader(raw), "fuzz.csv", opt)
		if err != nil {
			return
		}
		d := tab.Data
		if d.Len() == 0 || len(d.X) != d.Len()*d.Features() || len(d.Y) != d.Len()*d.TargetWidth() {
			t.Fatalf("inconsistent data set: %d samples, %d features, %d values, %d targets", d.Len(), d.Features(), len(d.X), len(d.Y))
		}
		if len(d.FeatureNames) != d.Features() {
			t.Fatalf("%d feature names for %d features", len(d.FeatureNames), d.Features())
		}
		again, err := ReadCSV(bytes.NewReader(raw), "fuzz.csv", tab.Options)
		if err != nil {
			t.Fatalf("read again with the recorded options: %v", err)
		}
		if !bitEqual(again.X, d.X) || !bitEqual(again.Y, d.Y) || !equalStrings(again.Classes, d.Classes) || !equalStrings(again.FeatureNames, d.FeatureNames) {
			t.Fatalf("read again with the recorded options: X %v Y %v classes %q, first X %v Y %v classes %q",
				again.X, again.Y, again.Classes, d.X, d.Y, d.Classes)
		}
	})
}
