package data

import (
	"math"
	"sort"
	"strings"
	"testing"
)

func TestTrainTestSplit(t *testing.T) {
	d, _ := Iris()
	for _, tc := range []struct {
		frac          float64
		stratify      bool
		nTrain, nTest int
		testPerClass  []int
	}{
		{0.2, false, 120, 30, nil},
		{0.25, false, 112, 38, nil}, // ceil(37.5) = 38, as scikit-learn
		{0.2, true, 120, 30, []int{10, 10, 10}},
		{0.25, true, 112, 38, []int{13, 13, 12}}, // 12.67 each, remainders to the lower classes
		{0.5, true, 75, 75, []int{25, 25, 25}},
	} {
		train, test, err := TrainTestSplit(d, tc.frac, 1, tc.stratify)
		if err != nil {
			t.Errorf("frac %v stratify %v: %v", tc.frac, tc.stratify, err)
			continue
		}
		if train.Len() != tc.nTrain || test.Len() != tc.nTest {
			t.Errorf("frac %v stratify %v: sizes %d/%d, want %d/%d", tc.frac, tc.stratify, train.Len(), test.Len(), tc.nTrain, tc.nTest)
		}
		if tc.testPerClass != nil {
			got := test.ClassCounts()
			for c := range got {
				if got[c] != tc.testPerClass[c] || train.ClassCounts()[c] != 50-got[c] {
					t.Errorf("frac %v stratified: test counts %v train counts %v, want test %v", tc.frac, got, train.ClassCounts(), tc.testPerClass)
					break
				}
			}
		}
		// Together the two sides are a permutation of the rows.
		seen := map[[4]float32]int{}
		for i := 0; i < d.Len(); i++ {
			seen[[4]float32(d.Row(i))]++
		}
		for _, part := range []*Dataset{train, test} {
			for i := 0; i < part.Len(); i++ {
				seen[[4]float32(part.Row(i))]--
			}
		}
		for k, v := range seen {
			if v != 0 {
				t.Errorf("frac %v: row %v appears %d times too often in the original", tc.frac, k, v)
			}
		}
	}
}

func TestTrainTestSplitDeterminism(t *testing.T) {
	d, _ := Iris()
	for _, stratify := range []bool{false, true} {
		a, at, _ := TrainTestSplit(d, 0.3, 42, stratify)
		b, bt, _ := TrainTestSplit(d, 0.3, 42, stratify)
		c, _, _ := TrainTestSplit(d, 0.3, 43, stratify)
		if !equalFloats(a.X, b.X) || !equalFloats(at.Y, bt.Y) {
			t.Errorf("stratify %v: same seed gave different splits", stratify)
		}
		if equalFloats(a.X, c.X) {
			t.Errorf("stratify %v: seeds 42 and 43 gave the same split", stratify)
		}
		// Classes are interleaved, not in blocks.
		if l := a.Labels(); sort.IntsAreSorted(l) {
			t.Errorf("stratify %v: training labels come sorted", stratify)
		}
	}
}

func TestStratifiedSplitDigits(t *testing.T) {
	d, _ := Digits()
	train, test, err := TrainTestSplit(d, 0.2, 7, true)
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != int(math.Ceil(0.2*1797)) {
		t.Errorf("test size %d, want %d", test.Len(), int(math.Ceil(0.2*1797)))
	}
	all, tc, tr := d.ClassCounts(), test.ClassCounts(), train.ClassCounts()
	for c := range all {
		exact := float64(test.Len()) * float64(all[c]) / float64(d.Len())
		if math.Abs(float64(tc[c])-exact) > 1 || tc[c]+tr[c] != all[c] {
			t.Errorf("class %d: %d test, %d train of %d", c, tc[c], tr[c], all[c])
		}
	}
}

func TestTrainTestSplitErrors(t *testing.T) {
	d, _ := Iris()
	tiny, _ := NewDataset("tiny", []float32{1, 2}, 1, []float32{0, 1}, 1, []string{"a", "b"})
	reg, _ := NewDataset("reg", []float32{1, 2, 3}, 1, []float32{0.5, 1, 2}, 1, nil)
	single, _ := NewDataset("single", []float32{1, 2, 3, 4}, 1, []float32{0, 0, 0, 1}, 1, []string{"a", "b"})
	for _, tc := range []struct {
		name     string
		d        *Dataset
		frac     float64
		stratify bool
		want     string
	}{
		{"fraction 0", d, 0, false, "outside (0, 1)"},
		{"fraction 1", d, 1, false, "outside (0, 1)"},
		{"fraction NaN", d, math.NaN(), false, "outside (0, 1)"},
		{"empty train side", tiny, 0.9, false, "leaves 0 for training"},
		{"stratify regression", reg, 0.5, true, "stratify needs class labels"},
		{"class of one", single, 0.5, true, `class "b" has a single sample`},
		{"too few test rows", d, 0.01, true, "2 test and 148 training samples cannot each hold all 3 classes"},
		{"nil", nil, 0.5, false, "nil data set"},
	} {
		_, _, err := TrainTestSplit(tc.d, tc.frac, 1, tc.stratify)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
