package nn

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
)

// TestNormalizationExact: (x − mean)/max(√variance, 1e-7) per channel on
// hand-made inputs (values in the cases), in training and inference alike.
func TestNormalizationExact(t *testing.T) {
	tiny := math.Ldexp(1, -10) // 10 + tiny is exact in float32
	cases := []struct {
		name           string
		mean, variance []float64
		shape          []int
		in, want       []float64
		only64         bool
	}{
		// A 2×2 image of two channels, interleaved: channel 0 holds
		// 1 3 5 −1 (mean 1, sd 2 → 0 1 2 −1), channel 1 holds
		// 10 10.5 9 10 (mean 10, sd ½ → 0 1 −2 0).
		{"image", []float64{1, 10}, []float64{4, 0.25}, []int{2, 2, 2},
			[]float64{1, 10, 3, 10.5, 5, 9, -1, 10}, []float64{0, 0, 1, 1, 2, -2, -1, 0}, false},
		// Rows of two features.
		{"rows", []float64{1, 10}, []float64{4, 0.25}, []int{2},
			[]float64{1, 10, 3, 10.5}, []float64{0, 0, 1, 1}, false},
		// One mean and variance for every feature.
		{"broadcast", []float64{2}, []float64{16}, []int{3},
			[]float64{2, 6, -2}, []float64{0, 1, -1}, false},
		// A constant channel (variance 0) divides by 1e-7, not 0: its
		// mean maps to 0, not NaN.
		{"variance 0", []float64{0, 10}, []float64{1, 0}, []int{2},
			[]float64{3, 10}, []float64{3, 0}, false},
		{"variance 0, off the mean", []float64{0, 10}, []float64{1, 0}, []int{2},
			[]float64{3, 10 + tiny}, []float64{3, tiny / 1e-7}, true},
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
			if c.only64 && dt == graph.Float32 {
				continue
			}
			for _, training := range []bool{true, false} {
				got := applyLayer(t, Normalization().WithStats(c.mean, c.variance), dt, training, c.shape, c.in, 1)
				if !sameValues(got, c.want) {
					t.Errorf("%s %v training %v: %v, want %v", c.name, dt, training, got, c.want)
				}
			}
		}
	}
}

