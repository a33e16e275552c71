package data

import (
	"bytes"
	"testing"
)

// FuzzReadCSV: arbitrary text gives a consistent data set with at most
// MaxCSVClasses inferred classes, or an error, never a panic.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,1\n"), true)
	f.Add([]byte("a,b,label\n1,2,0\n3,4,1\n"), false)
	f.Add([]byte(""), false)
	f.Add([]byte("1,2\n3\n"), false)
	f.Add([]byte("1,NaN,0\n"), true)
	f.Add([]byte("\"1\",\"2\n"), false)
	f.Add([]byte("\ufeffa,b,label\n1,2,0\n"), true)
	f.Add([]byte("\ufeff\"1\",2e-3,0\n"), false)
	f.Add([]byte("0x1p3,1_000,0\n+.5,-2.,1e1\n"), false)
	f.Add([]byte("1,16777216\n"), false)
	f.Add([]byte("\xff\xfe1\x00,\x002\x00\n\x00"), false)
	f.Add([]byte("a,b\n\"1\n\",0\n2,\"1\"\n"), true)
	f.Add([]byte("1,\"2,\n3\",0\n"), false)
	f.Add([]byte("1,\"2\n"), false)
	f.Add([]byte("1,,0\n\"\",2,1\n"), false)
	f.Fuzz(func(t *testing.T, raw []byte, header bool) {
		for _, opt := range []CSVOptions{{Header: header}, {Header: header, Regression: true}, {Header: header, Label: NoLabel}} {
			d, err := ReadCSV(bytes.NewReader(raw), "fuzz.csv", opt)
			if err != nil {
				continue
			}
			if d.Len() == 0 || len(d.X) != d.Len()*d.Features() || len(d.Y) != d.Len()*d.TargetWidth() {
				t.Fatalf("inconsistent data set: %d samples, %d features, %d values, %d targets", d.Len(), d.Features(), len(d.X), len(d.Y))
			}
			if d.NumClasses() > MaxCSVClasses {
				t.Fatalf("%d classes inferred, over MaxCSVClasses %d", d.NumClasses(), MaxCSVClasses)
			}
		}
	})
}

// FuzzDecodeIDX: arbitrary bytes give an IDX whose data matches its
// dimensions, or an error; a header cannot make the reader allocate more
// than the input holds.
func FuzzDecodeIDX(f *testing.F) {
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4})
	f.Add([]byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := DecodeIDX(bytes.NewReader(raw), "fuzz-idx")
		if err != nil {
			return
		}
		n := 1
		for _, d := range m.Dims {
			n *= d
		}
		if n != len(m.Data) {
			t.Fatalf("dims %v but %d bytes", m.Dims, len(m.Data))
		}
	})
}
