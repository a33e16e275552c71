package nn_test

import (
	"encoding/json"
	"math"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// The preprocessing and augmentation layers in models trained, saved and
// loaded by package train.

// augmentImages is 64 random 6×6 single-channel images of whole values
// in [0, 255] with labels 0, 1, 2 in turn.
func augmentImages(t *testing.T) *data.Dataset {
	t.Helper()
	rng := rand.New(rand.NewSource(1))
	const n = 64
	x, y := make([]float32, n*36), make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Intn(256))
	}
	for i := range y {
		y[i] = float32(i % 3)
	}
	ds, err := data.NewDataset("images", x, 36, y, 1, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	ds.SampleShape = []int{6, 6, 1}
	return ds
}

// augmentModel is a small image model holding every layer of the family,
// its Normalization adapted to ds; with random false, the augmentation
// layers are left out.
func augmentModel(t *testing.T, ds *data.Dataset, random bool) (*nn.Model, *nn.NormalizationLayer) {
	t.Helper()
	norm := nn.Normalization()
	layers := []nn.Layer{norm, nn.Rescaling(2, 0.5)}
	if random {
		layers = append(layers, nn.RandomFlip(""), nn.RandomTranslation(0.2, 0.2), nn.RandomRotation(0.1),
			nn.RandomZoom(0.2).WithFill(nn.FillConstant, -1), nn.RandomContrast(0.3).WithValueRange(-100, 100))
	}
	layers = append(layers, nn.Flatten(), nn.Dense(3, nn.Softmax))
	m := nn.Sequential("augment", layers...)
	if err := m.BuildShape([]int{6, 6, 1}, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := norm.Adapt(ds); err != nil {
		t.Fatal(err)
	}
	return m, norm
}

// fitted trains augmentModel for two epochs in the data's order with the
// given seed and returns the trainer.
func fitted(t *testing.T, ds *data.Dataset, random bool, seed int64) (*train.Trainer, *nn.NormalizationLayer) {
	t.Helper()
	m, norm := augmentModel(t, ds, random)
	tr, err := train.Compile(m, train.Adam(0.01), train.SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(ds, train.FitOptions{Epochs: 2, BatchSize: 16, NoShuffle: true, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	return tr, norm
}

func sameParams(a, b *nn.Model) bool {
	pa, pb := a.Params(), b.Params()
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		va, vb := pa[i].Float64s(), pb[i].Float64s()
		for j := range va {
			if va[j] != vb[j] {
				return false
			}
		}
	}
	return true
}

// TestAugmentationSeededByFit: the augmentations are drawn from Fit's
// seeded generator: two trainings with one seed end with the same weights
// to the bit, two with different seeds do not, while without the
// augmentation layers (nothing else random: the data's order is kept) the
// seed changes nothing.
func TestAugmentationSeededByFit(t *testing.T) {
	ds := augmentImages(t)
	a, _ := fitted(t, ds, true, 1)
	b, _ := fitted(t, ds, true, 1)
	c, _ := fitted(t, ds, true, 2)
	if !sameParams(a.NN(), b.NN()) {
		t.Error("two trainings with seed 1 differ")
	}
	if sameParams(a.NN(), c.NN()) {
		t.Error("seeds 1 and 2 train the same weights: the augmentations do not follow the seed")
	}
	plain1, _ := fitted(t, ds, false, 1)
	plain2, _ := fitted(t, ds, false, 2)
	if !sameParams(plain1.NN(), plain2.NN()) {
		t.Error("without augmentation layers the seed changed the weights")
	}
}

// TestPreprocessingSaveLoad: a trained model holding every layer of the
// family saves and loads with train: the same description, the
// Normalization's adapted statistics (not 0 and 1), and the same
// predictions, to the bit (the random layers are the identity there).
func TestPreprocessingSaveLoad(t *testing.T) {
	ds := augmentImages(t)
	tr, norm := fitted(t, ds, true, 1)
	mean, variance := norm.Mean.Float64s(), norm.Variance.Float64s()
	if mean[0] < 100 || variance[0] < 1000 {
		t.Fatalf("adapted statistics %v %v: want those of pixels in [0, 255]", mean, variance)
	}
	path := filepath.Join(t.TempDir(), "augment.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := train.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := tr.NN().Config()
	c2, _ := back.NN().Config()
	j1, _ := json.Marshal(c1)
	j2, _ := json.Marshal(c2)
	if string(j1) != string(j2) {
		t.Errorf("the description changed:\n%s\n%s", j1, j2)
	}
	bn, ok := back.NN().Layers[0].(*nn.NormalizationLayer)
	if !ok {
		t.Fatalf("layer 0 loaded as %T", back.NN().Layers[0])
	}
	if !sameValues(bn.Mean.Float64s(), mean) || !sameValues(bn.Variance.Float64s(), variance) {
		t.Errorf("statistics %v %v after loading, want %v %v", bn.Mean.Float64s(), bn.Variance.Float64s(), mean, variance)
	}
	p1, err := tr.Predict(ds, 16)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := back.Predict(ds, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		for k := range p1[i] {
			if p1[i][k] != p2[i][k] {
				t.Fatalf("sample %d: prediction %v before saving, %v after loading", i, p1[i], p2[i])
			}
		}
	}
	t.Logf("%s", j1)
}

func sameValues(a, b []float64) bool {
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

// TestNormalizationReplacesScaler: a model whose first layer is a
// Normalization adapted on Iris predicts, on the raw features, what the
// same model without it (the same Dense weights) predicts on features
// standardised by data.StandardScaler. Both are float32: the scaler
// standardises in float64 and rounds each feature once, the layer
// subtracts and divides in float32, so the standardised features differ
// by a few float32 units (3.1e-7 at most, measured), and the
// probabilities by as little (4.2e-7 measured); the tolerance is 1e-5,
// and every predicted class must be the same.
func TestNormalizationReplacesScaler(t *testing.T) {
	iris, err := data.Iris()
	if err != nil {
		t.Fatal(err)
	}
	norm := nn.Normalization()
	with := nn.Sequential("with", norm, nn.Dense(16, nn.ReLU), nn.Dense(3, nn.Softmax))
	without := nn.Sequential("without", nn.Dense(16, nn.ReLU), nn.Dense(3, nn.Softmax))
	for _, m := range []*nn.Model{with, without} {
		if err := m.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := norm.Adapt(iris); err != nil {
		t.Fatal(err)
	}
	// The same Dense weights, made larger than their initial values so
	// that the classes differ.
	for i, p := range without.Trainable() {
		v := with.Trainable()[i].Float64s()
		for j := range v {
			v[j] *= 3
		}
		if err := with.Trainable()[i].SetFloat64s(v); err != nil {
			t.Fatal(err)
		}
		if err := p.SetFloat64s(v); err != nil {
			t.Fatal(err)
		}
	}
	scaled := iris.Clone()
	var sc data.StandardScaler
	if err := sc.FitTransform(scaled); err != nil {
		t.Fatal(err)
	}
	predict := func(m *nn.Model, src data.Source) [][]float32 {
		tr, err := train.Compile(m, train.SGD(0.1), train.SparseCategoricalCrossentropy())
		if err != nil {
			t.Fatal(err)
		}
		p, err := tr.Predict(src, 32)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1, p2 := predict(with, iris), predict(without, scaled)
	worst, classes := 0.0, map[int]int{}
	for i := range p1 {
		if argmax(p1[i]) != argmax(p2[i]) {
			t.Errorf("sample %d: class %d with the layer, %d with the scaler (%v, %v)", i, argmax(p1[i]), argmax(p2[i]), p1[i], p2[i])
		}
		classes[argmax(p1[i])]++
		for k := range p1[i] {
			worst = max(worst, math.Abs(float64(p1[i][k])-float64(p2[i][k])))
		}
	}
	if worst > 1e-5 {
		t.Errorf("largest difference in a probability %.3g, want ≤ 1e-5", worst)
	}
	if len(classes) < 2 {
		t.Errorf("every sample predicted as one class %v: the comparison shows little", classes)
	}
	// The standardised features themselves.
	inner := 0.0
	for i := range iris.X {
		j := i % 4
		y := (float64(float32(iris.X[i])) - float64(float32(norm.Mean.At(j)))) / math.Max(math.Sqrt(norm.Variance.At(j)), 1e-7)
		inner = max(inner, math.Abs(y-float64(scaled.X[i])))
	}
	t.Logf("largest probability difference %.3g; standardised features within %.3g; classes %v", worst, inner, classes)
}

func argmax(v []float32) int {
	k := 0
	for i := range v {
		if v[i] > v[k] {
			k = i
		}
	}
	return k
}