// TestNormalizationAdapt: Adapt and AdaptRows compute each feature's mean
// and biased variance in float64, per channel over every position of
// images, before or after Build, into the params.
func TestNormalizationAdapt(t *testing.T) {
	// Rows {1, 2}, {3, 2}, {5, 2}: mean 3 and 2, variance 8/3 and 0.
	rows := [][]float32{{1, 2}, {3, 2}, {5, 2}}
	// Two 2×2 images of two channels: contrastImage and contrastImage +
	// 100. Channel 0 is 0 2 4 6 100 102 104 106: mean 53, squared
	// deviations 2809 2601 2401 2209 twice, variance 20040/8 = 2505.
	// Channel 1 is 10 10 10 30 110 110 110 130: mean 65, variance
	// (3·3025 + 1225 + 3·2025 + 4225)/8 = 2575.
	var x []float32
	for _, add := range []float64{0, 100} {
		for _, v := range contrastImage {
			x = append(x, float32(v+add))
		}
	}
	images, err := data.NewDataset("images", x, 8, nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	images.SampleShape = []int{2, 2, 2}
	// Values far from 0 with a small spread: 1e6 + ¼, ½, ¾ (exact in
	// float32) have variance 1/24, which a sum of squares in float64
	// would lose to cancellation.
	far := [][]float32{{1e6 + 0.25}, {1e6 + 0.5}, {1e6 + 0.75}}

	cases := []struct {
		name           string
		adapt          func(*NormalizationLayer) error
		shape          []int
		mean, variance []float64
	}{
		{"rows", func(l *NormalizationLayer) error { return l.AdaptRows(rows) }, []int{2}, []float64{3, 2}, []float64{8.0 / 3, 0}},
		{"images", func(l *NormalizationLayer) error { return l.Adapt(images) }, []int{2, 2, 2}, []float64{53, 65}, []float64{2505, 2575}},
		{"far from 0", func(l *NormalizationLayer) error { return l.AdaptRows(far) }, []int{1}, []float64{1e6 + 0.5}, []float64{1.0 / 24}},
	}
	for _, c := range cases {
		for _, before := range []bool{true, false} {
			for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
				l := Normalization()
				if before {
					if err := c.adapt(l); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := l.Build(c.shape, dt, nil); err != nil {
					t.Fatal(err)
				}
				if !before {
					if err := c.adapt(l); err != nil {
						t.Fatal(err)
					}
				}
				for i := range c.mean {
					wm, wv := c.mean[i], c.variance[i]
					if dt == graph.Float32 {
						wm, wv = float64(float32(wm)), float64(float32(wv))
					}
					if got := l.Mean.At(i); math.Abs(got-wm) > 1e-12*math.Abs(wm) {
						t.Errorf("%s, adapted before Build %v, %v: mean[%d] = %.17g, want %.17g", c.name, before, dt, i, got, wm)
					}
					if got := l.Variance.At(i); math.Abs(got-wv) > 1e-9*wv {
						t.Errorf("%s, adapted before Build %v, %v: variance[%d] = %.17g, want %.17g", c.name, before, dt, i, got, wv)
					}
				}
				if l.Mean.Trainable || l.Variance.Trainable {
					t.Errorf("%s: the statistics are trainable", c.name)
				}
			}
		}
	}
}

// TestNormalizationAdaptReachesBuiltGraphs: the params are shared, so an
// inference graph built before Adapt normalises with the adapted
// statistics when it runs after it.
func TestNormalizationAdaptReachesBuiltGraphs(t *testing.T) {
	l := Normalization()
	if _, err := l.Build([]int{1}, graph.Float64, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := graph.NewBuilder(graph.Float64, 2, false)
	in := b.Input("x", 2, 1)
	setInput(in, []float64{1, 5})
	y, err := l.Forward(b, in.Node)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Compile(nil, nil, y)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	run := func() []float64 {
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		return graph.Float64s(m.Output(0))
	}
	if got := run(); !sameValues(got, []float64{1, 5}) {
		t.Errorf("unadapted: %v, want the input (mean 0, variance 1)", got)
	}
	// {1, 5}: mean 3, variance 4, sd 2.
	if err := l.AdaptRows([][]float32{{1}, {5}}); err != nil {
		t.Fatal(err)
	}
	if got := run(); !sameValues(got, []float64{-1, 1}) {
		t.Errorf("adapted: %v, want -1 1", got)
	}
}

// TestNormalizationAdaptErrors: bad data is an error naming the layer.
func TestNormalizationAdaptErrors(t *testing.T) {
	built := func() *NormalizationLayer {
		l := WithName(Normalization(), "norm")
		if _, err := l.Build([]int{2, 2, 3}, graph.Float32, nil); err != nil {
			t.Fatal(err)
		}
		return l
	}
	empty, _ := data.NewDataset("empty", nil, 3, nil, 0, nil)
	three, _ := data.NewDataset("three", []float32{1, 2, 3}, 3, nil, 0, nil)
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"no rows", func() error { return WithName(Normalization(), "norm").AdaptRows(nil) }, "no samples"},
		{"empty source", func() error { return WithName(Normalization(), "norm").Adapt(empty) }, "no samples"},
		{"nil source", func() error { return WithName(Normalization(), "norm").Adapt(nil) }, "no samples"},
		{"ragged rows", func() error { return WithName(Normalization(), "norm").AdaptRows([][]float32{{1, 2}, {3}}) }, "row 1 has 1 values"},
		{"NaN", func() error {
			return WithName(Normalization(), "norm").AdaptRows([][]float32{{1, 2}, {3, float32(math.NaN())}})
		}, "sample 1, value 1 is NaN"},
		{"infinity", func() error {
			return WithName(Normalization(), "norm").AdaptRows([][]float32{{float32(math.Inf(-1))}})
		}, "sample 0, value 0 is -Inf"},
		{"width of a built layer", func() error { return built().Adapt(three) }, "samples have 3 values, the layer's input shape (None, 2, 2, 3) has 12"},
	}
	for _, c := range cases {
		if err := c.run(); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"norm"`) {
			t.Errorf("%s: error %v, want one naming \"norm\" and saying %q", c.name, err, c.want)
		}
	}
	// Adapted to three features, the layer will not build for two.
	l := WithName(Normalization(), "norm")
	if err := l.Adapt(three); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Build([]int{2}, graph.Float32, nil); err == nil || !strings.Contains(err.Error(), "adapted to 3 features") {
		t.Errorf("build for 2 features after adapting to 3: %v", err)
	}
	// A built layer adapted to 12 values of its own shape reads them as
	// 4 positions of 3 channels.
	l = built()
	twelve := make([]float32, 12)
	for i := range twelve {
		twelve[i] = float32(i % 3)
	}
	if err := l.AdaptRows([][]float32{twelve}); err != nil {
		t.Fatal(err)
	}
	if got := l.Mean.Float64s(); !sameValues(got, []float64{0, 1, 2}) {
		t.Errorf("per-channel means %v, want 0 1 2", got)
	}
}

// TestNormalizationMatchesScaler: on random data far from 0, a float64
// graph normalises as a float64 StandardScaler does, to 1e-12; a float32
// graph rounds the mean (to within 2⁻²⁴·|mean|), x − mean, the standard
// deviation and the quotient (each within 2⁻²⁴ relative), so it is held to
// twice the sum of those bounds, 2·2⁻²⁴·((|mean| + |x − mean|)/sd + 2|y|)
// for each value.
func TestNormalizationMatchesScaler(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	const n, f = 200, 4
	x := make([]float32, n*f)
	for i := range x {
		x[i] = float32(100*float64(i%f) + (1+float64(i%f))*rng.NormFloat64())
	}
	ds, err := data.NewDataset("d", x, f, nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sc data.StandardScaler
	if err := sc.Fit(ds); err != nil {
		t.Fatal(err)
	}
	in := make([]float64, len(x))
	for i, v := range x {
		in[i] = float64(v)
	}
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		l := Normalization()
		if err := l.Adapt(ds); err != nil {
			t.Fatal(err)
		}
		got := applyLayer(t, l, dt, false, []int{f}, in, 1)
		worst := 0.0 // the largest difference as a fraction of its bound
		for i, v := range got {
			m, s := sc.Mean[i%f], sc.Scale[i%f]
			want := (in[i] - m) / s // the scaler in float64, unrounded
			tol := 1e-12
			if dt == graph.Float32 {
				tol = 2 * 0x1p-24 * ((math.Abs(m)+math.Abs(in[i]-m))/s + 2*math.Abs(want))
			}
			worst = max(worst, math.Abs(v-want)/tol)
		}
		if worst > 1 {
			t.Errorf("%v: the largest difference from the scaler is %.3g of its bound", dt, worst)
		} else {
			t.Logf("%v: the largest difference from the scaler is %.3g of its bound", dt, worst)
		}
	}
}
